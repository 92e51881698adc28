"""`kbench run` with the GPU device model: FGD in trace time records which GPUs each pod took."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml

from kbench.run import run_policy

POLICIES = Path(__file__).parents[2] / "policies"


def test_fgd_online_records_gpu_indices_and_fragmentation(tmp_path: Path) -> None:
    doc = yaml.safe_load((POLICIES / "fgd-online.yaml").read_text())
    doc["workload"]["limit"] = 300
    doc["scheduler"]["config"] = str(POLICIES / doc["scheduler"]["config"])
    policy = tmp_path / "p.yaml"
    policy.write_text(yaml.safe_dump(doc))
    out = run_policy(policy, out=tmp_path / "out").out
    pods = pl.read_parquet(out / "pods.parquet").filter(pl.col("node").is_not_null())
    assert len(pods) == 300
    n_idx = pods["gpu_index"].map_elements(lambda s: len(s.split(",")), return_dtype=pl.Int64)
    gpus = pods.with_columns(n_idx.alias("n"))
    whole = gpus.filter(pl.col("gpu") > 0)
    share = gpus.filter((pl.col("gpu") == 0) & (pl.col("gpu_milli") > 0))
    cpu_only = pods.filter((pl.col("gpu") == 0) & (pl.col("gpu_milli") == 0))
    assert len(whole) and (whole["n"] == whole["gpu"]).all()     # k whole GPUs: k indices
    assert len(share) and (share["n"] == 1).all()                # a share: one GPU
    assert cpu_only["gpu_index"].is_null().all()
    ts = pl.read_parquet(out / "timeseries.parquet")
    ratio = ts["gpu_frag_ratio"].drop_nulls()
    assert len(ratio) and ((ratio >= 0) & (ratio <= 1)).all()
