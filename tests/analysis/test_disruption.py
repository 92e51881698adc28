"""Preemption and eviction counts on hand-built events and pods tables."""

from __future__ import annotations

from kbench.analysis.disruption import disruptions
from tests.analysis.helpers import hand_runs


def ev(run: str, reason: str, message: str = "") -> dict[str, object]:
    return {"run": run, "time": 1.0, "type": "Normal", "reason": reason, "object_kind": "Pod", "object": "ns/p",
            "message": message}


EVENTS = [
    ev("a", "Scheduled"), ev("a", "Scheduled"),
    ev("a", "Preempted", "Preempted by pod ns/hi on node n1"), ev("a", "Preempted", "Preempted by pod ns/hi on node n2"),
    ev("a", "TaintManagerEviction", "Marking for deletion Pod ns/p"),
    ev("a", "TaintManagerEviction", "Cancelling deletion of Pod ns/p"),
    ev("a", "Evicted", "The node was low on resource: memory."),
    ev("b", "Scheduled"),
]
PODS = [{"run": "a", "preemptions": 1}, {"run": "a", "preemptions": 0}, {"run": "a", "preemptions": 2},
        {"run": "b", "preemptions": 0}, {"run": "f", "preemptions": 0}]


def test_counts_per_run() -> None:
    runs = hand_runs([("a", "p", 1), ("b", "p", 2), ("f", "fgd", 1)], lacks={"f": {"events"}},
                     events=EVENTS, pods=PODS)
    rows = {r["run"]: r for r in disruptions(runs).iter_rows(named=True)}
    # a: 2 Preempted; 1 taint eviction (the Cancelling event is not one); 1 Evicted; pods 1 + 0 + 2
    assert (rows["a"]["preempted"], rows["a"]["taint_evictions"], rows["a"]["evicted"],
            rows["a"]["pod_preemptions"]) == (2, 1, 1, 3)
    assert (rows["b"]["preempted"], rows["b"]["taint_evictions"], rows["b"]["evicted"]) == (0, 0, 0)
    # f has no events table (a placement run): nothing was recorded, so null, not 0
    assert (rows["f"]["preempted"], rows["f"]["pod_preemptions"]) == (None, 0)
