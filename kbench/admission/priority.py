"""The Priority admission plugin (plugin/pkg/admission/priority/admission.go) and the system
PriorityClasses the API server creates at startup (pkg/registry/scheduling/rest, the
``scheduling/bootstrap-system-priority-classes`` post-start hook).

On Pod create: a pod naming ``spec.priorityClassName`` gets that class's value as
``spec.priority`` and its ``preemptionPolicy``; an unknown class is Forbidden ("no PriorityClass
with name X was found"). A pod naming no class gets the global default class (its name, value and
policy; the lowest value if several are marked default), else priority 0 and
PreemptLowerPriority. A pod that already sets ``spec.priority`` or ``spec.preemptionPolicy`` to
something else than the class gives is Forbidden.

On PriorityClass create: the registry's validation (:func:`priority_class_errors`, Invalid), then
the plugin's check that at most one class is the global default (Forbidden).

Simplified: kube-apiserver resolves classes from an informer's cache; kbench reads them from the
store, which is what that cache holds once it has caught up. Updates are not admitted (kbench's
API server admits creates only).
"""

from __future__ import annotations

from pydantic import BaseModel

from kbench.admission.errors import forbidden, invalid
from kbench.api.objects import Pod
from kbench.api.scheduling import (
    DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS,
    SYSTEM_PRIORITY_CLASSES,
    PreemptionPolicy,
    PriorityClass,
    priority_class_errors,
)
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer


class Priority:
    """The plugin; call it on an object being created."""

    def __init__(self, api: APIServer) -> None:
        self.api = api

    def __call__(self, obj: BaseModel) -> BaseModel:
        """Resolve a pod's priority, or validate a PriorityClass; other objects pass unchanged."""
        if isinstance(obj, Pod):
            return self.admit_pod(obj)
        if isinstance(obj, PriorityClass):
            self.validate_priority_class(obj)
        return obj

    def _classes(self) -> list[PriorityClass]:
        return [pc for pc in self.api.list("PriorityClass")[0] if isinstance(pc, PriorityClass)]

    def default_class(self) -> PriorityClass | None:
        """getDefaultPriorityClass: the global default class with the lowest value, if any."""
        best: PriorityClass | None = None
        for pc in self._classes():
            if pc.global_default and (best is None or best.value > pc.value):
                best = pc
        return best

    def _establish(self, pod: Pod) -> tuple[str, int, PreemptionPolicy]:
        """establishPriority: (class name, priority, preemption policy) for the pod."""
        name = pod.spec.priority_class_name
        if not name:
            dpc = self.default_class()
            if dpc is None:
                return "", DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS, "PreemptLowerPriority"
            return dpc.metadata.name, dpc.value, dpc.preemption_policy
        try:
            pc = self.api.get("PriorityClass", None, name)
        except APIError:
            raise forbidden(pod, f"no PriorityClass with name {name} was found") from None
        assert isinstance(pc, PriorityClass)
        return name, pc.value, pc.preemption_policy

    def admit_pod(self, pod: Pod) -> Pod:
        """admitPod on create: set priorityClassName, priority and preemptionPolicy from the class."""
        name, priority, policy = self._establish(pod)
        spec = pod.spec
        if spec.priority is not None and spec.priority != priority:
            raise forbidden(pod, f"the integer value of priority ({spec.priority}) must not be provided in pod "
                                 f"spec; priority admission controller computed {priority} from the given "
                                 "PriorityClass name")
        if spec.preemption_policy is not None and spec.preemption_policy != policy:
            raise forbidden(pod, f"the string value of PreemptionPolicy ({spec.preemption_policy}) must not be "
                                 f"provided in pod spec; priority admission controller computed {policy} from the "
                                 "given PriorityClass name")
        new = spec.model_copy(update={"priority_class_name": name, "priority": priority, "preemption_policy": policy})
        return pod.model_copy(update={"spec": new})

    def validate_priority_class(self, pc: PriorityClass) -> None:
        """Registry validation, then validatePriorityClass: only one global default may exist."""
        errs = priority_class_errors(pc)
        if errs:
            raise invalid(pc, errs)
        if pc.global_default:
            dpc = self.default_class()
            if dpc is not None:
                raise forbidden(pc, f"PriorityClass {dpc.metadata.name} is already marked as default. "
                                    "Only one default can exist")


def create_system_priority_classes(api: APIServer) -> None:
    """Create each system PriorityClass that does not exist yet, as the API server does at startup."""
    for pc in SYSTEM_PRIORITY_CLASSES:
        try:
            api.get("PriorityClass", None, pc.metadata.name)
        except APIError:
            api.create(pc)
