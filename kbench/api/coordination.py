"""coordination.k8s.io/v1 Lease: what a kubelet renews as its node's heartbeat (``kube-node-lease/<node>``,
pkg/kubelet/nodelease) and what components hold for leader election.

Times (``acquireTime``, ``renewTime``) are simulated seconds, as every timestamp in kbench is.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from kbench.api.objects import K8sModel, ObjectMeta

NODE_LEASE_NAMESPACE = "kube-node-lease"
"""v1.NamespaceNodeLease: the namespace of the nodes' heartbeat leases."""


class LeaseSpec(K8sModel):
    holder_identity: str | None = None
    lease_duration_seconds: int | None = None
    acquire_time: float | None = None
    renew_time: float | None = None
    lease_transitions: int | None = None
    strategy: Any = None
    preferred_holder: Any = None


class Lease(K8sModel):
    api_version: Literal["coordination.k8s.io/v1"] = "coordination.k8s.io/v1"
    kind: Literal["Lease"] = "Lease"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: LeaseSpec = Field(default_factory=LeaseSpec)
