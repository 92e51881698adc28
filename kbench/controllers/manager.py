"""kube-controller-manager: the controllers of a run, sharing one informer per kind."""

from __future__ import annotations

from kbench.controllers.base import Controller, InformerFactory
from kbench.sim.apiserver import APIServer

CONTROLLERS: dict[str, type[Controller]] = {}
"""Controller name -> class, in start order (kube-controller-manager's names: replicaset, ...)."""


def register(cls: type[Controller]) -> type[Controller]:
    """Class decorator adding a controller to CONTROLLERS under its ``name``."""
    CONTROLLERS[cls.name] = cls
    return cls


class ControllerManager:
    """Builds every registered controller on shared informers and starts them together."""

    def __init__(self, api: APIServer, watch_delay: float = 0.0, enabled: list[str] | None = None) -> None:
        from kbench.controllers import registry  # noqa: F401  (registers the controllers)

        self.informers = InformerFactory(api, watch_delay)
        names = list(CONTROLLERS) if enabled is None else enabled
        self.controllers: dict[str, Controller] = {n: CONTROLLERS[n](api, self.informers) for n in names}

    def start(self) -> None:
        self.informers.start()
        for c in self.controllers.values():
            c.start()

    @property
    def idle(self) -> bool:
        """No controller has work queued, in progress or scheduled for later."""
        return all(c.idle for c in self.controllers.values())
