"""Turn pydantic validation errors into kbench's (field path, message) form."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


def field_path(parts: tuple[Any, ...]) -> str:
    """('spec', 'containers', 0, 'image') -> 'spec.containers[0].image'."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def describe(err: ValidationError) -> tuple[str, str]:
    """The first error as (field path, message in plain words)."""
    first = err.errors()[0]
    kind = first["type"]
    if kind == "extra_forbidden":
        msg = "unknown field"
    elif kind == "missing":
        msg = "required field is missing"
    elif kind == "literal_error":
        msg = f"expected {first['ctx']['expected']}, got {first['input']!r}"
    else:
        msg = str(first["msg"]).removeprefix("Value error, ")
    return field_path(tuple(first["loc"])), msg
