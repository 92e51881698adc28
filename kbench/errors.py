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


class CompactedError(KbenchError):
    """etcd's ErrCompacted: a read or watch asked for a revision below the compacted one; carries compact_revision."""

    def __init__(self, compact_revision: int) -> None:
        self.compact_revision = compact_revision
        super().__init__("mvcc: required revision has been compacted")


class FutureRevisionError(KbenchError):
    """etcd's ErrFutureRev: a read or compaction asked for a revision above the current one."""

    def __init__(self) -> None:
        super().__init__("mvcc: required revision is a future revision")


class RevisionNotFoundError(KbenchError):
    """etcd's ErrRevisionNotFound: a keyIndex has no revision for the request (tombstone on a deleted key)."""

    def __init__(self) -> None:
        super().__init__("mvcc: revision not found")


class EmptyWatcherRangeError(KbenchError):
    """etcd's ErrEmptyWatcherRange: a watch's range_end is not above its key."""

    def __init__(self) -> None:
        super().__init__("mvcc: watcher range is empty")


class EmptyKeyError(KbenchError):
    """etcd's ErrGRPCEmptyKey: a request, compare or txn op has an empty key."""

    def __init__(self) -> None:
        super().__init__("etcdserver: key is not provided")


class TooManyOpsError(KbenchError):
    """etcd's ErrGRPCTooManyOps: a txn has more compares or ops in one branch than --max-txn-ops (128)."""

    def __init__(self) -> None:
        super().__init__("etcdserver: too many operations in txn request")


class DuplicateKeyError(KbenchError):
    """etcd's ErrGRPCDuplicateKey: a txn branch puts one key twice, or puts a key it also deletes."""

    def __init__(self) -> None:
        super().__init__("etcdserver: duplicate key given in txn request")


class LeaseNotFoundError(KbenchError):
    """etcd's ErrGRPCLeaseNotFound: the lease id names no live lease."""

    def __init__(self) -> None:
        super().__init__("etcdserver: requested lease not found")


class LeaseExistsError(KbenchError):
    """etcd's ErrGRPCLeaseExist: lease_grant was given the id of a live lease."""

    def __init__(self) -> None:
        super().__init__("etcdserver: lease already exists")


class LeaseTTLTooLargeError(KbenchError):
    """etcd's ErrGRPCLeaseTTLTooLarge: lease_grant asked for more than MaxLeaseTTL (9,000,000,000 s)."""

    def __init__(self) -> None:
        super().__init__("etcdserver: too large lease TTL")


class InvariantError(KbenchError):
    """An internal invariant of a model broke where etcd would panic; carries etcd's panic message."""


class APIError(KbenchError):
    """A simulated API server request failed; ``reason`` is Kubernetes' (AlreadyExists, NotFound, Conflict, ...)."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)
