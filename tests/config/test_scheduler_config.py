"""KubeSchedulerConfiguration defaulting and expansion, checked against kube-scheduler's v1 defaults
(pkg/scheduler/apis/config/v1/default_plugins.go) and the framework's multiPoint rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbench.config.scheduler_config import default_profile, load_scheduler_config
from kbench.errors import ConfigError

HEAD = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"


def load(tmp_path: Path, body: str, profile: str | None = None):
    p = tmp_path / "cfg.yaml"
    p.write_text(HEAD + body)
    return load_scheduler_config(p, profile)


def test_default_profile_matches_kube_scheduler() -> None:
    pc = default_profile()
    assert pc.points["filter"] == [
        "NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit",
        "VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding", "VolumeZone", "PodTopologySpread", "InterPodAffinity",
    ]
    assert pc.points["preScore"] == [
        "TaintToleration", "NodeAffinity", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity",
        "NodeResourcesBalancedAllocation",
    ]
    assert pc.weights == {
        "TaintToleration": 3, "NodeAffinity": 2, "NodeResourcesFit": 1, "PodTopologySpread": 2,
        "InterPodAffinity": 2, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1,
    }
    assert pc.percentage_of_nodes_to_score == 0


def test_empty_profile_list_entry_is_default(tmp_path: Path) -> None:
    pc = load(tmp_path, "profiles:\n- schedulerName: default-scheduler\n")
    assert pc.points == default_profile().points
    assert pc.weights == default_profile().weights


def test_disable_star_then_enable(tmp_path: Path) -> None:
    pc = load(tmp_path, "profiles:\n- plugins:\n    score:\n      disabled: [{name: '*'}]\n"
                        "      enabled: [{name: ImageLocality, weight: 5}]\n")
    assert pc.points["score"] == ["ImageLocality"]
    assert pc.weights == {"ImageLocality": 5}
    assert "TaintToleration" in pc.points["filter"]  # other points keep their multiPoint defaults


def test_disable_one_plugin_at_one_point(tmp_path: Path) -> None:
    pc = load(tmp_path, "profiles:\n- plugins:\n    score:\n      disabled: [{name: NodeResourcesBalancedAllocation}]\n")
    assert "NodeResourcesBalancedAllocation" not in pc.points["score"]
    assert "NodeResourcesBalancedAllocation" in pc.points["preScore"]


def test_explicit_score_entry_overrides_multipoint_weight_and_goes_first(tmp_path: Path) -> None:
    # expandMultiPointPlugins: plugins re-configured at the extension point come first (part 1),
    # and their individual weight wins over the multiPoint one (getScoreWeights).
    pc = load(tmp_path, "profiles:\n- plugins:\n    score:\n      enabled: [{name: ImageLocality, weight: 7}]\n")
    assert pc.points["score"][0] == "ImageLocality"
    assert pc.weights["ImageLocality"] == 7
    assert pc.weights["TaintToleration"] == 3


def test_multipoint_disable_all_and_enable(tmp_path: Path) -> None:
    pc = load(tmp_path, "profiles:\n- plugins:\n    multiPoint:\n      disabled: [{name: '*'}]\n"
                        "      enabled: [{name: NodeResourcesFit, weight: 4}, {name: TaintToleration}]\n")
    assert pc.points["filter"] == ["NodeResourcesFit", "TaintToleration"]
    assert pc.points["score"] == ["NodeResourcesFit", "TaintToleration"]
    assert pc.weights == {"NodeResourcesFit": 4, "TaintToleration": 1}  # zero weight becomes 1


def test_percentage_of_nodes_to_score(tmp_path: Path) -> None:
    assert load(tmp_path, "percentageOfNodesToScore: 30\n").percentage_of_nodes_to_score == 30
    pc = load(tmp_path, "percentageOfNodesToScore: 30\nprofiles:\n- percentageOfNodesToScore: 70\n")
    assert pc.percentage_of_nodes_to_score == 70


def test_profile_selection(tmp_path: Path) -> None:
    body = "profiles:\n- schedulerName: a\n- schedulerName: b\n  percentageOfNodesToScore: 10\n"
    assert load(tmp_path, body, "b").percentage_of_nodes_to_score == 10
    with pytest.raises(ConfigError, match="no profile named 'c'"):
        load(tmp_path, body, "c")


def test_plugin_at_unsupported_point(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not extend score"):
        load(tmp_path, "profiles:\n- plugins:\n    score:\n      enabled: [{name: NodeName}]\n")


def test_plugin_args_reach_plugins(tmp_path: Path) -> None:
    pc = load(tmp_path, "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n"
                        "      scoringStrategy:\n        type: MostAllocated\n        resources: [{name: cpu, weight: 2}]\n")
    fit = pc.plugins["NodeResourcesFit"]
    assert fit.strategy == 1 and [(r.name, r.weight) for r in fit.resources] == [("cpu", 2)]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ("scoringStrategy: {type: RequestedToCapacityRatio}", "scoringStrategy"),
        ("scoringStrategy: {resources: [{name: cpu, weight: 101}]}", "scoringStrategy.resources[0].weight"),
        ("scoringStrategy: {type: RequestedToCapacityRatio, requestedToCapacityRatio: {shape: "
         "[{utilization: 50, score: 1}, {utilization: 10, score: 2}]}}", "scoringStrategy.requestedToCapacityRatio"),
        ("scoringStrategy: {type: RequestedToCapacityRatio, requestedToCapacityRatio: {shape: "
         "[{utilization: 50, score: 11}]}}", "scoringStrategy.requestedToCapacityRatio.shape[0].score"),
        ("ignoredResourcs: [a]", "ignoredResourcs"),
    ],
)
def test_invalid_fit_args(tmp_path: Path, args: str, field: str) -> None:
    with pytest.raises(ConfigError) as e:
        load(tmp_path, f"profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      {args}\n")
    assert e.value.field.startswith("profiles[0].pluginConfig[0].args." + field)
