"""The latency model of the simulated control plane: how long an etcd write takes to commit.

A write a client sends at time t commits at t + d, d drawn from the policy's distribution. etcd
applies writes in order (one raft log), so a write never commits before the one sent ahead of it:
commit time is max(t + d, the previous write's commit time). Watchers then see the write after
the informers' watch delay. Zero by default, and then every write commits the instant it is sent.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> Constant(seconds=0.002).sample(rng)
0.002
>>> round(LogNormal(median=0.005, sigma=0.0).sample(rng), 6)
0.005
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Delay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def sample(self, rng: np.random.Generator) -> float:
        """One delay in simulated seconds."""
        raise NotImplementedError

    @property
    def is_zero(self) -> bool:
        """True when every sample is 0 (writes then commit synchronously)."""
        return False


class Constant(_Delay):
    """Every write takes ``seconds``."""

    distribution: Literal["constant"] = "constant"
    seconds: float = Field(default=0.0, ge=0)

    def sample(self, rng: np.random.Generator) -> float:
        return self.seconds

    @property
    def is_zero(self) -> bool:
        return self.seconds == 0


class Exponential(_Delay):
    """Exponentially distributed with mean ``mean`` seconds."""

    distribution: Literal["exponential"] = "exponential"
    mean: float = Field(gt=0)

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.exponential(self.mean))


class LogNormal(_Delay):
    """Log-normal with median ``median`` seconds and shape ``sigma`` (the usual fit of etcd
    request latencies: a mode near the median and a long right tail)."""

    distribution: Literal["lognormal"] = "lognormal"
    median: float = Field(gt=0)
    sigma: float = Field(ge=0)

    def sample(self, rng: np.random.Generator) -> float:
        return float(self.median * np.exp(self.sigma * rng.standard_normal()))


class Uniform(_Delay):
    """Uniform on [low, high] seconds."""

    distribution: Literal["uniform"] = "uniform"
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be at least low ({self.low})")
        return self

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    @property
    def is_zero(self) -> bool:
        return self.high == 0


WriteDelay = Annotated[Constant | Exponential | LogNormal | Uniform, Field(discriminator="distribution")]
"""A policy's ``simulation.latency.write``: one of the distributions above, chosen by ``distribution``."""


class CommitClock:
    """Commit times of writes in send order: ``max(now + delay, previous commit)``."""

    def __init__(self, delay: _Delay, rng: np.random.Generator) -> None:
        self.delay = delay
        self.rng = rng
        self.last = 0.0

    def commit_time(self, now: float) -> float:
        """When a write sent at ``now`` commits."""
        self.last = max(now + self.delay.sample(self.rng), self.last)
        return self.last
