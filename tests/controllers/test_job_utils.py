"""The Job controller's helpers, on the cases of Kubernetes' own unit tests
(indexed_job_utils_test.go, backoff_utils_test.go) and the Job API strategy's rules."""

from __future__ import annotations

from typing import Any

import pytest

from kbench.api.objects import Pod
from kbench.api.workloads import Job
from kbench.controllers.job.backoff import (
    BackoffRecord,
    BackoffStore,
    backoff_duration,
    finished_time,
)
from kbench.controllers.job.indexed import (
    JOB_COMPLETION_INDEX,
    first_pending_indexes,
    format_indexes,
    generate_name_with_index,
    has,
    indexes_of,
    parse_indexes,
    with_indexes,
)
from kbench.controllers.job.pods import JOB_TRACKING_FINALIZER, duplicated_index_pods
from kbench.controllers.job.strategy import JobDefaults
from kbench.controllers.job.tracking import succeeded_indexes
from kbench.errors import APIError

NO_INDEX = "-"


def pod(index: str = NO_INDEX, phase: str = "Pending", name: str = "", **meta: Any) -> Pod:
    ann = {} if index == NO_INDEX else {JOB_COMPLETION_INDEX: index}
    return Pod.model_validate({"metadata": {"name": name, "annotations": ann, "finalizers": [JOB_TRACKING_FINALIZER],
                                            **meta}, "status": {"phase": phase}})


def index_phases(pods: list[Pod]) -> list[tuple[str, str]]:
    return [(p.metadata.annotations.get(JOB_COMPLETION_INDEX, NO_INDEX), p.status["phase"]) for p in pods]


def indexed_job(completions: int, completed: str = "") -> Job:
    return Job.model_validate({"spec": {"completions": completions, "completionMode": "Indexed",
                                        "template": {"spec": {"restartPolicy": "Never"}}},
                               "status": {"completedIndexes": completed}})


# ---- indexes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prev, pods, completions, want_prev, want", [
    ("", [("1", "Succeeded")], 2, [], [(1, 1)]),
    ("", [("2", "Failed"), ("5", "Succeeded"), ("5", "Succeeded"), ("10", "Failed"), ("10", "Succeeded")], 11,
     [], [(5, 5), (10, 10)]),
    ("", [("0", "Running"), ("1", "Pending"), ("2", "Succeeded"), ("3", "Succeeded"), ("5", "Succeeded"),
          ("6", "Succeeded"), ("7", "Succeeded")], 8, [], [(2, 3), (5, 7)]),
    ("", [("0", "Succeeded"), ("1", "Failed"), ("2", "Succeeded"), ("3", "Succeeded"), ("4", "Succeeded"),
          ("5", "Succeeded"), (NO_INDEX, "Succeeded"), ("-2", "Succeeded")], 6, [], [(0, 0), (2, 5)]),
    ("", [("0", "Succeeded"), ("1", "Succeeded"), ("2", "Succeeded"), ("3", "Failed"), ("4", "Succeeded"),
          ("5", "Succeeded"), (NO_INDEX, "Succeeded"), ("-2", "Succeeded")], 5, [], [(0, 2), (4, 4)]),
    ("0-5,8-10", [], 8, [(0, 5)], [(0, 5)]),
    ("0-5,8-10", [], 10, [(0, 5), (8, 9)], [(0, 5), (8, 9)]),
    ("0,4,5,10-12", [("2", "Succeeded"), ("7", "Succeeded"), ("8", "Succeeded")], 13,
     [(0, 0), (4, 5), (10, 12)], [(0, 0), (2, 2), (4, 5), (7, 8), (10, 12)]),
    ("3,4,6", [("2", "Succeeded"), ("7", "Succeeded"), ("8", "Succeeded")], 9, [(3, 4), (6, 6)], [(2, 4), (6, 8)]),
    ("2,7,8", [("3", "Succeeded"), ("4", "Succeeded"), ("6", "Succeeded")], 9, [(2, 2), (7, 8)], [(2, 4), (6, 8)]),
    ("2-7", [("0", "Succeeded"), ("3", "Succeeded"), ("5", "Succeeded"), ("9", "Succeeded")], 10,
     [(2, 7)], [(0, 0), (2, 7), (9, 9)]),
    ("0,1-foo,bar", [("3", "Succeeded")], 4, [(0, 0)], [(0, 0), (3, 3)]),
])
def test_succeeded_indexes(prev: str, pods: list[tuple[str, str]], completions: int,
                           want_prev: list[tuple[int, int]], want: list[tuple[int, int]]) -> None:
    got_prev, got = succeeded_indexes(indexed_job(completions, prev), [pod(i, ph) for i, ph in pods])
    assert (got_prev, got) == (want_prev, want)


