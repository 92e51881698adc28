"""Priorities of pods read from manifests (``kbench explain``), resolved as the Priority admission
plugin resolves them when a pod is created.

A pod that carries ``spec.priority`` keeps it as given. Otherwise :class:`Priority` admission
sets it from ``spec.priorityClassName`` (or the global default class, else 0), with the class's
``preemptionPolicy``; the classes are the system ones plus those of the manifest.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from kbench.admission.priority import Priority, create_system_priority_classes
from kbench.api.objects import Pod
from kbench.api.scheduling import PriorityClass
from kbench.errors import APIError, ConfigError
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine


class ManifestPriorities:
    """Resolve pod priorities against a fixed set of PriorityClasses."""

    def __init__(self, classes: Iterable[PriorityClass], file: str) -> None:
        self.api = APIServer(Store(), Engine(np.random.default_rng(0)))
        self.plugin = Priority(self.api)
        create_system_priority_classes(self.api)
        for pc in classes:
            try:
                self.plugin.validate_priority_class(pc)
                self.api.create(pc)
            except APIError as e:
                raise ConfigError(file, f"PriorityClass {pc.metadata.name}", str(e)) from None

    def resolve(self, pod: Pod, file: str) -> Pod:
        """The pod with its priority and preemption policy set; ConfigError for an unknown class."""
        if pod.spec.priority is not None:
            return pod
        try:
            return self.plugin.admit_pod(pod)
        except APIError as e:
            raise ConfigError(file, f"Pod {pod.key}: spec.priorityClassName", str(e)) from None
