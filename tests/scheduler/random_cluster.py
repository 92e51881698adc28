"""Seeded random clusters and pods for comparing kernels with their naive twins."""

from __future__ import annotations

import random

from kbench.api.objects import Node, Pod

ZONES = ["z1", "z2", "z3"]
IMAGES = ["nginx:1.25", "redis", "registry.example/app:2", "busybox:latest"]
TAINTS = [("dedicated", "gpu", "NoSchedule"), ("spot", "true", "PreferNoSchedule"),
          ("maint", "", "NoExecute"), ("team", "a", "PreferNoSchedule")]


def _requests(r: random.Random) -> dict:
    out = {}
    if r.random() < 0.8:
        out["cpu"] = r.choice(["100m", "250m", "500m", "1", "1500m", "2"])
    if r.random() < 0.8:
        out["memory"] = r.choice(["128Mi", "512Mi", "1Gi", "2Gi", "3Gi"])
    if r.random() < 0.2:
        out["nvidia.com/gpu"] = r.choice(["1", "2"])
    return out


def random_node(r: random.Random, i: int) -> Node:
    labels = {"kubernetes.io/hostname": f"n{i}", "zone": r.choice(ZONES)}
    if r.random() < 0.5:
        labels["disktype"] = r.choice(["ssd", "hdd"])
    if r.random() < 0.4:
        labels["cores"] = str(r.choice([4, 8, 16, 32]))
    alloc = {"cpu": r.choice(["2", "4", "8"]), "memory": r.choice(["4Gi", "8Gi", "16Gi"]), "pods": str(r.choice([3, 5, 110]))}
    if r.random() < 0.3:
        alloc["nvidia.com/gpu"] = r.choice(["1", "4"])
    taints = [dict(zip(("key", "value", "effect"), t)) for t in TAINTS if r.random() < 0.2]
    images = [{"names": [img if ":" in img else img + ":latest"], "sizeBytes": r.choice([50, 300, 900]) * 1024 * 1024}
              for img in IMAGES if r.random() < 0.4]
    return Node.model_validate({"metadata": {"name": f"n{i}", "labels": labels},
                                "spec": {"taints": taints, "unschedulable": r.random() < 0.1},
                                "status": {"allocatable": alloc, "images": images}})


def random_pod(r: random.Random, name: str, node: str | None = None) -> Pod:
    containers = [{"name": f"c{j}", "image": r.choice(IMAGES), "resources": {"requests": _requests(r)}}
                  for j in range(r.choice([1, 1, 2]))]
    spec: dict = {"containers": containers}
    if r.random() < 0.3:
        spec["initContainers"] = [{"name": "init", "image": r.choice(IMAGES), "resources": {"requests": _requests(r)}}]
    if node:
        spec["nodeName"] = node
    if r.random() < 0.5:
        spec["tolerations"] = [r.choice([
            {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"},
            {"key": "spot", "operator": "Exists"},
            {"operator": "Exists", "effect": "PreferNoSchedule"},
            {"key": "maint", "operator": "Exists", "effect": "NoExecute"},
        ])]
    if r.random() < 0.3:
        spec["nodeSelector"] = {"zone": r.choice(ZONES)}
    if r.random() < 0.5:
        spec["affinity"] = {"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "disktype", "operator": r.choice(["In", "NotIn"]), "values": ["ssd"]}]},
                {"matchExpressions": [{"key": "cores", "operator": r.choice(["Gt", "Lt"]), "values": ["8"]}]},
            ]} if r.random() < 0.5 else None,
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": r.randint(1, 100), "preference": {"matchExpressions": [
                    {"key": r.choice(["zone", "disktype"]), "operator": r.choice(["In", "Exists", "DoesNotExist"]),
                     "values": [] if False else None}]}}
                for _ in range(r.randint(0, 2))],
        }}
        for t in spec["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]:
            e = t["preference"]["matchExpressions"][0]
            e["values"] = [r.choice(ZONES + ["ssd"])] if e["operator"] == "In" else []
    return Pod.model_validate({"metadata": {"name": name, "namespace": "default"}, "spec": spec})
