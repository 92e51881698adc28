"""The scheduling framework: statuses, cycle state, compiled pods and the plugin extension points.

A plugin mirrors a kube-scheduler plugin: a class with a ``NAME`` and the methods of the
extension points it implements. Filters and scores work on arrays of node rows: a filter writes
a reason code per node it rejects, a score returns one int64 per node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

import numpy as np
from numba import njit

from kbench.api.objects import Pod
from kbench.cluster.state import ClusterState
from kbench.errors import StateError

MAX_NODE_SCORE = 100
"""framework.MaxNodeScore."""

T = TypeVar("T")


class Code(IntEnum):
    """framework.Code, in Go's order."""

    SUCCESS = 0
    ERROR = 1
    UNSCHEDULABLE = 2
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3
    WAIT = 4
    SKIP = 5
    PENDING = 6


@dataclass(frozen=True, slots=True)
class Status:
    """A plugin's verdict: a code and its reasons (Go's wording)."""

    code: Code = Code.SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @classmethod
    def of(cls, code: Code, *reasons: str) -> Status:
        return cls(code, tuple(reasons))

    @property
    def ok(self) -> bool:
        return self.code == Code.SUCCESS

    @property
    def skip(self) -> bool:
        return self.code == Code.SKIP


SUCCESS = Status()
SKIP = Status(Code.SKIP)


@dataclass(frozen=True, slots=True)
class PreFilterResult:
    """framework.PreFilterResult: the only node names that may fit (None: all nodes)."""

    node_names: frozenset[str] | None = None


class CycleState:
    """framework.CycleState: data one plugin computes in an early extension point for later ones."""

    __slots__ = ("_data", "skip_filter", "skip_score")

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self.skip_filter: set[str] = set()
        self.skip_score: set[str] = set()

    def write(self, key: str, value: Any) -> None:
        self._data[key] = value

    def read(self, key: str, kind: type[T]) -> T:
        """The value under ``key``; StateError if missing, as Go's cycleState.Read does."""
        try:
            value = self._data[key]
        except KeyError:
            raise StateError(f"reading {key!r} from cycleState: not found") from None
        if not isinstance(value, kind):
            raise StateError(f"{key!r} in cycleState is {type(value).__name__}, not {kind.__name__}")
        return value

    def get(self, key: str) -> Any:
        return self._data.get(key)


@dataclass(eq=False)
class PodInfo:
    """A pod to schedule plus the per-plugin compiled forms of its spec (arrays for kernels).

    Compiled forms depend on interned cluster strings, so they are keyed by ``ClusterState.epoch``.
    """

    pod: Pod
    _compiled: dict[str, tuple[int, Any]] = field(default_factory=dict)

    def compiled(self, key: str, epoch: int, build: Callable[[], T]) -> T:
        """The cached value of ``build()`` for ``key``, rebuilt when the cluster epoch changes."""
        hit = self._compiled.get(key)
        if hit is not None and hit[0] == epoch:
            return hit[1]  # type: ignore[no-any-return]
        value = build()
        self._compiled[key] = (epoch, value)
        return value


class Plugin:
    """Base of every plugin: a name, its args, and the cluster it reads."""

    NAME: ClassVar[str] = ""

    def __init__(self, args: dict[str, Any] | None = None) -> None:
        self.args = args or {}


@runtime_checkable
class PreFilterPlugin(Protocol):
    def pre_filter(
        self, state: CycleState, pi: PodInfo, cluster: ClusterState
    ) -> tuple[Status, PreFilterResult | None]: ...


@runtime_checkable
class FilterPlugin(Protocol):
    def filter(
        self,
        state: CycleState,
        pi: PodInfo,
        cluster: ClusterState,
        idx: np.ndarray,
        failed_by: np.ndarray,
        codes: np.ndarray,
        me: int,
    ) -> None:
        """For each row ``idx[k]`` with ``failed_by[k] < 0`` that fails, set ``failed_by[k] = me``
        and ``codes[k]`` to a non-zero reason code ``filter_status`` can describe."""
        ...

    def filter_status(self, state: CycleState, pi: PodInfo, cluster: ClusterState, code: int) -> Status: ...


@runtime_checkable
class PreScorePlugin(Protocol):
    def pre_score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> Status: ...


@runtime_checkable
class ScorePlugin(Protocol):
    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        """Raw int64 scores for the feasible rows ``idx``."""
        ...

    def normalize(self, state: CycleState, pi: PodInfo, scores: np.ndarray) -> None:
        """NormalizeScore in place (identity for plugins without ScoreExtensions)."""
        ...


EXTENSION_POINTS: dict[str, type] = {
    "preFilter": PreFilterPlugin,
    "filter": FilterPlugin,
    "preScore": PreScorePlugin,
    "score": ScorePlugin,
}
"""The extension points kbench runs, with the Protocol a plugin implements to take part."""

OTHER_EXTENSION_POINTS = ("queueSort", "postFilter", "reserve", "permit", "preBind", "bind", "postBind", "preEnqueue")


@njit(cache=True)
def default_normalize(scores, reverse):  # pragma: no cover
    """Mirrors helper.DefaultNormalizeScore(MaxNodeScore, reverse, scores), in place."""
    max_count = 0
    for k in range(len(scores)):
        if scores[k] > max_count:
            max_count = scores[k]
    if max_count == 0:
        if reverse:
            scores[:] = MAX_NODE_SCORE
        return
    for k in range(len(scores)):
        s = MAX_NODE_SCORE * scores[k] // max_count
        scores[k] = MAX_NODE_SCORE - s if reverse else s
