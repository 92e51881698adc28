"""filterPodsWithPDBViolation, and the per-slot PDB table the kernel reads (kept current as pods
come and go)."""

from __future__ import annotations

from kbench.api.policy import PodDisruptionBudget, pdb_view
from kbench.scheduler.preemption.pdb import slot_pdbs, split_violating
from tests.scheduler.preemption.helpers import LOW, cluster, node, pdb, pod

A = {"app": "a"}


def names(recs):  # type: ignore[no-untyped-def]
    return [r.pod.metadata.name for r in recs]


def test_budget_is_used_in_order() -> None:
    # allowed 1: v1 leaves 0, v2 and v3 go below zero
    c = cluster([node("n")], [pod(f"v{i}", "n", LOW, labels=A) for i in (1, 2, 3)])
    recs = list(c.pods_on_node[0].values())
    violating, other = split_violating(recs, [pdb(A, 1)])
    assert names(violating) == ["v2", "v3"] and names(other) == ["v1"]


def test_every_matching_pdb_is_charged() -> None:
    # v1 matches both: "app" (allowed 5) and "tier" (allowed 0) -> violating through the second
    c = cluster([node("n")], [pod("v1", "n", LOW, labels={"app": "a", "tier": "x"}), pod("v2", "n", LOW, labels=A)])
    recs = list(c.pods_on_node[0].values())
    violating, other = split_violating(recs, [pdb(A, 5), pdb({"tier": "x"}, 0)])
    assert names(violating) == ["v1"] and names(other) == ["v2"]


def test_unlabelled_other_namespace_and_empty_selector_are_not_covered() -> None:
    everything = pdb_view(PodDisruptionBudget.model_validate(
        {"metadata": {"name": "all", "namespace": "default"}, "spec": {"selector": {}}}))
    not_app = pdb_view(PodDisruptionBudget.model_validate(
        {"metadata": {"name": "x", "namespace": "default"},
         "spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}}}))
    c = cluster([node("n")], [pod("bare", "n", LOW), pod("elsewhere", "n", LOW, labels=A, namespace="other")])
    recs = list(c.pods_on_node[0].values())
    # "bare" has no labels (kube skips it even for DoesNotExist), "elsewhere" is in another namespace
    violating, other = split_violating(recs, [everything, not_app, pdb(A, 0)])
    assert violating == [] and names(other) == ["bare", "elsewhere"]


def test_slot_table_follows_pod_changes() -> None:
    c = cluster([node("n")], [pod("v1", "n", LOW, labels=A), pod("v2", "n", LOW)])
    pdbs = [pdb(A, 0), pdb(A, 3, disrupted=["v3"])]

    def covered() -> dict[str, list[int]]:
        ptr, idx = slot_pdbs(c, pdbs)
        return {r.pod.metadata.name: idx[ptr[r.slot]:ptr[r.slot + 1]].tolist() for r in c.pods.values()}

    assert covered() == {"v1": [0, 1], "v2": []}
    c.remove_pod("v1")
    c.add_pod(pod("v3", "n", LOW, labels=A), "n")  # takes v1's slot; disrupted for the second PDB
    c.add_pod(pod("v4", "n", LOW, labels=A), "n")
    assert covered() == {"v2": [], "v3": [0], "v4": [0, 1]}
