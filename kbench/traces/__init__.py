"""Trace readers: turn a workload source into the Arrow node and pod tables kbench replays.

The tables' columns are fixed by :mod:`kbench.traces.schema`; each reader documents how its
source maps onto them. Readers so far: :mod:`kbench.traces.alibaba` (Alibaba
cluster-trace-gpu-v2023, bundled in ``workloads/alibaba-gpu-v2023/``).

Examples
--------
>>> from kbench.traces import list_traces, load_nodes, load_pods
>>> load_nodes("alibaba-gpu-v2023:gpu").num_rows
1213
>>> load_pods("alibaba-gpu-v2023:multigpu20").column("created_at").null_count
8324
"""

from __future__ import annotations

from kbench.traces.alibaba import list_traces, load_nodes, load_pods, workloads_dir
from kbench.traces.schema import NODE_SCHEMA, POD_SCHEMA

__all__ = ["NODE_SCHEMA", "POD_SCHEMA", "list_traces", "load_nodes", "load_pods", "workloads_dir"]
