"""Validation of label keys, values and selector requirements, with apimachinery's messages.

Mirrors validation.IsQualifiedName, validation.IsValidLabelValue and labels.NewRequirement; a
selector Kubernetes cannot parse never matches (node affinity) or fails the pod (pod affinity).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kbench.api.objects import LabelSelector

_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)
_LABEL_VALUE_FMT = "(" + _QNAME_FMT + ")?"
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    """Mirrors validation.RegexError."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    msg += " (e.g. "
    for i, e in enumerate(examples):
        if i > 0:
            msg += " or "
        msg += f"'{e}', "
    return msg + f"regex used for validation is '{fmt}')"


def _max_len(n: int) -> str:
    return f"must be no more than {n} characters"


def _dns1123_subdomain_errors(value: str) -> list[str]:
    """Mirrors validation.IsDNS1123Subdomain."""
    errs = []
    if len(value.encode()) > 253:
        errs.append(_max_len(253))
    if not re.fullmatch(_DNS1123_SUBDOMAIN_FMT, value):
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def qualified_name_errors(value: str) -> list[str]:
    """Mirrors validation.IsQualifiedName (label keys)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs += ["prefix part " + m for m in _dns1123_subdomain_errors(prefix)]
    else:
        return [
            "a qualified name "
            + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name.encode()) > 63:
        errs.append("name part " + _max_len(63))
    if not re.fullmatch(_QNAME_FMT, name):
        errs.append("name part " + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def label_value_errors(value: str) -> list[str]:
    """Mirrors validation.IsValidLabelValue."""
    errs = []
    if len(value.encode()) > 63:
        errs.append(_max_len(63))
    if not re.fullmatch(_LABEL_VALUE_FMT, value):
        errs.append(_regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def _go_string_slice(values: Sequence[str]) -> str:
    """Go's %#v of a []string (nil when empty, as append([]string(nil), ...) leaves it)."""
    if not values:
        return "[]string(nil)"
    return "[]string{" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "}"


def aggregate(errors: Sequence[str]) -> str:
    """Mirrors utilerrors.NewAggregate(errs).Error(): one message, or '[a, b]' without duplicates."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def requirement_errors(key: str, op: str, values: Sequence[str]) -> list[str]:
    """Mirrors labels.NewRequirement's field errors, in its order: key, value count, each value."""
    errs = []
    if key_errs := qualified_name_errors(key):
        errs.append(f"key: Invalid value: {json.dumps(key, ensure_ascii=False)}: " + "; ".join(key_errs))
    if op in ("In", "NotIn") and not values:
        errs.append(f"values: Invalid value: {_go_string_slice(values)}: for 'in', 'notin' operators, values set can't be empty")
    elif op == "Equals" and len(values) != 1:
        errs.append(f"values: Invalid value: {_go_string_slice(values)}: exact-match compatibility requires one single value")
    elif op in ("Exists", "DoesNotExist") and values:
        errs.append(
            f"values: Invalid value: {_go_string_slice(values)}: values set must be empty for exists and does not exist"
        )
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            errs.append(f"values: Invalid value: {_go_string_slice(values)}: for 'Gt', 'Lt' operators, exactly one value is required")
        for i, v in enumerate(values):
            if parse_int64(v) is None:
                errs.append(f"values[{i}]: Invalid value: {_go_string_slice(values)}: for 'Gt', 'Lt' operators, the value must be an integer")
    for i, v in enumerate(values):
        if v_errs := label_value_errors(v):
            errs.append(f"values[{i}][{key}]: Invalid value: {json.dumps(v, ensure_ascii=False)}: " + "; ".join(v_errs))
    return errs


def selector_error(sel: LabelSelector | None) -> str | None:
    """The error metav1.LabelSelectorAsSelector returns for ``sel``, or None if it parses."""
    if sel is None:
        return None
    for k, v in sorted(sel.match_labels.items()):
        if errs := requirement_errors(k, "Equals", [v]):
            return aggregate(errs)
    for e in sel.match_expressions:
        if errs := requirement_errors(e.key, e.operator, e.values):
            return aggregate(errs)
    return None


def parse_int64(s: str) -> int | None:
    """strconv.ParseInt(s, 10, 64), or None where Go would return an error."""
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body or not body.isascii() or not body.isdigit():
        return None
    v = int(s)
    return v if -(1 << 63) <= v < (1 << 63) else None
