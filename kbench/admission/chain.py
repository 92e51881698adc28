"""kube-apiserver's default admission chain for the plugins kbench models, in the order of
pkg/kubeapiserver/options/plugins.go (AllOrderedPlugins): LimitRanger, Priority,
DefaultTolerationSeconds, ResourceQuota.

kube-apiserver runs the mutating half of every plugin, then the validating half of every plugin,
each in that order. Priority and DefaultTolerationSeconds only mutate pods (Priority validates
PriorityClasses, which no other plugin touches) and ResourceQuota only validates, so the chain is:
LimitRanger (mutate), Priority, DefaultTolerationSeconds, LimitRanger (validate), ResourceQuota.
Default-off plugins and those for objects kbench does not model are not included.

Wiring: ``api.admission = default_admission(api)`` then ``create_system_priority_classes(api)``.
"""

from __future__ import annotations

from kbench.admission.default_toleration_seconds import DefaultTolerationSeconds
from kbench.admission.limit_ranger import LimitRanger
from kbench.admission.priority import Priority, create_system_priority_classes
from kbench.admission.resource_quota import ResourceQuotaAdmission
from kbench.sim.apiserver import Admission, APIServer

__all__ = ["create_system_priority_classes", "default_admission"]


def default_admission(api: APIServer) -> list[Admission]:
    """The admission callables of ``api``'s chain, in kube-apiserver's order."""
    limit_ranger = LimitRanger(api)
    return [limit_ranger.admit, Priority(api), DefaultTolerationSeconds(), limit_ranger.validate,
            ResourceQuotaAdmission(api)]
