"""Controllers at scale: 500 Deployments of 20 replicas on 5,000 nodes (scheduler_perf's node
shape), created at t=0, each rolled to a new image at t=300 (its manifest applied again), run until
every rollout has completed. One run per round; ``extra_info`` has the run's wall seconds (the
simulation alone), pods and events, and the rollouts that completed.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import yaml

from kbench.run import run_policy

DEPLOYMENTS = 500
REPLICAS = 20
NODES = 5000


def deployment(i: int, image: str, at: float) -> dict:
    name = f"app-{i:03d}"
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "bench", "annotations": {"kbench.io/arrival-seconds": str(at)}},
            "spec": {"replicas": REPLICAS, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": image,
                                                           "resources": {"requests": {"cpu": "100m",
                                                                                      "memory": "500Mi"}}}]}}}}


def write_policy(tmp: Path) -> Path:
    docs = [deployment(i, "app:1", 0) for i in range(DEPLOYMENTS)] + [deployment(i, "app:2", 300)
                                                                       for i in range(DEPLOYMENTS)]
    (tmp / "deployments.yaml").write_text(yaml.safe_dump_all(docs))
    policy = {"name": "rollout-500", "seed": 1,
              "cluster": {"nodes": f"scheduler-perf:SchedulingBasic/{NODES}Nodes"},
              "workload": {"pods": "deployments.yaml"}, "simulation": {"sample_interval": 60}}
    path = tmp / "policy.yaml"
    path.write_text(yaml.safe_dump(policy))
    return path


def test_rollout_500_deployments(benchmark, tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    runs: list[dict] = []
    outs: list[Path] = []

    def run() -> None:
        res = run_policy(path, out=tmp_path / f"round-{len(runs)}")
        runs.append(res.run)
        outs.append(res.out)

    benchmark.pedantic(run, rounds=1, iterations=1)
    rollouts = pq.read_table(outs[-1] / "workloads.parquet").to_pylist()
    done = [r for r in rollouts if r["revision"] == 2 and r["completed_at"] is not None]
    assert len(done) == DEPLOYMENTS
    benchmark.extra_info["wall_seconds"] = runs[-1]["wall_seconds"]
    benchmark.extra_info["pods"] = runs[-1]["pods_total"]
    benchmark.extra_info["events"] = runs[-1]["events"]
    benchmark.extra_info["rollouts_completed"] = len(done)
