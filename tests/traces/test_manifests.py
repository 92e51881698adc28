"""Manifest files as timed workloads: arrival annotations, ordering, scaling and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbench.api.annotations import DURATION_ANNOTATION
from kbench.api.objects import Node, Pod
from kbench.errors import InputError
from kbench.traces.manifests import load_timed_manifests

PODS = """
apiVersion: v1
kind: Pod
metadata: {name: b, annotations: {kbench.io/arrival-seconds: "20", kbench.io/duration-seconds: "5"}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Node
metadata: {name: late-node, annotations: {kbench.io/arrival-seconds: "10"}}
status: {allocatable: {cpu: "2", memory: 4Gi, pods: "10"}}
---
apiVersion: v1
kind: Pod
metadata: {name: a, annotations: {kbench.io/arrival-seconds: "20"}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: first}
spec: {containers: [{name: c, image: nginx}]}
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "w.yaml"
    p.write_text(text)
    return p


def test_objects_in_arrival_order_file_order_on_ties(tmp_path: Path) -> None:
    got = load_timed_manifests(write(tmp_path, PODS))
    assert [(t, o.metadata.name) for t, o in got] == [(0.0, "first"), (10.0, "late-node"), (20.0, "b"), (20.0, "a")]
    assert isinstance(got[1][1], Node) and isinstance(got[0][1], Pod)


def test_time_scale_multiplies_arrivals_and_durations(tmp_path: Path) -> None:
    got = {o.metadata.name: (t, o) for t, o in load_timed_manifests(write(tmp_path, PODS), time_scale=0.5)}
    assert got["b"][0] == 10.0 and got["late-node"][0] == 5.0
    assert got["b"][1].metadata.annotations[DURATION_ANNOTATION] == "2.5"


@pytest.mark.parametrize(("value", "annotation"), [
    ("soon", "kbench.io/arrival-seconds"), ("-3", "kbench.io/arrival-seconds"), ("inf", "kbench.io/arrival-seconds"),
    ("nan", "kbench.io/duration-seconds"),
])
def test_bad_times_name_the_document_and_annotation(tmp_path: Path, value: str, annotation: str) -> None:
    text = PODS + f"""---
apiVersion: v1
kind: Pod
metadata: {{name: bad, annotations: {{{annotation}: "{value}"}}}}
spec: {{containers: [{{name: c}}]}}
"""
    p = write(tmp_path, text)
    with pytest.raises(InputError) as e:
        load_timed_manifests(p)
    assert str(e.value) == (f"{p}: [4].metadata.annotations.{annotation}: "
                            f"expected a number of seconds >= 0, got '{value}'")


def test_unknown_kinds_are_skipped_with_a_warning_and_empty_files_refused(tmp_path: Path) -> None:
    text = PODS + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    with pytest.warns(UserWarning, match="ConfigMap is not used by kbench"):
        assert len(load_timed_manifests(write(tmp_path, text))) == 4
    with pytest.raises(InputError, match="found none"):
        load_timed_manifests(write(tmp_path, "# nothing\n"))


def test_an_object_defined_twice_is_refused(tmp_path: Path) -> None:
    p = write(tmp_path, PODS + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: a, annotations: {kbench.io/arrival-seconds: '20'}}\nspec: {containers: [{name: c}]}\n")
    with pytest.raises(InputError) as e:
        load_timed_manifests(p)
    assert str(e.value) == f"{p}: [4].metadata.name: Pod 'a' is defined twice for the same arrival time (first at [2])"


def test_a_later_copy_of_an_object_is_kept_as_an_apply(tmp_path: Path) -> None:
    later = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: first, annotations: {kbench.io/arrival-seconds: '50'}}\nspec: {containers: [{name: c, image: nginx:2}]}\n"
    got = load_timed_manifests(write(tmp_path, PODS + later))
    assert [(t, o.metadata.name) for t, o in got][-1] == (50.0, "first")
