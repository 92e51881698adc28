"""Zones as the node lifecycle controller sees them: a node's zone key (component-helpers
node/topology.GetZoneKey) and a zone's state from its nodes' Ready conditions (ComputeZoneState)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kbench.api.objects import Node

INITIAL = "Initial"
NORMAL = "Normal"
FULL_DISRUPTION = "FullDisruption"
PARTIAL_DISRUPTION = "PartialDisruption"

LABEL_ZONE = "topology.kubernetes.io/zone"
LABEL_REGION = "topology.kubernetes.io/region"
LABEL_ZONE_BETA = "failure-domain.beta.kubernetes.io/zone"
LABEL_REGION_BETA = "failure-domain.beta.kubernetes.io/region"
LABEL_EXCLUDE_DISRUPTION = "node.kubernetes.io/exclude-disruption"
"""Nodes with this label do not count towards their zone's state."""


def zone_key(node: Node) -> str:
    """``region:\\x00:zone`` from the beta labels, else the GA ones; "" when a node has neither."""
    labels = node.metadata.labels
    zone = labels.get(LABEL_ZONE_BETA, labels.get(LABEL_ZONE, ""))
    region = labels.get(LABEL_REGION_BETA, labels.get(LABEL_REGION, ""))
    if not zone and not region:
        return ""
    return f"{region}:\x00:{zone}"


def zone_name(key: str) -> str:
    """The zone part of a zone key (for events and reports)."""
    return key.split(":\x00:", 1)[1] if key else ""


def compute_zone_state(ready: Sequence[str | None], unhealthy_threshold: float) -> tuple[int, str]:
    """ComputeZoneState over the zone's nodes' Ready statuses (None: no condition): FullDisruption if
    none is ready, PartialDisruption if more than two are not and they are at least the threshold's
    fraction (compared in float32, as the Go code does), else Normal. Returns (not ready, state)."""
    ready_nodes = sum(1 for r in ready if r == "True")
    not_ready = len(ready) - ready_nodes
    if ready_nodes == 0 and not_ready > 0:
        return not_ready, FULL_DISRUPTION
    if not_ready > 2 and np.float32(not_ready) / np.float32(len(ready)) >= np.float32(unhealthy_threshold):
        return not_ready, PARTIAL_DISRUPTION
    return not_ready, NORMAL
