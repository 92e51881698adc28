"""The flat error set of kbench: every user-facing failure is one of these."""

from __future__ import annotations


class KbenchError(Exception):
    """Base of every error kbench reports to a user as a one-line message."""


class InputError(KbenchError):
    """An input file is invalid; carries the file, the field path and what was expected."""

    def __init__(self, file: str, field: str, message: str) -> None:
        self.file = file
        self.field = field
        self.message = message
        where = f"{file}: {field}: " if field else f"{file}: "
        super().__init__(where + message)


class ConfigError(InputError):
    """A scheduler configuration or policy.yaml is invalid; carries file and field."""


class FieldError(KbenchError):
    """A value is invalid at a field path; the loader adds the file name to make an InputError."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class StateError(KbenchError):
    """A plugin read cycle state that its PreFilter/PreScore did not write."""


class TraceError(InputError):
    """A trace file is invalid; the field names the data row and column, e.g. ``row 17, column cpu_milli``."""
