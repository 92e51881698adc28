"""ClusterState's per-node pod counters, indexed by what their matcher requires of a pod: every
kind of matcher counts exactly the bound pods it accepts, through adds, removes and evictions.
Expected counts are worked by hand from the selectors (countPodsMatchSelector: same namespace, not
terminating, selector match; AffinityTerm.Matches for merged terms)."""

from __future__ import annotations

from kbench.api.objects import LabelSelector, Node, Pod, Service
from kbench.api.selectors import label_selector
from kbench.api.workloads import ReplicaSet
from kbench.cluster.state import ClusterState
from kbench.scheduler.plugins.inter_pod_affinity.terms import AllTermsMatcher, PodSelection
from kbench.scheduler.plugins.pod_topology_spread.common import PodMatcher


def node(name: str) -> Node:
    return Node.model_validate({"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
                                "status": {"allocatable": {"cpu": "8", "memory": "8Gi", "pods": "110"}}})


def pod(name: str, ns: str, labels: dict[str, str], deleting: bool = False) -> Pod:
    meta: dict = {"name": name, "namespace": ns, "uid": f"{ns}-{name}", "labels": labels}
    if deleting:
        meta["deletionTimestamp"] = 1.0
    return Pod.model_validate({"metadata": meta, "spec": {"containers": [{"name": "c"}]}})


def selector(match_labels: dict[str, str] | None = None, exprs: list[dict] | None = None):  # type: ignore[no-untyped-def]
    return label_selector(LabelSelector.model_validate({"matchLabels": match_labels or {},
                                                        "matchExpressions": exprs or []}))


class _TierFront:
    """A matcher without ``index_key``: tested against every pod."""

    def __hash__(self) -> int:
        return 7

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TierFront)

    def matches(self, rec, state) -> bool:  # noqa: ANN001
        return rec.labels.get("tier") == "front"


def cluster() -> ClusterState:
    c = ClusterState()
    for n in ("n0", "n1", "n2"):
        c.add_node(node(n))
    return c


WEB_A = PodMatcher("a", selector({"app": "web", "pod-template-hash": "h1"}))
"""Namespace a, app=web and hash h1 (a ReplicaSet's selector): indexed by namespace and label."""
ANY_APP_A = PodMatcher("a", selector(exprs=[{"key": "app", "operator": "Exists"}]))
"""Namespace a, any pod with an app label: indexed by namespace only."""
WEB_ALL_NS = PodSelection(frozenset(), True, selector({"app": "web"}))
"""An empty namespaceSelector (all namespaces), app=web: indexed by label only."""
WEB_A_OR_B = PodSelection(frozenset({"a", "b"}), False, selector({"app": "web"}))
"""Namespaces a and b, app=web: indexed by label only."""
WEB_AND_FRONT = AllTermsMatcher((PodSelection(frozenset({"a"}), False, selector({"app": "web"})),
                                 PodSelection(frozenset({"a"}), False, selector({"tier": "front"}))))
"""Every term: namespace a, app=web and tier=front."""
MATCHERS = (WEB_A, ANY_APP_A, WEB_ALL_NS, WEB_A_OR_B, WEB_AND_FRONT, _TierFront())


def _place(c: ClusterState) -> None:
    c.add_pod(pod("p1", "a", {"app": "web", "pod-template-hash": "h1", "tier": "front"}), "n0")
    c.add_pod(pod("p2", "a", {"app": "web", "pod-template-hash": "h2"}), "n0")
    c.add_pod(pod("p3", "b", {"app": "web", "pod-template-hash": "h1", "tier": "front"}), "n1")
    c.add_pod(pod("p4", "c", {"app": "web"}), "n2")
    c.add_pod(pod("p5", "a", {"app": "db"}), "n2")
    c.add_pod(pod("p6", "a", {"app": "web", "pod-template-hash": "h1"}, deleting=True), "n1")


# Pods counted on n0, n1, n2 with all six bound. PodTopologySpread's matcher skips terminating
# pods (p6); inter-pod affinity terms count them. WEB_A: p1. ANY_APP_A: p1, p2 | - | p5.
# WEB_ALL_NS: p1, p2 | p3, p6 | p4. WEB_A_OR_B: p1, p2 | p3, p6 | -. WEB_AND_FRONT: p1.
# _TierFront: p1 | p3 | -.
EXPECTED = {
    WEB_A: [1, 0, 0],
    ANY_APP_A: [2, 0, 1],
    WEB_ALL_NS: [2, 2, 1],
    WEB_A_OR_B: [2, 2, 0],
    WEB_AND_FRONT: [1, 0, 0],
    _TierFront(): [1, 1, 0],
}


