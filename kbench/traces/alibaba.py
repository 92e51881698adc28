"""Read the Alibaba cluster-trace-gpu-v2023 ("openb") CSVs into node and pod tables.

The trace (Weng et al., "Beware of Fragmentation", USENIX ATC '23) is bundled in
``workloads/alibaba-gpu-v2023/``; its README carries the attribution, the research-or-study-only
terms and the upstream schema. Lists are named ``alibaba-gpu-v2023:<list>``:

- node lists ``gpu`` (``openb_node_list_gpu_node.csv``, the 1213 GPU nodes the paper simulates)
  and ``all`` (``openb_node_list_all_node.csv``, 1523 nodes incl. 310 CPU-only). The two files
  number their nodes separately: the same machine has different names in each.
- pod lists ``default``, ``cpu0`` ... ``cpu300``, ``gpushare20`` ... ``gpushare100``,
  ``gpuspec05`` ... ``gpuspec33``, ``multigpu20`` ... ``multigpu50``
  (``openb_pod_list_<list>.csv``).

Any other path is read as a CSV with the same columns, or, if it ends in ``.parquet``, as a table
``kbench trace convert`` wrote (:mod:`kbench.traces.tables`).

Mapping onto :data:`~kbench.traces.schema.NODE_SCHEMA` (node CSV ``sn,cpu_milli,memory_mib,gpu,model``):
``name = sn``, ``memory_bytes = memory_mib * 2**20``, ``gpu_milli = 1000 * gpu``, ``gpu_model =
model`` (null when empty: exactly the CPU-only nodes in the trace) and ``pods = 1001``, the
allocatable pod count every node advertises in the trace's ``openb_node_list_gpu_node.yaml``.

Mapping onto :data:`~kbench.traces.schema.POD_SCHEMA` (pod CSV ``name, cpu_milli, memory_mib,
num_gpu, gpu_milli`` and the optional ``gpu_spec, qos, pod_phase, creation_time, deletion_time,
scheduled_time``). The trace's ``gpu_milli`` is a share *per GPU*; a task needs ``num_gpu *
gpu_milli`` milli-GPU. Only single-GPU tasks share a GPU, so the accepted pairs and their mapping
are:

=======  =============  ======  ==========  =====================
num_gpu  gpu_milli      gpu     gpu_milli   kind
=======  =============  ======  ==========  =====================
0        0              0       0           CPU-only
1        1..999         0       gpu_milli   GPU-sharing
n >= 1   1000           n       0           whole GPUs
=======  =============  ======  ==========  =====================

i.e. ``gpu = num_gpu if gpu_milli == 1000 or num_gpu > 1 else 0`` and ``gpu_milli = gpu_milli if
num_gpu == 1 and gpu_milli < 1000 else 0``. Any other pair (a share with ``num_gpu`` 0, a share
above 1000, ``num_gpu >= 1`` with 0, or a partial share on several GPUs) is rejected: it does not
occur in the trace and the two columns could not represent it. The raw values are kept as
``num_gpu`` and ``trace_gpu_milli``.

``gpu_spec`` is split on ``|``; empty pieces are dropped (as upstream's ``pod_csv_to_yaml.py``
does) and repeats removed, keeping the first-seen order: ``V100M16|V100M32|V100M32`` gives
``["V100M16", "V100M32"]``; an empty cell gives ``[]`` (any model). ``namespace`` is
``"default"``. Empty ``qos``, ``pod_phase`` and time cells become nulls (``scheduled_time`` is
empty for the Pending tasks), and so do whole columns a file lacks (the ``multigpu*`` files have
only the first five).

Validation: each problem raises a one-line :class:`~kbench.errors.TraceError` whose field is
``row N, column C``, where row N is the N-th data row (line N + 1 of the file, the header being
line 1). Checked: the file exists, the required columns are present, numbers are non-negative
decimal integers (times: non-negative decimal numbers or empty), names are non-empty and unique,
the GPU pair is one of the above, a pod is neither scheduled nor deleted before it was created,
and, for the lists that are sorted by creation time (``default``, ``cpu0`` and the ``gpuspec*``
lists; the others interleave their added tasks), that creation times never go backwards.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kbench.errors import TraceError
from kbench.traces.schema import NODE_SCHEMA, POD_SCHEMA
from kbench.traces.tables import is_parquet, read_table

TRACE = "alibaba-gpu-v2023"
"""Prefix of the bundled lists' names, and the name of their folder under ``workloads/``."""

