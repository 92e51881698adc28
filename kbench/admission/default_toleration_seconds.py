"""The DefaultTolerationSeconds admission plugin (plugin/pkg/admission/defaulttolerationseconds): every
pod that does not already tolerate ``node.kubernetes.io/not-ready:NoExecute`` and
``node.kubernetes.io/unreachable:NoExecute`` gets a toleration for each (operator Exists,
tolerationSeconds 300), so the taint eviction controller deletes it 300 s after its node is tainted
instead of at once.

A toleration counts as tolerating a taint when its key is the taint's key or empty and its effect
is NoExecute or empty; operator and value are not looked at, as in the plugin. kube-apiserver also
runs the plugin on updates; kbench's API server admits on create only, and a pod already admitted
carries the tolerations.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from kbench.api.objects import Pod, Toleration
from kbench.api.taints import TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE

DEFAULT_TOLERATION_SECONDS = 300
"""--default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds."""


def _tolerates(tol: Toleration, key: str) -> bool:
    return tol.key in (key, "") and tol.effect in ("NoExecute", "")


@dataclass(frozen=True)
class DefaultTolerationSeconds:
    """The plugin, with kube-apiserver's two flags; call it on an object to admit it."""

    not_ready_seconds: int = DEFAULT_TOLERATION_SECONDS
    unreachable_seconds: int = DEFAULT_TOLERATION_SECONDS

    def __call__(self, obj: BaseModel) -> BaseModel:
        """Append the missing tolerations to a pod (not-ready first); other objects pass unchanged."""
        if not isinstance(obj, Pod):
            return obj
        tolerations = obj.spec.tolerations
        extra = [Toleration(key=key, operator="Exists", effect="NoExecute", toleration_seconds=seconds)
                 for key, seconds in ((TAINT_NODE_NOT_READY, self.not_ready_seconds),
                                      (TAINT_NODE_UNREACHABLE, self.unreachable_seconds))
                 if not any(_tolerates(t, key) for t in tolerations)]
        if not extra:
            return obj
        return obj.model_copy(update={"spec": obj.spec.model_copy(update={"tolerations": [*tolerations, *extra]})})
