"""Indexed Jobs (pkg/controller/job/indexed_job_utils.go): completion indexes on pods, and sets of
indexes as ordered intervals written in the compressed form of ``status.completedIndexes``
("1,3-5": an interval of two indexes is written "1,2", of three or more "3-5")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kbench.api.objects import Pod
from kbench.api.workloads import Job

JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
"""The annotation (and, since PodIndexLabel, the label) carrying a pod's completion index."""
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"
UNKNOWN_INDEX = -1
MAX_GENERATED_NAME_LENGTH = 58
"""names.MaxGeneratedNameLength: 63 minus the 5 random characters."""

Interval = tuple[int, int]
"""First and last index, inclusive."""


def is_indexed(job: Job) -> bool:
    return job.spec.completion_mode == "Indexed"


def completion_index(pod: Pod) -> int:
    """getCompletionIndex: the annotation as a non-negative int; -1 when missing or invalid."""
    raw = pod.metadata.annotations.get(JOB_COMPLETION_INDEX)
    if raw is None:
        return UNKNOWN_INDEX
    try:
        i = int(raw)
    except ValueError:
        return UNKNOWN_INDEX
    return i if i >= 0 else UNKNOWN_INDEX


def parse_indexes(text: str, completions: int) -> list[Interval]:
    """parseIndexesFromString: intervals below ``completions``; corrupt pieces are skipped."""
    out: list[Interval] = []
    if not text:
        return out
    for piece in text.split(","):
        limits = piece.split("-")
        try:
            first = int(limits[0])
        except ValueError:
            continue
        if first >= completions:
            break
        last = first
        if len(limits) > 1:
            try:
                last = min(int(limits[1]), completions - 1)
            except ValueError:
                continue
        if out and out[-1][1] == first - 1:
            out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def merge(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """orderedIntervals.merge: the union of two ordered interval lists, adjacent ones joined."""
    out: list[Interval] = []

    def push(iv: Interval) -> None:
        if not out or iv[0] > out[-1][1] + 1:
            out.append(iv)
        elif out[-1][1] < iv[1]:
            out[-1] = (out[-1][0], iv[1])

    i = j = 0
    while i < len(a) and j < len(b):
        if a[i][0] < b[j][0]:
            push(a[i])
            i += 1
        else:
            push(b[j])
            j += 1
    for iv in a[i:]:
        push(iv)
    for iv in b[j:]:
        push(iv)
    return out


def with_indexes(intervals: Sequence[Interval], indexes: Iterable[int]) -> list[Interval]:
    """withOrderedIndexes: ``intervals`` plus the given indexes (in increasing order)."""
    return merge(intervals, [(i, i) for i in indexes])


def total(intervals: Sequence[Interval]) -> int:
    """How many indexes the intervals hold."""
    return sum(last - first + 1 for first, last in intervals)


def has(intervals: Sequence[Interval], index: int) -> bool:
    """Whether ``index`` is in one of the intervals."""
    return any(first <= index <= last for first, last in intervals)


def format_indexes(intervals: Sequence[Interval]) -> str:
    """orderedIntervals.String: "0-4", "1,3-5", "1,2"."""
    parts = []
    for first, last in intervals:
        if last == first:
            parts.append(str(first))
        elif last == first + 1:
            parts.append(f"{first},{last}")
        else:
            parts.append(f"{first}-{last}")
    return ",".join(parts)


def indexes_of(pods: Iterable[Pod]) -> list[int]:
    """getIndexes: the distinct known completion indexes of the pods, in order."""
    return sorted({i for p in pods if (i := completion_index(p)) != UNKNOWN_INDEX})


def first_pending_indexes(succeeded: Sequence[Interval], busy: Iterable[int], count: int,
                          completions: int) -> list[int]:
    """firstPendingIndexes: the ``count`` lowest indexes below ``completions`` neither succeeded nor
    held by a pod in ``busy`` (the active pods' indexes, plus terminating ones when only failed pods
    are replaced)."""
    if count == 0:
        return []
    taken = with_indexes(succeeded, sorted(set(busy)))
    out: list[int] = []
    candidate = 0
    for first, last in taken:
        while candidate < completions and len(out) < count and candidate < first:
            out.append(candidate)
            candidate += 1
        candidate = max(candidate, last + 1)
    while candidate < completions and len(out) < count:
        out.append(candidate)
        candidate += 1
    return out


def generate_name_with_index(job_name: str, index: int) -> str:
    """podGenerateNameWithIndex: ``<job>-<index>-``, the job name cut so the prefix fits."""
    suffix = f"-{index}-"
    prefix = job_name + suffix
    if len(prefix) > MAX_GENERATED_NAME_LENGTH:
        prefix = prefix[:MAX_GENERATED_NAME_LENGTH - len(suffix)] + suffix
    return prefix
