"""The Priority admission plugin: cases of plugin/pkg/admission/priority/admission_test.go
(TestPodAdmission, TestPriorityClassAdmission, TestDefaultPriority) and the registry validation
of pkg/apis/scheduling/validation, worked by hand."""

from __future__ import annotations

import pytest

from kbench.admission.priority import Priority, create_system_priority_classes
from kbench.api.objects import Pod
from kbench.api.scheduling import PriorityClass
from tests.admission.helpers import api_server, pod, priority_class, rejected

DEFAULT1 = priority_class("default1", 1000, global_default=True)
DEFAULT2 = priority_class("default2", 2000, global_default=True)
NONDEFAULT1 = priority_class("nondefault1", 2000, description="Just a test priority class")


def admitted(*classes: PriorityClass, p: Pod) -> Pod:
    api = api_server()
    for c in classes:
        api.create(c)
    out = api.create(p)
    assert isinstance(out, Pod)
    return out


def test_pod_with_priority_class_gets_its_value() -> None:
    p = admitted(DEFAULT1, NONDEFAULT1, p=pod("pod-w-priorityclass", priorityClassName="default1"))
    assert (p.spec.priority, p.spec.priority_class_name, p.spec.preemption_policy) == (1000, "default1",
                                                                                       "PreemptLowerPriority")


def test_pod_without_class_gets_the_global_default_name_and_value() -> None:
    p = admitted(DEFAULT1, p=pod("pod-wo-priorityclass"))
    assert (p.spec.priority, p.spec.priority_class_name) == (1000, "default1")


@pytest.mark.parametrize("classes", [(), (NONDEFAULT1,)])
def test_pod_without_class_and_no_default_gets_zero(classes: tuple[PriorityClass, ...]) -> None:
    p = admitted(*classes, p=pod("pod-wo-priorityclass"))
    assert (p.spec.priority, p.spec.priority_class_name, p.spec.preemption_policy) == (0, "", "PreemptLowerPriority")


def test_system_classes_exist_and_resolve_in_any_namespace() -> None:
    p = admitted(p=pod("pod-w-system-priority-in-nonsystem-namespace", namespace="non-system-namespace",
                       priorityClassName="system-cluster-critical"))
    assert p.spec.priority == 2_000_000_000
    p = admitted(p=pod("n", priorityClassName="system-node-critical"))
    assert p.spec.priority == 2_000_001_000


def test_unknown_class_is_forbidden() -> None:
    api = api_server()
    api.create(DEFAULT1)
    err = rejected(api, pod("pod-w-non-existing-priorityclass", priorityClassName="non-existing"))
    assert err.reason == "Forbidden"
    assert str(err) == ('pods "pod-w-non-existing-priorityclass" is forbidden: '
                        "no PriorityClass with name non-existing was found")


def test_pod_integer_priority_must_match_the_class() -> None:
    api = api_server()
    api.create(NONDEFAULT1)
    err = rejected(api, pod("pod-w-integer-priority", priorityClassName="nondefault1", priority=1000))
    assert str(err) == ('pods "pod-w-integer-priority" is forbidden: the integer value of priority (1000) must not '
                        "be provided in pod spec; priority admission controller computed 2000 from the given "
                        "PriorityClass name")
    assert api.create(pod("ok", priorityClassName="nondefault1", priority=2000)).spec.priority == 2000  # type: ignore[attr-defined]


def test_pod_priority_matching_the_computed_default_is_accepted() -> None:
    assert admitted(NONDEFAULT1, p=pod("pod-w-zero-priority", priority=0)).spec.priority == 0
    assert admitted(DEFAULT2, p=pod("pod-w-priority-matching-default", priority=2000)).spec.priority == 2000


def test_preemption_policy_comes_from_the_class_and_must_match() -> None:
    never = priority_class("nopreemptionpolicy", 2000, global_default=True, preemptionPolicy="Never")
    assert admitted(never, p=pod("p", priorityClassName="nopreemptionpolicy")).spec.preemption_policy == "Never"
    lower = priority_class("preemptionpolicy", 2000, global_default=True)
    assert lower.preemption_policy == "PreemptLowerPriority"
    api = api_server()
    api.create(lower)
    err = rejected(api, pod("pod-preemption-policy-not-matching", priorityClassName="preemptionpolicy",
                            priority=2000, preemptionPolicy="Never"))
    assert str(err) == ('pods "pod-preemption-policy-not-matching" is forbidden: the string value of '
                        "PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller "
                        "computed PreemptLowerPriority from the given PriorityClass name")


def test_generated_pod_name_appears_as_its_prefix_in_messages() -> None:
    api = api_server()
    p = pod("x", priorityClassName="missing")
    p = p.model_copy(update={"metadata": p.metadata.model_copy(update={"name": "", "generate_name": "web-"})})
    assert str(rejected(api, p)).startswith('pods "web-" is forbidden: ')


def test_only_one_global_default_class() -> None:
    api = api_server()
    api.create(DEFAULT1)
    err = rejected(api, DEFAULT2)
    assert err.reason == "Forbidden"
    assert str(err) == ('priorityclasses.scheduling.k8s.io "default2" is forbidden: PriorityClass default1 is already '
                        "marked as default. Only one default can exist")


def test_several_defaults_resolve_to_the_lowest_value() -> None:
    api = api_server(admission=False)
    api.create(DEFAULT2)
    api.create(DEFAULT1)
    plugin = Priority(api)
    out = plugin.admit_pod(pod("p"))
    assert (out.spec.priority, out.spec.priority_class_name) == (1000, "default1")


def test_system_prefix_is_reserved() -> None:
    api = api_server()
    err = rejected(api, priority_class("system-test", 1_000_000_001, description="Name has system critical prefix"))
    assert err.reason == "Invalid"
    assert str(err) == ('PriorityClass.scheduling.k8s.io "system-test" is invalid: metadata.name: Forbidden: '
                        "priority class names with 'system-' prefix are reserved for system use only. error: "
                        "system-test is not a known system priority class")
    err = rejected(api_server(system_classes=False), priority_class("system-cluster-critical", 5))
    assert str(err).endswith("error: value of system-cluster-critical PriorityClass must be 2000000000")


def test_user_class_value_is_capped() -> None:
    api = api_server()
    err = rejected(api, priority_class("huge", 1_000_000_001))
    assert str(err) == ('PriorityClass.scheduling.k8s.io "huge" is invalid: value: Forbidden: maximum allowed value '
                        "of a user defined priority is 1000000000")
    assert api.create(priority_class("max", 1_000_000_000))


def test_system_classes_are_created_once() -> None:
    api = api_server()
    create_system_priority_classes(api)
    classes = {c.metadata.name: c.value for c in api.list("PriorityClass")[0]}  # type: ignore[attr-defined]
    assert classes == {"system-cluster-critical": 2_000_000_000, "system-node-critical": 2_000_001_000}
