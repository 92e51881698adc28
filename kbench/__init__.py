"""kbench: a discrete-event benchmarking framework for Kubernetes scheduling."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from kbench.analysis.runs import Runs

__all__ = ["__version__", "load"]


def load(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> Runs:
    """Every kbench run in or below ``paths`` (folders, run.json files or globs) as polars LazyFrames.

    See :func:`kbench.analysis.loader.load`; imported on first use so ``import kbench`` stays light.
    """
    from kbench.analysis.loader import load as load_runs

    return load_runs(paths)
