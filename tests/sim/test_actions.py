"""Scripted actions: validation of the policy entries and the API writes they make."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from kbench.api.workloads import Deployment
from kbench.etcd import Store
from kbench.sim.actions import Action, schedule_actions
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine

DEPLOYMENT = {"metadata": {"name": "web", "namespace": "shop"},
              "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}}


def test_exactly_one_action_per_entry() -> None:
    assert Action.model_validate({"at": 5, "scale": {"name": "web", "replicas": 2}}).what == "scale"
    with pytest.raises(ValidationError, match="exactly one of"):
        Action.model_validate({"at": 5})
    with pytest.raises(ValidationError, match="exactly one of"):
        Action.model_validate({"at": 5, "scale": {"name": "w", "replicas": 1}, "delete": {"kind": "Pod", "name": "p"}})
    with pytest.raises(ValidationError, match="must be after"):
        Action.model_validate({"at": 50, "stop_node": {"node": "n", "until": 10}})


def test_scale_set_image_and_delete_write_through_the_api() -> None:
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    api.create(Deployment.model_validate(DEPLOYMENT))
    actions = [Action.model_validate(a) for a in (
        {"at": 10, "scale": {"namespace": "shop", "name": "web", "replicas": 7}},
        {"at": 20, "set_image": {"namespace": "shop", "name": "web", "container": "web", "image": "web:2"}},
        {"at": 25, "set_image": {"namespace": "shop", "name": "web", "container": "nope", "image": "x"}},
        {"at": 30, "delete": {"kind": "Deployment", "namespace": "shop", "name": "web"}},
        {"at": 40, "delete": {"kind": "Deployment", "namespace": "shop", "name": "web"}},
    )]
    schedule_actions(api, actions)
    eng.run(until=15)
    d = api.get("Deployment", "shop", "web")
    assert d.spec.replicas == 7 and d.metadata.generation == 2
    eng.run(until=21)
    assert api.get("Deployment", "shop", "web").spec.template.spec.containers[0].image == "web:2"
    eng.run(until=50)
    assert api.list("Deployment")[0] == []
    failed = [(e["time"], e["message"]) for e in api.events if e["reason"] == "FailedAction"]
    assert [t for t, _ in failed] == [25.0, 40.0]
    assert "unable to find container named 'nope'" in failed[0][1]
