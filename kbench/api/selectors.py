"""Label selectors, node selector terms and tolerations, with apimachinery's matching rules.

These are the reference (Python) semantics; the scheduler compiles them to tables over interned
label values for its kernels, and tests compare the two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kbench.api.label_validation import parse_int64, requirement_errors
from kbench.api.objects import LabelSelector, NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration


@dataclass(frozen=True, slots=True)
class Requirement:
    """One label requirement: key, operator (In, NotIn, Exists, DoesNotExist, Gt, Lt) and values."""

    key: str
    op: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Mirrors labels.Requirement.Matches."""
        has = self.key in labels
        if self.op == "In":
            return has and labels[self.key] in self.values
        if self.op == "NotIn":
            return not has or labels[self.key] not in self.values
        if self.op == "Exists":
            return has
        if self.op == "DoesNotExist":
            return not has
        if not has:
            return False
        have = parse_int64(labels[self.key])
        want = parse_int64(next(iter(self.values)))
        if have is None or want is None:
            return False
        return have > want if self.op == "Gt" else have < want


@dataclass(frozen=True, slots=True)
class Selector:
    """A compiled label selector. ``nothing`` is the nil selector, which matches no object."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    @property
    def empty(self) -> bool:
        """labels.Selector.Empty(): the selector with no requirements (matches everything)."""
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        return not self.nothing and all(r.matches(labels) for r in self.requirements)

    def with_labels(self, extra: Mapping[str, str]) -> Selector:
        """Add `key = value` requirements in front, as mergeLabelSetWithSelector does for matchLabelKeys."""
        reqs = tuple(Requirement(k, "In", frozenset([v])) for k, v in sorted(extra.items()))
        return Selector(reqs + self.requirements, self.nothing)


NOTHING = Selector(nothing=True)
EVERYTHING = Selector()


def label_selector(sel: LabelSelector | None) -> Selector:
    """Mirrors metav1.LabelSelectorAsSelector: nil selects nothing, {} selects everything."""
    if sel is None:
        return NOTHING
    reqs = [Requirement(k, "In", frozenset([v])) for k, v in sorted(sel.match_labels.items())]
    reqs += [Requirement(e.key, e.operator, frozenset(e.values)) for e in sel.match_expressions]
    return Selector(tuple(reqs))


def _node_requirement(r: NodeSelectorRequirement) -> Requirement | None:
    """A matchExpressions requirement, or None where labels.NewRequirement rejects it
    (nodeSelectorRequirementsAsSelector): bad key, bad value, wrong number of values."""
    if requirement_errors(r.key, r.operator, r.values):
        return None
    return Requirement(r.key, r.operator, frozenset(r.values))


def _field_requirement(r: NodeSelectorRequirement) -> Requirement | None:
    """A matchFields requirement as nodeSelectorRequirementsAsFieldSelector reads it: In or NotIn
    with exactly one value; None otherwise. Fields other than metadata.name read as ''."""
    if r.operator not in ("In", "NotIn") or len(r.values) != 1:
        return None
    return Requirement(r.key, r.operator, frozenset(r.values))


@dataclass(frozen=True, slots=True)
class NodeTerm:
    """A parsed NodeSelectorTerm: label requirements and metadata.name field requirements, ANDed."""

    labels: tuple[Requirement, ...]
    fields: tuple[Requirement, ...]

    def matches(self, node_labels: Mapping[str, str], node_name: str) -> bool:
        return all(r.matches(node_labels) for r in self.labels) and all(field_matches(r, node_name) for r in self.fields)


def field_matches(r: Requirement, node_name: str) -> bool:
    """A one-term field selector against fields.Set{"metadata.name": name}; other fields are ''."""
    value = node_name if r.key == "metadata.name" else ""
    want = next(iter(r.values))
    return (value == want) if r.op == "In" else (value != want)


def node_term(term: NodeSelectorTerm) -> NodeTerm | None:
    """Parse a term as nodeaffinity.NewNodeSelector does; None for a term that can never match
    (empty, or with a requirement Kubernetes fails to parse: the whole term is dropped)."""
    if not term.match_expressions and not term.match_fields:
        return None
    labels = [_node_requirement(r) for r in term.match_expressions]
    fields = [_field_requirement(r) for r in term.match_fields]
    if any(r is None for r in labels + fields):
        return None
    return NodeTerm(tuple(r for r in labels if r), tuple(r for r in fields if r))


def node_terms(terms: Sequence[NodeSelectorTerm]) -> tuple[NodeTerm, ...]:
    """The terms that can match; the selector matches a node if any of them does."""
    return tuple(t for t in (node_term(x) for x in terms) if t is not None)


def tolerates(tol: Toleration, taint: Taint) -> bool:
    """Mirrors v1.Toleration.ToleratesTaint."""
    if tol.effect and tol.effect != taint.effect:
        return False
    if tol.key and tol.key != taint.key:
        return False
    if tol.operator in ("", "Equal"):
        return tol.value == taint.value
    return tol.operator == "Exists"


def tolerated(tolerations: Sequence[Toleration], taint: Taint) -> bool:
    """Mirrors v1helper.TolerationsTolerateTaint."""
    return any(tolerates(t, taint) for t in tolerations)
