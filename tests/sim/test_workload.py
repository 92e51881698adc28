"""Trace rows to Kubernetes objects: GPU resources, model constraints, durations."""

from __future__ import annotations

import pyarrow as pa

from kbench.api.annotations import DURATION_ANNOTATION
from kbench.api.resources import int_requests, pod_requests
from kbench.sim.workload import GPU, GPU_MILLI, GPU_MODEL_LABEL, gpu_models, nodes_from_table, pods_from_table
from kbench.traces import load_nodes, load_pods
from kbench.traces.schema import POD_SCHEMA


def test_nodes_advertise_gpus_and_model() -> None:
    nodes = nodes_from_table(load_nodes("alibaba-gpu-v2023:gpu"))
    first = nodes[0]  # openb-node-0000,64000,262144,2,P100
    alloc = {k: q.value() for k, q in first.status.allocatable.items()}
    assert alloc == {"cpu": 64, "memory": 262144 * 2**20, "pods": 1001, GPU: 2, GPU_MILLI: 2000}
    assert first.metadata.labels[GPU_MODEL_LABEL] == "P100"


def test_pods_requests_duration_and_models() -> None:
    rows = [
        {"name": "whole", "cpu_milli": 12000, "memory_bytes": 2**34, "gpu": 2, "gpu_milli": 0, "gpu_models": ["V100M16", "V100M32"],
         "created_at": 10.0, "scheduled_at": 12.0, "deleted_at": 112.0},
        {"name": "share", "cpu_milli": 6000, "memory_bytes": 2**33, "gpu": 0, "gpu_milli": 460, "gpu_models": [],
         "created_at": 20.0, "scheduled_at": None, "deleted_at": 50.0},
        {"name": "cpu", "cpu_milli": 1000, "memory_bytes": 2**30, "gpu": 0, "gpu_milli": 0, "gpu_models": [],
         "created_at": 30.0, "scheduled_at": 30.0, "deleted_at": None},
    ]
    full = [{f: r.get(f) for f in POD_SCHEMA.names} | {"namespace": "default", "row": i + 1, "num_gpu": 0, "trace_gpu_milli": 0}
            for i, r in enumerate(rows)]
    table = pa.Table.from_pylist(full, POD_SCHEMA)
    (t0, whole), (t1, share), (t2, cpu) = pods_from_table(table, time_scale=2.0)
    assert (t0, t1, t2) == (20.0, 40.0, 60.0)
    assert int_requests(pod_requests(whole)) == {"cpu": 12000, "memory": 2**34, GPU: 2, GPU_MILLI: 2000}
    assert int_requests(pod_requests(share)) == {"cpu": 6000, "memory": 2**33, GPU_MILLI: 460}
    assert int_requests(pod_requests(cpu)) == {"cpu": 1000, "memory": 2**30}
    assert gpu_models(whole) == ["V100M16", "V100M32"] and gpu_models(share) == []
    # durations: (deleted - scheduled) x scale; never scheduled in the trace: from creation
    assert whole.metadata.annotations[DURATION_ANNOTATION] == "200.0"
    assert share.metadata.annotations[DURATION_ANNOTATION] == "60.0"
    assert DURATION_ANNOTATION not in cpu.metadata.annotations


def test_whole_trace_converts() -> None:
    pods = pods_from_table(load_pods("alibaba-gpu-v2023:gpuspec33"))
    assert len(pods) == 8152
    assert sum(1 for _, p in pods if gpu_models(p)) == 2388  # tasks with a model constraint (trace README)
