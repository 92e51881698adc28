"""How many pods a PodDisruptionBudget expects (disruption.go getExpectedPodCount, getExpectedScale
and the controller finders): the scale of the controllers of the selected pods, summed once per
controller, or simply the number of pods for an integer ``minAvailable``.

A pod's controller is looked up, in kube's order, as a ReplicationController, as a ReplicaSet owned
by a Deployment (the Deployment's scale), as a ReplicaSet owned by no Deployment, as a StatefulSet,
and last through the scale subresource (a GET to the API server: Deployments, ReplicaSets,
StatefulSets and ReplicationControllers implement it; other kinds kbench stores do not, and kinds it
does not know have no REST mapping). Pods without a controller are unmanaged: they add nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from kbench.api.objects import OwnerReference, Pod, ReplicationController
from kbench.api.policy import PodDisruptionBudget
from kbench.api.workloads import Deployment, IntOrString, ReplicaSet, StatefulSet
from kbench.controllers.base import controller_of
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer
from kbench.sim.informers import Informer


class DisruptionError(Exception):
    """An error that fails a PDB's sync (a Go ``error`` that is not an API error): the controller
    then sets ``disruptionsAllowed`` to 0 (failSafe)."""


REST_MAPPING: dict[tuple[str, str], tuple[str, str]] = {
    ("", "Pod"): ("v1", "pods"),
    ("", "Node"): ("v1", "nodes"),
    ("", "Namespace"): ("v1", "namespaces"),
    ("", "Service"): ("v1", "services"),
    ("", "ReplicationController"): ("v1", "replicationcontrollers"),
    ("", "ResourceQuota"): ("v1", "resourcequotas"),
    ("", "LimitRange"): ("v1", "limitranges"),
    ("apps", "ReplicaSet"): ("v1", "replicasets"),
    ("apps", "StatefulSet"): ("v1", "statefulsets"),
    ("apps", "Deployment"): ("v1", "deployments"),
    ("apps", "DaemonSet"): ("v1", "daemonsets"),
    ("batch", "Job"): ("v1", "jobs"),
    ("policy", "PodDisruptionBudget"): ("v1", "poddisruptionbudgets"),
    ("scheduling.k8s.io", "PriorityClass"): ("v1", "priorityclasses"),
    ("coordination.k8s.io", "Lease"): ("v1", "leases"),
}
"""(group, kind) -> (served version, resource) of the kinds kbench's API server stores: the REST
mapper getScaleController consults."""

SCALABLE = frozenset({"deployments", "replicasets", "statefulsets", "replicationcontrollers"})
"""Resources with a scale subresource."""


@dataclass(frozen=True)
class ControllerAndScale:
    """controllerAndScale: a controller's uid and its ``spec.replicas``."""

    uid: str
    scale: int


def parse_group_version(api_version: str) -> tuple[str, str]:
    """schema.ParseGroupVersion: ``group/version``, a bare version (core group), or an error."""
    if api_version in ("", "/"):
        return "", ""
    if api_version.count("/") == 0:
        return "", api_version
    if api_version.count("/") == 1:
        group, version = api_version.split("/")
        return group, version
    raise DisruptionError(f"unexpected GroupVersion string: {api_version}")


def verify_group_kind(ref: OwnerReference, kind: str, groups: tuple[str, ...]) -> bool:
    """verifyGroupKind: the reference names ``kind`` in one of ``groups``."""
    group, _ = parse_group_version(ref.api_version)
    return ref.kind == kind and group in groups


