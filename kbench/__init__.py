"""kbench: a discrete-event benchmarking framework for Kubernetes scheduling."""

from __future__ import annotations

__version__ = "0.1.0"
