"""The in-tree plugins kbench knows, by kube-scheduler name, imported on first use; then the GPU
plugins of the FGD reference simulator (OpenGpuShare and the six GPU policies, FGD.md §4–§5)."""

from __future__ import annotations

import importlib

from kbench.scheduler.framework import Plugin

_PLUGINS: dict[str, str] = {
    "NodeUnschedulable": "node_unschedulable:NodeUnschedulable",
    "NodeName": "node_name:NodeName",
    "TaintToleration": "taint_toleration:TaintToleration",
    "NodeAffinity": "node_affinity:NodeAffinity",
    "NodePorts": "node_ports:NodePorts",
    "NodeResourcesFit": "node_resources_fit:NodeResourcesFit",
    "NodeResourcesBalancedAllocation": "balanced_allocation:BalancedAllocation",
    "ImageLocality": "image_locality:ImageLocality",
    "PodTopologySpread": "pod_topology_spread:PodTopologySpread",
    "InterPodAffinity": "inter_pod_affinity:InterPodAffinity",
    "VolumeRestrictions": "not_simulated:VolumeRestrictions",
    "NodeVolumeLimits": "not_simulated:NodeVolumeLimits",
    "VolumeBinding": "not_simulated:VolumeBinding",
    "VolumeZone": "not_simulated:VolumeZone",
    "PrioritySort": "not_simulated:PrioritySort",
    "SchedulingGates": "not_simulated:SchedulingGates",
    "DefaultBinder": "not_simulated:DefaultBinder",
    "DefaultPreemption": "default_preemption:DefaultPreemption",
    "DynamicResources": "not_simulated:DynamicResources",
    "OpenGpuShare": "open_gpu_share:OpenGpuShare",
    "Random": "gpu_policies:Random",
    "DotProd": "gpu_policies:DotProd",
    "GpuClustering": "gpu_policies:GpuClustering",
    "GpuPacking": "gpu_policies:GpuPacking",
    "BestFit": "gpu_policies:BestFit",
    "FGD": "gpu_policies:FGD",
}


def known(name: str) -> bool:
    return name in _PLUGINS


def names() -> list[str]:
    return sorted(_PLUGINS)


def plugin_class(name: str) -> type[Plugin]:
    """The class of plugin ``name``; KeyError if kbench does not know it."""
    module, cls = _PLUGINS[name].split(":")
    return getattr(importlib.import_module(f"kbench.scheduler.plugins.{module}"), cls)  # type: ignore[no-any-return]


def extension_points(cls: type[Plugin]) -> set[str]:
    """The extension points a plugin class implements (its methods, plus OTHER_POINTS)."""
    points = set(getattr(cls, "OTHER_POINTS", ()))
    for point, method in (("preFilter", "pre_filter"), ("filter", "filter"), ("preScore", "pre_score"), ("score", "score")):
        if callable(getattr(cls, method, None)):
            points.add(point)
    return points