def scaled_value(value: IntOrString, total: int) -> int:
    """intstr.GetScaledValueFromIntOrPercent with roundUp: an int as is, "N%" of ``total`` rounded
    up (Go's ceil of a float64 quotient equals the exact integer ceiling for these sizes)."""
    if isinstance(value, int):
        return value
    return -(-int(value.rstrip("%")) * total // 100)


def rc_replicas(rc: ReplicationController) -> int:
    """A ReplicationController's ``spec.replicas``; 1 when unset, as the API server defaults it."""
    replicas = getattr(rc.spec, "replicas", None)
    return replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else 1


class ScaleFinder:
    """The finders, reading controllers from the shared informers (scale subresource: the API server)."""

    def __init__(self, api: APIServer, rcs: Informer, rss: Informer, deployments: Informer,
                 statefulsets: Informer) -> None:
        self.api = api
        self.rcs = rcs
        self.rss = rss
        self.deployments = deployments
        self.statefulsets = statefulsets

    def replication_controller(self, ref: OwnerReference, namespace: str) -> ControllerAndScale | None:
        """getPodReplicationController."""
        if not verify_group_kind(ref, "ReplicationController", ("",)):
            return None
        rc = self.rcs.get_named(namespace, ref.name, ref.uid)
        return ControllerAndScale(ref.uid, rc_replicas(rc)) if isinstance(rc, ReplicationController) else None

    def deployment(self, ref: OwnerReference, namespace: str) -> ControllerAndScale | None:
        """getPodDeployment: the Deployment controlling the pod's ReplicaSet."""
        if not verify_group_kind(ref, "ReplicaSet", ("apps", "extensions")):
            return None
        rs = self.rss.get_named(namespace, ref.name, ref.uid)
        if not isinstance(rs, ReplicaSet):
            return None
        owner = controller_of(rs)
        if owner is None or not verify_group_kind(owner, "Deployment", ("apps", "extensions")):
            return None
        d = self.deployments.get_named(namespace, owner.name, owner.uid)
        return ControllerAndScale(owner.uid, d.spec.replicas) if isinstance(d, Deployment) else None

    def replica_set(self, ref: OwnerReference, namespace: str) -> ControllerAndScale | None:
        """getPodReplicaSet: a ReplicaSet that no Deployment controls."""
        if not verify_group_kind(ref, "ReplicaSet", ("apps", "extensions")):
            return None
        rs = self.rss.get_named(namespace, ref.name, ref.uid)
        if not isinstance(rs, ReplicaSet):
            return None
        owner = controller_of(rs)
        if owner is not None and owner.kind == "Deployment":
            return None
        return ControllerAndScale(ref.uid, rs.spec.replicas)

    def stateful_set(self, ref: OwnerReference, namespace: str) -> ControllerAndScale | None:
        """getPodStatefulSet."""
        if not verify_group_kind(ref, "StatefulSet", ("apps",)):
            return None
        ss = self.statefulsets.get_named(namespace, ref.name, ref.uid)
        return ControllerAndScale(ref.uid, ss.spec.replicas) if isinstance(ss, StatefulSet) else None

    def scale_controller(self, ref: OwnerReference, namespace: str) -> ControllerAndScale | None:
        """getScaleController: the scale subresource of any kind with a REST mapping; an error for a
        kind without one or without a scale subresource."""
        group, version = parse_group_version(ref.api_version)
        mapping = REST_MAPPING.get((group, ref.kind))
        if mapping is None or mapping[0] != version:
            gv = f"{group}/{version}" if group else version
            raise DisruptionError(f'no matches for kind "{ref.kind}" in version "{gv}"')
        resource = mapping[1]
        if resource not in SCALABLE:
            name = f"{resource}.{group}" if group else resource
            raise DisruptionError(f"{name} does not implement the scale subresource")
        try:
            obj = self.api.get(ref.kind, namespace, ref.name)
        except APIError as e:
            if e.reason == "NotFound":
                return None
            raise
        if obj.metadata.uid != ref.uid:  # type: ignore[attr-defined]
            return None
        if isinstance(obj, ReplicationController):
            return ControllerAndScale(ref.uid, rc_replicas(obj))
        return ControllerAndScale(ref.uid, int(obj.spec.replicas))  # type: ignore[attr-defined]

    def find(self, ref: OwnerReference, namespace: str) -> ControllerAndScale | None:
        """The first finder that knows the controller (finders(): RC, Deployment, ReplicaSet,
        StatefulSet, scale subresource)."""
        for finder in (self.replication_controller, self.deployment, self.replica_set, self.stateful_set,
                       self.scale_controller):
            found = finder(ref, namespace)
            if found is not None:
                return found
        return None

    def expected_scale(self, pods: list[Pod]) -> tuple[int, list[str]]:
        """getExpectedScale: the summed scale of the pods' controllers (each counted once) and the
        names of the pods without a controller; an error for a controller no finder knows."""
        scales: dict[str, int] = {}
        unmanaged: list[str] = []
        for pod in pods:
            ref = controller_of(pod)
            if ref is None:
                unmanaged.append(pod.metadata.name)
                continue
            if ref.uid in scales:
                continue
            found = self.find(ref, pod.namespace)
            if found is None:
                raise DisruptionError(f'found no controllers for pod "{pod.metadata.name}"')
            scales[found.uid] = found.scale
        return sum(scales.values()), unmanaged


def expected_pod_count(pdb: PodDisruptionBudget, pods: list[Pod], finder: ScaleFinder) -> tuple[int, int, list[str]]:
    """getExpectedPodCount: (expectedPods, desiredHealthy, unmanaged pod names).

    maxUnavailable (int or %) and a percentage minAvailable count the controllers' scale; an integer
    minAvailable counts the selected pods. Percentages round up."""
    spec = pdb.spec
    if spec.max_unavailable is not None:
        expected, unmanaged = finder.expected_scale(pods)
        return expected, max(expected - scaled_value(spec.max_unavailable, expected), 0), unmanaged
    if spec.min_available is None:
        return 0, 0, []
    if isinstance(spec.min_available, int):
        return len(pods), spec.min_available, []
    expected, unmanaged = finder.expected_scale(pods)
    return expected, scaled_value(spec.min_available, expected), unmanaged
