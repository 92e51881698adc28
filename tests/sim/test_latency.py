"""The write-latency model: writes commit after their delay, in the order they were sent, and the
scheduler's binding runs while the scheduling loop goes on."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from kbench.api.objects import Node, Pod
from kbench.config.scheduler_config import default_profile
from kbench.errors import APIError
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.latency import CommitClock, Constant, Exponential, LogNormal, Uniform, WriteDelay
from kbench.sim.scheduler import SchedulerProcess


def pod(name: str) -> Pod:
    return Pod.model_validate({"metadata": {"name": name},
                               "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "100m"}}}]}})


def node(name: str) -> Node:
    return Node.model_validate({"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
                                "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}})


class Scripted(Constant):
    """Delays taken in turn from a list (to pin commit order by hand)."""

    def __init__(self, delays: list[float]) -> None:
        super().__init__(seconds=1.0)
        object.__setattr__(self, "_delays", list(delays))

    def sample(self, rng: np.random.Generator) -> float:
        return self._delays.pop(0)  # type: ignore[attr-defined, no-any-return]


def world(delay: Constant) -> tuple[Engine, APIServer]:
    eng = Engine(np.random.default_rng(0))
    return eng, APIServer(Store(), eng, latency=CommitClock(delay, np.random.default_rng(1)))


def test_policy_distributions_parse_by_name() -> None:
    ta = TypeAdapter(WriteDelay)
    assert isinstance(ta.validate_python({"distribution": "lognormal", "median": 0.005, "sigma": 0.6}), LogNormal)
    assert isinstance(ta.validate_python({"distribution": "exponential", "mean": 0.01}), Exponential)
    with pytest.raises(ValidationError, match="high"):
        ta.validate_python({"distribution": "uniform", "low": 0.2, "high": 0.1})
    with pytest.raises(ValidationError):
        ta.validate_python({"distribution": "pareto", "mean": 1})


def test_samples_follow_their_distribution() -> None:
    rng = np.random.default_rng(5)
    logn = [LogNormal(distribution="lognormal", median=0.004, sigma=0.5).sample(rng) for _ in range(20000)]
    assert np.median(logn) == pytest.approx(0.004, rel=0.03)
    expo = [Exponential(distribution="exponential", mean=0.01).sample(rng) for _ in range(20000)]
    assert np.mean(expo) == pytest.approx(0.01, rel=0.03)
    uni = [Uniform(distribution="uniform", low=0.1, high=0.2).sample(rng) for _ in range(1000)]
    assert 0.1 <= min(uni) and max(uni) <= 0.2


def test_write_commits_after_its_delay_stamped_when_sent() -> None:
    eng, api = world(Constant(seconds=0.25))
    got: list = []
    eng.at(1.0, lambda: api.submit(api.create, pod("a"), on_done=got.append))
    eng.run(until=1.1)
    assert got == [] and api.in_flight == 1 and api.store.revision == 1
    eng.run(until=1.25)
    assert api.in_flight == 0 and len(got) == 1
    stored = api.get("Pod", "default", "a")
    assert stored.metadata.creation_timestamp == 1.0  # the API server stamps the request, not the commit
    assert api.write_times[2] == 1.25


def test_a_write_never_commits_before_the_one_sent_ahead() -> None:
    eng, api = world(Scripted([0.5, 0.1, 0.2]))
    order: list[str] = []
    for name in ("a", "b", "c"):
        api.submit(api.create, pod(name), on_done=lambda r: order.append(r.metadata.name))
    eng.run(until=2.0)
    assert order == ["a", "b", "c"]
    assert [api.write_times[r] for r in (2, 3, 4)] == [0.5, 0.5, 0.5]


def test_rejected_write_reports_its_error() -> None:
    eng, api = world(Constant(seconds=0.1))
    api.create(pod("a"))
    got: list = []
    api.submit(api.create, pod("a"), on_done=got.append)
    eng.run(until=1.0)
    assert isinstance(got[0], APIError) and got[0].reason == "AlreadyExists"


def test_zero_delay_commits_before_submit_returns() -> None:
    eng, api = world(Constant(seconds=0.0))
    got: list = []
    api.submit(api.create, pod("a"), on_done=got.append)
    assert len(got) == 1 and api.latency is None


def test_scheduler_goes_on_while_bindings_commit() -> None:
    eng, api = world(Constant(seconds=0.05))
    api.create(node("n1"))
    sched = SchedulerProcess(api, default_profile())
    sched.start()
    for i in range(3):
        api.create(pod(f"p{i}"))
    eng.run(until=0.01)
    # all three were scheduled and assumed at t=0; no binding has committed yet
    assert len(sched.assumed) == 3 and sched.cluster.requested[0, 0] == 300
    assert not any(e["reason"] == "Scheduled" for e in api.events)
    eng.run(until=1.0)
    assert [e["time"] for e in api.events if e["reason"] == "Scheduled"] == [0.05, 0.05, 0.05]
    assert sched.assumed == {} and all(p.spec.node_name == "n1" for p in api.list("Pod")[0])