WORKLOADS_ENV = "KBENCH_WORKLOADS"
"""Environment variable naming the ``workloads/`` folder to use instead of the repository's."""

NODE_LISTS: dict[str, str] = {
    "gpu": "openb_node_list_gpu_node.csv",
    "all": "openb_node_list_all_node.csv",
}
POD_LIST_NAMES: tuple[str, ...] = (
    "default",
    "cpu0", "cpu037", "cpu050", "cpu072", "cpu100", "cpu200", "cpu235", "cpu250", "cpu300",
    "gpushare20", "gpushare40", "gpushare60", "gpushare80", "gpushare100",
    "gpuspec05", "gpuspec10", "gpuspec20", "gpuspec25", "gpuspec33",
    "multigpu20", "multigpu30", "multigpu40", "multigpu50",
)
POD_LISTS: dict[str, str] = {n: f"openb_pod_list_{n}.csv" for n in POD_LIST_NAMES}
SORTED_POD_LISTS = frozenset({
    "default", "cpu0", "gpuspec05", "gpuspec10", "gpuspec20", "gpuspec25", "gpuspec33",
})
"""Lists whose rows are in creation-time order (checked on every file of the trace)."""

NODE_PODS = 1001
"""Allocatable pods per node: ``pods: '1001'`` on every Node in openb_node_list_gpu_node.yaml."""
NAMESPACE = "default"
MIB = 1 << 20
MILLI = 1000
_INT64_MAX = (1 << 63) - 1

NODE_COLUMNS = ("sn", "cpu_milli", "memory_mib", "gpu", "model")
POD_COLUMNS = ("name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli")
POD_OPTIONAL_COLUMNS = ("gpu_spec", "qos", "pod_phase", "creation_time", "deletion_time", "scheduled_time")

_UINT = r"^[0-9]+$"
_UNUMBER = r"^[0-9]+(\.[0-9]+)?$"
_MAX_DIGITS = 18  # every 18-digit integer fits in int64


