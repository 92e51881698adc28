"""DefaultPreemption's args: defaults, validation, calculateNumCandidates."""

from __future__ import annotations

import pytest

from kbench.config.scheduler_config import PluginConfigEntry, Profile, default_profile, expand_profile
from kbench.errors import ConfigError
from kbench.scheduler.plugins.default_preemption import DefaultPreemption


def test_default_profile_has_it_at_post_filter() -> None:
    prof = default_profile()
    assert prof.points["postFilter"] == ["DefaultPreemption"]
    assert isinstance(prof.plugins["DefaultPreemption"], DefaultPreemption)


@pytest.mark.parametrize(("nodes", "want"), [
    (50, 50),        # max(50 x 10 / 100 = 5, 100) = 100, at most 50
    (500, 100),      # max(50, 100)
    (5000, 500),     # max(500, 100)
    (1005, 100),     # 1005 x 10 // 100 = 100
])
def test_num_candidates_defaults(nodes: int, want: int) -> None:
    assert DefaultPreemption().calculate_num_candidates(nodes) == want


def test_num_candidates_with_args() -> None:
    pl = DefaultPreemption({"minCandidateNodesPercentage": 40, "minCandidateNodesAbsolute": 1})
    assert pl.calculate_num_candidates(5) == 2  # 5 x 40 // 100 = 2


@pytest.mark.parametrize(("args", "field"), [
    ({"minCandidateNodesPercentage": 101}, "minCandidateNodesPercentage"),
    ({"minCandidateNodesAbsolute": -1}, "minCandidateNodesAbsolute"),
    ({"minCandidateNodesPercentage": 0, "minCandidateNodesAbsolute": 0}, ""),
])
def test_invalid_args_name_the_field(args: dict, field: str) -> None:  # type: ignore[type-arg]
    profile = Profile(pluginConfig=[PluginConfigEntry(name="DefaultPreemption", args=args)])
    with pytest.raises(ConfigError) as e:
        expand_profile(profile, "cfg.yaml", "profiles[0].", None)
    assert str(e.value).startswith(f"cfg.yaml: profiles[0].pluginConfig[0].args{'.' + field if field else ''}")
