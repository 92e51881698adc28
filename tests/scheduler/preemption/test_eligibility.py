"""TestPodEligibleToPreemptOthers of kube's default_preemption_test.go."""

from __future__ import annotations

from kbench.scheduler.framework import Code, Status
from kbench.scheduler.preemption.eligibility import eligible_to_preempt_others
from tests.scheduler.preemption.helpers import HIGH, LOW, cluster, node, pod

PREEMPTED = {"conditions": [{"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler"}]}
DELETING = {"deletionTimestamp": 5.0}


def nominated_pod(**spec):  # type: ignore[no-untyped-def]
    return pod("p_with_nominated_node", priority=HIGH, status={"nominatedNodeName": "node1"}, **spec)


def test_nominated_node_unresolvable_makes_it_eligible_again() -> None:
    c = cluster([node("node1")], [pod("p1", "node1", LOW, meta=DELETING, status=PREEMPTED)])
    unresolvable = Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, "node(s) had untolerated taint {k: v}")
    assert eligible_to_preempt_others(nominated_pod(), c, unresolvable)


def test_pod_without_nominated_node() -> None:
    assert eligible_to_preempt_others(pod("p", priority=HIGH), cluster([]), None)


def test_preempt_never() -> None:
    assert not eligible_to_preempt_others(pod("p", priority=HIGH, preemptionPolicy="Never"), cluster([]), None)


def test_victim_terminating_by_preemption_on_nominated_node() -> None:
    c = cluster([node("node1")], [pod("p1", "node1", LOW, meta=DELETING, status=PREEMPTED)])
    assert not eligible_to_preempt_others(nominated_pod(), c, None)


def test_non_victim_pod_terminating() -> None:
    # terminating without the DisruptionTarget condition: not a preemption victim
    c = cluster([node("node1")], [pod("p1", "node1", LOW, meta=DELETING)])
    assert eligible_to_preempt_others(nominated_pod(), c, None)


def test_terminating_victim_of_equal_priority_does_not_block() -> None:
    c = cluster([node("node1")], [pod("p1", "node1", HIGH, meta=DELETING, status=PREEMPTED)])
    assert eligible_to_preempt_others(nominated_pod(), c, None)