def workloads_dir() -> Path:
    """The ``workloads/`` folder: ``$KBENCH_WORKLOADS`` if set, else the repository's.

    The repository's folder is found from this package's location, which an editable install
    (``pip install -e .``) keeps inside the clone.

    Examples
    --------
    >>> (workloads_dir() / TRACE / "README.md").is_file()
    True
    """
    env = os.environ.get(WORKLOADS_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "workloads"


def list_traces(kind: Literal["nodes", "pods"] | None = None) -> list[str]:
    """Names of the bundled node lists, pod lists, or both (nodes first).

    Examples
    --------
    >>> list_traces("nodes")
    ['alibaba-gpu-v2023:gpu', 'alibaba-gpu-v2023:all']
    >>> len(list_traces("pods")), list_traces("pods")[0]
    (24, 'alibaba-gpu-v2023:default')
    """
    nodes = [f"{TRACE}:{n}" for n in NODE_LISTS] if kind in (None, "nodes") else []
    pods = [f"{TRACE}:{n}" for n in POD_LISTS] if kind in (None, "pods") else []
    return nodes + pods


def load_nodes(source: str | os.PathLike[str]) -> pa.Table:
    """Load a node list as a table of :data:`~kbench.traces.schema.NODE_SCHEMA`.

    Parameters
    ----------
    source
        ``"alibaba-gpu-v2023:gpu"``, ``"alibaba-gpu-v2023:all"``, the path of a CSV with
        columns ``sn,cpu_milli,memory_mib,gpu,model``, or of a converted node table (``.parquet``).

    Raises
    ------
    TraceError
        The name is unknown, or the file is missing or invalid.

    Examples
    --------
    >>> nodes = load_nodes("alibaba-gpu-v2023:gpu")
    >>> nodes.num_rows, pc.sum(nodes["gpu"]).as_py()
    (1213, 6212)
    >>> nodes.slice(0, 1).to_pylist()[0]["memory_bytes"] // MIB
    262144
    """
    if is_parquet(source):
        return read_table(source, "nodes")
    path, file, _ = _resolve(source, "nodes")
    t = _read_csv(path, file, NODE_COLUMNS, ())
    n = t.num_rows
    name = _names(t, "sn", file)
    cpu = _ints(t, "cpu_milli", file)
    mem = _ints(t, "memory_mib", file, _INT64_MAX // MIB, "MiB")
    gpu = _ints(t, "gpu", file, _INT64_MAX // MILLI, "GPUs")
    arrays = [
        name,
        pa.array(cpu),
        pa.array(mem * MIB),
        pa.array(np.full(n, NODE_PODS, dtype=np.int64)),
        pa.array(gpu),
        pa.array(gpu * MILLI),
        _empty_to_null(t.column("model")),
    ]
    return pa.Table.from_arrays(arrays, schema=NODE_SCHEMA)


def load_pods(source: str | os.PathLike[str], *, sorted_by_creation: bool | None = None) -> pa.Table:
    """Load a pod list as a table of :data:`~kbench.traces.schema.POD_SCHEMA`.

    Parameters
    ----------
    source
        ``"alibaba-gpu-v2023:<list>"`` (see :func:`list_traces`), the path of a CSV with the
        trace's pod columns, or of a converted pod table (``.parquet``).
    sorted_by_creation
        Require creation times never to go backwards. ``None`` (default): required for the
        bundled lists that are sorted (:data:`SORTED_POD_LISTS`), not for other files.

    Raises
    ------
    TraceError
        The name is unknown, or the file is missing or invalid (see the module docstring).

    Examples
    --------
    >>> pods = load_pods("alibaba-gpu-v2023:default")
    >>> pods.num_rows, pods["name"][0].as_py(), pods["created_at"][1].as_py()
    (8152, 'openb-pod-0000', 427061.0)
    >>> pods.select(["gpu", "gpu_milli", "num_gpu", "trace_gpu_milli"]).slice(1, 1).to_pylist()
    [{'gpu': 0, 'gpu_milli': 460, 'num_gpu': 1, 'trace_gpu_milli': 460}]
    """
    if is_parquet(source):
        return read_table(source, "pods")
    path, file, listed = _resolve(source, "pods")
    if sorted_by_creation is None:
        sorted_by_creation = listed in SORTED_POD_LISTS
    t = _read_csv(path, file, POD_COLUMNS, POD_OPTIONAL_COLUMNS)
    n = t.num_rows
    name = _names(t, "name", file)
    cpu = _ints(t, "cpu_milli", file)
    mem = _ints(t, "memory_mib", file, _INT64_MAX // MIB, "MiB")
    num_gpu = _ints(t, "num_gpu", file)
    trace_gpu_milli = _ints(t, "gpu_milli", file)
    _check_gpu_pairs(t, num_gpu, trace_gpu_milli, file)
    gpu = np.where((trace_gpu_milli == MILLI) | (num_gpu > 1), num_gpu, 0)
    gpu_milli = np.where((num_gpu == 1) & (trace_gpu_milli < MILLI), trace_gpu_milli, 0)

    created = _times(t, "creation_time", file)
    scheduled = _times(t, "scheduled_time", file)
    deleted = _times(t, "deletion_time", file)
    _check_not_before(t, scheduled, "scheduled_time", "scheduled", created, file)
    _check_not_before(t, deleted, "deletion_time", "deletion", created, file)
    if sorted_by_creation:
        _check_sorted(t, created, file)

    arrays = [
        name,
        pa.array([NAMESPACE] * n, pa.string()),
        pa.array(cpu),
        pa.array(mem * MIB),
        pa.array(gpu),
        pa.array(gpu_milli),
        _gpu_models(t, n),
        _optional_string(t, "gpu_spec", n),
        pa.array(num_gpu),
        pa.array(trace_gpu_milli),
        _optional_string(t, "qos", n),
        _optional_string(t, "pod_phase", n),
        pa.array(created, from_pandas=True),
        pa.array(scheduled, from_pandas=True),
        pa.array(deleted, from_pandas=True),
        pa.array(np.arange(1, n + 1, dtype=np.int64)),
    ]
    return pa.Table.from_arrays(arrays, schema=POD_SCHEMA)


# --- resolving names ------------------------------------------------------------------------------


def _resolve(source: str | os.PathLike[str], kind: Literal["nodes", "pods"]) -> tuple[Path, str, str | None]:
    """(path, file name for messages, list name or None) for a list name or a path."""
    if isinstance(source, str) and source.startswith(TRACE + ":"):
        listed = source[len(TRACE) + 1:]
        lists, other = (NODE_LISTS, POD_LISTS) if kind == "nodes" else (POD_LISTS, NODE_LISTS)
        singular = kind[:-1]
        if listed not in lists:
            if listed in other:
                hint = f"a {'pod' if kind == 'nodes' else 'node'} list, not a {singular} list; "
            else:
                hint = f"unknown {singular} list; "
            expected = f"expected {TRACE}:<list> with <list> one of {', '.join(lists)}"
            raise TraceError(source, "", hint + expected)
        folder = workloads_dir() / TRACE
        if not folder.is_dir():
            raise TraceError(str(folder), "", f"bundled trace folder not found; set {WORKLOADS_ENV} to a "
                                              f"workloads/ folder that holds {TRACE}/")
        path = folder / lists[listed]
        return path, str(path), listed
    return Path(source), os.fspath(source), None


# --- reading --------------------------------------------------------------------------------------


def _read_csv(path: Path, file: str, required: Sequence[str], optional: Sequence[str]) -> pa.Table:
    """Read the known columns of a CSV as strings; check the header names the required ones."""
    try:
        with open(path, "rb") as fh:
            first = fh.readline()
    except FileNotFoundError:
        raise TraceError(file, "", "no such file") from None
    except OSError as e:
        raise TraceError(file, "", f"cannot read file: {e.strerror or e}") from None
    expected = ",".join(required) + "".join(f"[,{c}]" for c in optional)
    try:
        header = next(csv.reader([first.decode("utf-8-sig").rstrip("\r\n")]), [])
    except UnicodeDecodeError:
        raise TraceError(file, "header", f"not UTF-8 text; expected columns {expected}") from None
    if not any(header):
        raise TraceError(file, "header", f"empty; expected columns {expected}")
    missing = [c for c in required if c not in header]
    if missing:
        raise TraceError(file, "header",
                         f"missing column(s) {', '.join(missing)}; expected columns {expected}")
    present = [c for c in (*required, *optional) if c in header]
    invalid: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "skip"

    def read(threads: bool) -> pa.Table:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=threads),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in present},
                include_columns=present,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    try:
        table = read(threads=True)
        if invalid:  # read again serially: only then does pyarrow know the line number
            invalid.clear()
            read(threads=False)
    except (pa.ArrowInvalid, OSError) as e:
        raise TraceError(file, "", f"cannot parse CSV: {str(e).splitlines()[0]}") from None
    if invalid:
        bad = invalid[0]
        message = f"expected {bad.expected_columns} fields, got {bad.actual_columns}"
        if bad.number is None:
            raise TraceError(file, "", f"{message} in the row {bad.text!r}")
        raise TraceError(file, f"row {bad.number - 1}", message)
    return table


def _first(mask: pa.ChunkedArray | pa.Array) -> int:
    """Index of the first true value of a boolean array, or -1."""
    return int(pc.index(mask, True).as_py())


def _field(row: int, column: str) -> str:
    return f"row {row + 1}, column {column}"


def _names(t: pa.Table, column: str, file: str) -> pa.Array:
    """The name column, checked non-empty and unique."""
    names = t.column(column).combine_chunks()
    i = _first(pc.equal(names, ""))
    if i >= 0:
        raise TraceError(file, _field(i, column), "expected a non-empty name")
    codes = pc.dictionary_encode(names)
    if len(codes.dictionary) != len(names):
        # Codes are given in first-seen order, so a row repeats a name iff its code is not new.
        idx = codes.indices.to_numpy().astype(np.int64)
        seen = np.maximum.accumulate(np.concatenate(([-1], idx[:-1])))
        i = int(np.flatnonzero(idx <= seen)[0])
        j = int(np.flatnonzero(idx[:i] == idx[i])[0])
        raise TraceError(file, _field(i, column),
                         f"duplicate name {names[i].as_py()!r} (first at row {j + 1})")
    return names


def _ints(t: pa.Table, column: str, file: str, max_value: int | None = None, unit: str = "") -> np.ndarray:
    """A column of non-negative decimal integers as int64."""
    col = t.column(column)
    i = _first(pc.invert(pc.match_substring_regex(col, _UINT)))
    if i < 0:
        i = _first(pc.greater(pc.utf8_length(col), _MAX_DIGITS))
    if i >= 0:
        raise TraceError(file, _field(i, column), f"expected a non-negative integer, got {col[i].as_py()!r}")
    values = pc.cast(col, pa.int64()).to_numpy()
    if max_value is not None:
        over = np.flatnonzero(values > max_value)
        if len(over):
            i = int(over[0])
            raise TraceError(file, _field(i, column),
                             f"expected at most {max_value} {unit}, got {col[i].as_py()!r}")
    return values


def _times(t: pa.Table, column: str, file: str) -> np.ndarray:
    """A column of non-negative seconds as float64, NaN where empty or absent."""
    if column not in t.column_names:
        return np.full(t.num_rows, np.nan)
    col = t.column(column)
    empty = pc.equal(col, "")
    i = _first(pc.and_not(pc.invert(pc.match_substring_regex(col, _UNUMBER)), empty))
    if i >= 0:
        got = col[i].as_py()
        raise TraceError(file, _field(i, column),
                         f"expected a non-negative number of seconds or an empty cell, got {got!r}")
    values = pc.cast(pc.if_else(empty, "0", col), pa.float64()).to_numpy()
    inf = np.flatnonzero(np.isinf(values))
    if len(inf):
        i = int(inf[0])
        raise TraceError(file, _field(i, column), f"number too large: {col[i].as_py()!r}")
    return np.where(empty.to_numpy(), np.nan, values)


def _check_gpu_pairs(t: pa.Table, num_gpu: np.ndarray, milli: np.ndarray, file: str) -> None:
    """Every (num_gpu, gpu_milli) is (0, 0), (1, 1..1000) or (n > 1, 1000); see the module docstring."""
    ok = np.where(num_gpu == 0, milli == 0,
                  np.where(num_gpu == 1, (milli >= 1) & (milli <= MILLI), milli == MILLI))
    bad = np.flatnonzero(~ok)
    if len(bad):
        i = int(bad[0])
        n = int(num_gpu[i])
        if n == 0:
            want = "0 when num_gpu is 0"
        elif n == 1:
            want = "1 to 1000 when num_gpu is 1"
        else:
            want = f"1000 when num_gpu is {n} (only a single-GPU pod may share a GPU)"
        got = t.column("gpu_milli")[i].as_py()
        raise TraceError(file, _field(i, "gpu_milli"), f"expected {want}, got {got!r}")


def _check_not_before(t: pa.Table, later: np.ndarray, column: str, what: str, created: np.ndarray,
                      file: str) -> None:
    bad = np.flatnonzero(later < created)  # False where either is NaN
    if len(bad):
        i = int(bad[0])
        raise TraceError(file, _field(i, column), f"{what} time {t.column(column)[i].as_py()} is before "
                                                  f"creation time {t.column('creation_time')[i].as_py()}")


def _check_sorted(t: pa.Table, created: np.ndarray, file: str) -> None:
    rows = np.flatnonzero(~np.isnan(created))
    back = np.flatnonzero(np.diff(created[rows]) < 0)
    if len(back):
        prev, i = int(rows[back[0]]), int(rows[back[0] + 1])
        col = t.column("creation_time")
        raise TraceError(file, _field(i, "creation_time"),
                         f"creation time {col[i].as_py()} is before {col[prev].as_py()} of row {prev + 1}; "
                         f"this list must be sorted by creation time")


def _empty_to_null(col: pa.ChunkedArray) -> pa.Array:
    col = col.combine_chunks()
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)


def _optional_string(t: pa.Table, column: str, n: int) -> pa.Array:
    if column not in t.column_names:
        return pa.nulls(n, pa.string())
    return _empty_to_null(t.column(column))


def _gpu_models(t: pa.Table, n: int) -> pa.Array:
    """gpu_spec as lists: parsed once per distinct value, then gathered."""
    if "gpu_spec" not in t.column_names:
        offsets = pa.array(np.zeros(n + 1, dtype=np.int32))
        return pa.ListArray.from_arrays(offsets, pa.array([], pa.string()))
    codes = pc.dictionary_encode(t.column("gpu_spec").combine_chunks())
    parsed = [list(dict.fromkeys(m for m in s.split("|") if m)) for s in codes.dictionary.to_pylist()]
    return pc.take(pa.array(parsed, pa.list_(pa.string())), codes.indices)
