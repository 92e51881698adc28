"""ImageLocality: image sizes scaled by spread, clamped between 23MiB and 1000MiB x containers."""

from __future__ import annotations

from tests.scheduler.helpers import cluster, explain, node, only, pod

MB = 1024 * 1024


def test_spread_scaling_and_threshold() -> None:
    nodes = [node("a", images=[{"names": ["web:1"], "sizeBytes": 500 * MB}]),
             node("b", images=[{"names": ["web:1"], "sizeBytes": 500 * MB}, {"names": ["db:latest"], "sizeBytes": 900 * MB}]),
             node("c"), node("d")]
    containers = [{"name": "w", "image": "web:1"}, {"name": "d", "image": "db"}]
    _, scores = explain(cluster(nodes), pod("p", containers=containers), only("ImageLocality", filter_=False))
    # web:1 on 2 of 4 nodes -> 250MB; db (normalized db:latest) on 1 of 4 -> 225MB; max threshold 2000MB
    # a: 100*(250-23)//(2000-23) = 11; b: 100*(475-23)//1977 = 22; c, d: below 23MB -> 0
    assert scores["ImageLocality"] == {"a": 11, "b": 22, "c": 0, "d": 0}


def test_node_image_names_are_not_normalized() -> None:
    # The pod's "nginx" becomes "nginx:latest"; a node listing only "nginx" does not match it.
    nodes = [node("a", images=[{"names": ["nginx"], "sizeBytes": 900 * MB}]),
             node("b", images=[{"names": ["nginx:latest"], "sizeBytes": 900 * MB}])]
    _, scores = explain(cluster(nodes), pod("p", containers=[{"name": "n", "image": "nginx"}]), only("ImageLocality", filter_=False))
    # b: 900MB * 1/2 = 450MB -> 100*(450-23)//(1000-23) = 43
    assert scores["ImageLocality"] == {"a": 0, "b": 43}