def test_counters_registered_before_pods_are_kept_current() -> None:
    c = cluster()
    for m in MATCHERS:
        assert c.pod_counts(m)[:3].tolist() == [0, 0, 0]
    _place(c)
    assert {m: c.pod_counts(m)[:3].tolist() for m in MATCHERS} == EXPECTED


def test_counters_registered_after_pods_scan_the_bound_pods() -> None:
    c = cluster()
    _place(c)
    assert {m: c.pod_counts(m)[:3].tolist() for m in MATCHERS} == EXPECTED


def test_removing_pods_undoes_their_counts() -> None:
    c = cluster()
    for m in MATCHERS:
        c.pod_counts(m)
    _place(c)
    c.remove_pod("a-p1")
    c.remove_pod("b-p3")
    # p1 counted for every matcher on n0; p3 for WEB_ALL_NS, WEB_A_OR_B and _TierFront on n1
    assert c.pod_counts(WEB_A)[:3].tolist() == [0, 0, 0]
    assert c.pod_counts(ANY_APP_A)[:3].tolist() == [1, 0, 1]
    assert c.pod_counts(WEB_ALL_NS)[:3].tolist() == [1, 1, 1]
    assert c.pod_counts(WEB_A_OR_B)[:3].tolist() == [1, 1, 0]
    assert c.pod_counts(WEB_AND_FRONT)[:3].tolist() == [0, 0, 0]
    assert c.pod_counts(_TierFront())[:3].tolist() == [0, 0, 0]


def test_an_evicted_counter_is_rebuilt_from_the_pods_bound_since() -> None:
    c = cluster()
    c.MAX_COUNTERS = 2
    c.pod_counts(WEB_A)
    c.pod_counts(WEB_ALL_NS)
    c.pod_counts(_TierFront())  # evicts WEB_A, the oldest
    _place(c)
    c.pod_counts(ANY_APP_A)  # evicts WEB_ALL_NS
    assert c.pod_counts(WEB_A)[:3].tolist() == [1, 0, 0]  # evicts _TierFront
    c.add_pod(pod("p7", "a", {"app": "web", "pod-template-hash": "h1", "tier": "front"}), "n2")
    assert c.pod_counts(WEB_A)[:3].tolist() == [1, 0, 1]
    assert c.pod_counts(ANY_APP_A)[:3].tolist() == [2, 0, 2]
    assert c.pod_counts(_TierFront())[:3].tolist() == [1, 1, 1]


def test_owner_updates_keep_compiled_tables_unless_a_selector_changes() -> None:
    c = cluster()
    rs = ReplicaSet.model_validate({"metadata": {"name": "web-h1", "namespace": "a"},
                                    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                                             "template": {"metadata": {"labels": {"app": "web"}}}}})
    epoch = c.epoch
    c.add_owner(rs)
    assert c.epoch == epoch + 1  # a new owner: default selectors may change
    c.add_owner(rs.model_copy(update={"status": rs.status.model_copy(update={"replicas": 2})}))
    assert c.epoch == epoch + 1  # a status update changes no selector
    other = rs.spec.model_copy(update={"selector": LabelSelector(match_labels={"app": "web", "v": "2"})})
    c.add_owner(rs.model_copy(update={"spec": other}))
    assert c.epoch == epoch + 2
    svc = Service.model_validate({"metadata": {"name": "web", "namespace": "a"}, "spec": {"selector": {"app": "web"}}})
    c.add_owner(svc)
    c.add_owner(svc.model_copy(update={"metadata": svc.metadata.model_copy(update={"labels": {"x": "y"}})}))
    assert c.epoch == epoch + 3
    c.remove_owner(svc)
    assert c.epoch == epoch + 4


def test_default_selector_follows_an_owner_seen_after_the_pod() -> None:
    c = cluster()
    p = Pod.model_validate({"metadata": {"name": "p", "namespace": "a", "labels": {"app": "web"},
                                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                              "name": "web-h1", "uid": "u1", "controller": True}]},
                            "spec": {"containers": [{"name": "c"}]}})
    assert c.owners.default_selector(p).empty
    rs = ReplicaSet.model_validate({"metadata": {"name": "web-h1", "namespace": "a", "uid": "u1"},
                                    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                                             "template": {"metadata": {"labels": {"app": "web"}}}}})
    epoch = c.epoch
    c.add_owner(rs)
    assert c.epoch > epoch and c.owners.default_selector(p) == selector({"app": "web"})

