"""NodePorts: HostPortInfo.CheckConflict semantics (0.0.0.0 wildcard, protocols, sidecar ports)."""

from __future__ import annotations

from tests.scheduler.helpers import cluster, explain, node, only, pod

REASON = "node(s) didn't have free ports for the requested pod ports"


def ports(*items: tuple[int, str, str]) -> list[dict]:
    return [{"name": "c", "image": "x", "ports": [{"containerPort": p, "hostPort": p, "protocol": proto, "hostIP": ip}
                                                   for p, proto, ip in items]}]


def test_wildcard_conflicts_with_specific_ip_both_ways() -> None:
    c = cluster([node("a"), node("b")], [
        pod("x", node_name="a", containers=ports((8080, "TCP", "10.0.0.1"))),
        pod("y", node_name="b", containers=ports((8080, "TCP", ""))),
    ])
    verdict, _ = explain(c, pod("p", containers=ports((8080, "TCP", ""))), only("NodePorts"))
    assert verdict == {"a": [REASON], "b": [REASON]}
    verdict, _ = explain(c, pod("p", containers=ports((8080, "TCP", "10.0.0.2"))), only("NodePorts"))
    assert verdict == {"a": [], "b": [REASON]}
    verdict, _ = explain(c, pod("p", containers=ports((8080, "UDP", ""))), only("NodePorts"))
    assert verdict == {"a": [], "b": []}


def test_sidecar_ports_count_plain_init_ports_do_not() -> None:
    init = [{"name": "i", "image": "x", "ports": [{"containerPort": 9000, "hostPort": 9000}]},
            {"name": "s", "image": "x", "restartPolicy": "Always", "ports": [{"containerPort": 9001, "hostPort": 9001}]}]
    c = cluster([node("a")], [pod("x", node_name="a", containers=[{"name": "c", "image": "x"}], initContainers=init)])
    verdict, _ = explain(c, pod("p", containers=ports((9000, "TCP", ""))), only("NodePorts"))
    assert verdict == {"a": []}
    verdict, _ = explain(c, pod("p", containers=ports((9001, "TCP", ""))), only("NodePorts"))
    assert verdict == {"a": [REASON]}
