"""A bare API server with kbench's default admission chain, and object builders for admission tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kbench.admission.chain import create_system_priority_classes, default_admission
from kbench.api.objects import Pod
from kbench.api.quota import LimitRange, ResourceQuota
from kbench.api.scheduling import PriorityClass
from kbench.errors import APIError
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine


def api_server(admission: bool = True, system_classes: bool = True) -> APIServer:
    """An API server on a fresh engine; with the default chain and the system PriorityClasses."""
    api = APIServer(Store(), Engine(np.random.default_rng(0)))
    if admission:
        api.admission = default_admission(api)
    if system_classes:
        create_system_priority_classes(api)
    return api


def pod(name: str, requests: dict[str, str] | None = None, limits: dict[str, str] | None = None,
        containers: int = 1, namespace: str = "test", **spec: Any) -> Pod:
    """A pod of ``containers`` identical containers c0, c1, ... with the given resources."""
    res = {"requests": requests or {}, "limits": limits or {}}
    return Pod.model_validate({"metadata": {"name": name, "namespace": namespace},
                               "spec": {"containers": [{"name": f"c{i}", "image": "x", "resources": res}
                                                       for i in range(containers)], **spec}})


def priority_class(name: str, value: int, global_default: bool = False, **fields: Any) -> PriorityClass:
    return PriorityClass.model_validate({"metadata": {"name": name}, "value": value, "globalDefault": global_default,
                                         **fields})


def quota(name: str, hard: dict[str, str], used: dict[str, str] | None = None, namespace: str = "test",
          with_status: bool = True, **spec: Any) -> ResourceQuota:
    """A ResourceQuota; with a status (hard = spec.hard, ``used``) as if the controller had synced it."""
    status = {"hard": hard, "used": used or {}} if with_status else {}
    return ResourceQuota.model_validate({"metadata": {"name": name, "namespace": namespace},
                                         "spec": {"hard": hard, **spec}, "status": status})


def limit_range(*items: dict[str, Any], name: str = "abc", namespace: str = "test") -> LimitRange:
    return LimitRange.model_validate({"metadata": {"name": name, "namespace": namespace},
                                      "spec": {"limits": list(items)}})


def rejected(api: APIServer, obj: Any) -> APIError:
    """The APIError a create of ``obj`` fails with."""
    with pytest.raises(APIError) as e:
        api.create(obj)
    return e.value