def test_succeeded_pods_already_counted_add_no_index() -> None:
    counted = pod("1", "Succeeded").model_copy(update={"metadata": pod("1").metadata.model_copy(
        update={"finalizers": None})})
    assert succeeded_indexes(indexed_job(3), [counted]) == ([], [])


def test_completed_indexes_text() -> None:
    assert format_indexes(with_indexes([], range(5))) == "0-4"
    assert format_indexes(with_indexes([], [1, 3, 4, 5])) == "1,3-5"
    assert format_indexes(with_indexes([], [1, 2])) == "1,2"
    assert format_indexes([]) == ""
    assert parse_indexes("1,3-5", 10) == [(1, 1), (3, 5)] and parse_indexes("1,2", 10) == [(1, 2)]


@pytest.mark.parametrize("intervals, index, want", [
    ([], 4, False), ([(2, 4), (5, 7)], 1, False), ([(2, 4), (6, 8)], 9, False), ([(2, 4), (6, 8)], 5, False),
    ([(2, 4), (6, 8)], 2, True), ([(2, 4), (6, 8)], 8, True),
])
def test_intervals_have_index(intervals: list[tuple[int, int]], index: int, want: bool) -> None:
    assert has(intervals, index) is want


@pytest.mark.parametrize("active, succeeded, count, completions, want", [
    ([], [], 5, 3, [0, 1, 2]),
    ([], [], 2, 5, [0, 1]),
    ([("0", "Running"), ("1", "Pending")], [], 3, 10, [2, 3, 4]),
    ([("6", "Pending")], [(4, 5)], 6, 6, [0, 1, 2, 3]),
    ([("3", "Pending"), ("5", "Running"), ("8", "Pending"), (NO_INDEX, "Running"), ("-3", "Running")],
     [(2, 4), (9, 9)], 5, 20, [0, 1, 6, 7, 10]),
])
def test_first_pending_indexes(active: list[tuple[str, str]], succeeded: list[tuple[int, int]], count: int,
                               completions: int, want: list[int]) -> None:
    busy = indexes_of(pod(i, ph) for i, ph in active)
    assert first_pending_indexes(succeeded, busy, count, completions) == want


@pytest.mark.parametrize("pods, want_rm, want_left", [
    ([(NO_INDEX, "Pending"), ("2", "Pending"), ("5", "Running"), ("6", "Running")],
     [(NO_INDEX, "Pending"), ("6", "Running")], [("2", "Pending"), ("5", "Running")]),
    ([("5", "Pending"), ("0", "Running"), ("3", "Pending"), ("0", "Running"), ("3", "Running"), ("0", "Pending"),
      ("6", "Running"), ("6", "Pending")],
     [("0", "Pending"), ("0", "Running"), ("3", "Pending"), ("6", "Running"), ("6", "Pending")],
     [("0", "Running"), ("3", "Running"), ("5", "Pending")]),
    ([(NO_INDEX, "Pending"), ("invalid", "Running"), ("-2", "Running"), ("0", "Pending"), ("1", "Pending"),
      ("1", "Pending"), ("1", "Running")],
     [(NO_INDEX, "Pending"), ("invalid", "Running"), ("-2", "Running"), ("1", "Pending"), ("1", "Pending")],
     [("0", "Pending"), ("1", "Running")]),
])
def test_duplicated_index_pods_for_removal(pods: list[tuple[str, str]], want_rm: list[tuple[str, str]],
                                           want_left: list[tuple[str, str]]) -> None:
    rm, left = duplicated_index_pods([pod(i, ph) for i, ph in pods], 6)
    assert (index_phases(rm), index_phases(left)) == (want_rm, want_left)


@pytest.mark.parametrize("job_name, want", [
    ("indexed-job", "indexed-job-1-"),
    ("hhhhhooooo" * 7, "hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhh-1-"),
    ("hhhhhooooo" * 5 + "hhhhhoo", "hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhh-1-"),
])
def test_generate_name_with_index(job_name: str, want: str) -> None:
    assert generate_name_with_index(job_name, 1) == want


# ---- backoff ------------------------------------------------------------------------------------


def finished(at: float, phase: str) -> Pod:
    """A pod whose containers ran 1 s and ended at ``at``."""
    return Pod.model_validate({"metadata": {"annotations": {"kbench.io/duration-seconds": "1"}},
                               "status": {"phase": phase, "startTime": at - 1.0}})


T = 1000.0


@pytest.mark.parametrize("stored, succeeded, failed, want", [
    (None, [], [T], (1, T)),
    (None, [], [T, T - 1], (2, T)),
    (None, [T], [T - 2, T - 1], (0, None)),
    (None, [T - 2], [T, T - 4, T - 3, T - 1], (2, T)),
    (BackoffRecord("key", 2, None), [], [T], (3, T)),
    (None, [T], [T], (0, None)),
    (None, [], [], (0, None)),
    (None, [T], [], (0, None)),
])
def test_new_backoff_record(stored: BackoffRecord | None, succeeded: list[float], failed: list[float],
                            want: tuple[int, float | None]) -> None:
    store = BackoffStore()
    if stored is not None:
        store.update(stored)
    r = store.new_record("key", [finished(t, "Succeeded") for t in succeeded],
                         [finished(t, "Failed") for t in failed], now=T + 10)
    assert (r.failures_after_last_success, r.last_failure_time) == want


@pytest.mark.parametrize("failures, now, want", [
    (0, T, 0.0), (1, T, 5.0), (1, T + 1, 4.0), (1, T + 5, 0.0), (1, T + 6, 0.0), (3, T, 20.0), (8, T, 640.0),
    (9, T, 700.0),
])
def test_remaining_backoff_time(failures: int, now: float, want: float) -> None:
    record = BackoffRecord("key", failures, T if failures else None)
    assert record.remaining(now, default=5.0, maximum=700.0) == want


def test_pod_failure_backoff_doubles_from_10_s_to_the_10_minute_cap() -> None:
    assert [backoff_duration(n) for n in range(1, 10)] == [10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 600.0, 600.0, 600.0]


def test_finished_time_lookups() -> None:
    ended = finished(T, "Failed")
    assert finished_time(ended, now=T + 5) == T
    assert finished_time(ended, now=T - 0.5) == 0.0  # not ended yet in the simulation: creation time
    not_ready = Pod.model_validate({"status": {"phase": "Failed", "conditions": [
        {"type": "Ready", "status": "False", "lastTransitionTime": T}]}})
    assert finished_time(not_ready, now=T + 5) == T
    ready = Pod.model_validate({"metadata": {"deletionTimestamp": T}, "status": {"phase": "Running", "conditions": [
        {"type": "Ready", "status": "True", "lastTransitionTime": T - 30}]}})
    assert finished_time(ready, now=T + 5) == T
    graced = Pod.model_validate({"metadata": {"deletionTimestamp": T, "deletionGracePeriodSeconds": 30}})
    assert finished_time(graced, now=T + 5) == T - 30
    assert finished_time(Pod.model_validate({"metadata": {"creationTimestamp": T + 0.7}}), now=T + 5) == T


# ---- the API strategy ---------------------------------------------------------------------------


def new_job(labels: dict[str, str] | None = None, **spec: Any) -> Job:
    return Job.model_validate({"metadata": {"name": "pi", "namespace": "ns"}, "spec": {
        **spec, "template": {"metadata": {"labels": labels or {"app": "pi"}}, "spec": {"restartPolicy": "Never"}}}})


def test_job_defaults_generate_the_selector_and_labels() -> None:
    job = JobDefaults()(new_job())
    assert isinstance(job, Job)
    uid = job.metadata.uid
    assert uid and job.metadata.labels == {"app": "pi"}
    assert job.spec.selector is not None and job.spec.selector.match_labels == {"batch.kubernetes.io/controller-uid": uid}
    assert job.spec.template.metadata.labels == {"app": "pi", "batch.kubernetes.io/controller-uid": uid,
                                                 "controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
                                                 "job-name": "pi"}
    again = JobDefaults()(new_job())
    assert again.metadata.uid == uid  # type: ignore[attr-defined]
    plugin = JobDefaults()
    assert plugin(new_job()).metadata.uid != plugin(new_job()).metadata.uid  # type: ignore[attr-defined]
    with_status = new_job().model_copy(update={"status": new_job().status.model_copy(update={"succeeded": 3})})
    assert JobDefaults()(with_status).status.succeeded == 0  # type: ignore[attr-defined]


def test_job_defaults_keep_a_manual_selector_and_validate_selectors() -> None:
    manual = JobDefaults()(new_job(manualSelector=True, selector={"matchLabels": {"app": "pi"}}))
    assert manual.spec.template.metadata.labels == {"app": "pi"}  # type: ignore[attr-defined]
    with pytest.raises(APIError, match="spec.selector: Required value"):
        JobDefaults()(new_job(manualSelector=True))
    with pytest.raises(APIError, match="`selector` does not match template `labels`"):
        JobDefaults()(new_job(manualSelector=True, selector={"matchLabels": {"app": "other"}}))
    with pytest.raises(APIError, match="`selector` not auto-generated"):
        JobDefaults()(new_job(selector={"matchLabels": {"app": "pi"}}))
    with pytest.raises(APIError, match="must be 'pi'"):
        JobDefaults()(new_job(labels={"app": "pi", "job-name": "other"}))
