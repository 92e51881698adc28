"""The notebooks in notebooks/: each runs end to end on small inputs, and git holds them without outputs.

A notebook's parameters are the cell tagged ``parameters`` (papermill's convention); the test inserts a
cell after it that sets small values, then runs every cell with nbclient in a temporary working
directory, failing on the first cell error. The kernel is this interpreter (the project's venv under
``make test``): a kernelspec written to a temporary JUPYTER_PATH, so no user or system kernelspec of
another Python can stand in for it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from ipykernel.kernelspec import install as install_kernelspec
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "kbench-test-venv"
PARAMETERS_TAG = "parameters"

SMALL: dict[str, dict[str, Any]] = {
    # 3 policies x 2 seeds on the first 300 pods and a 25-node slice of the cluster
    "compare_policies.ipynb": {"NODES": 25, "LIMIT": 300, "SEEDS": [42, 43]},
    # 6 placement policies x 2 seeds, from the first 2,000 pods inflated to 130% of GPU capacity
    "gpu_fragmentation.ipynb": {"LIMIT": 2000, "SEEDS": [42, 43]},
}
"""Small parameters per notebook; POLICY_DIR and OUT are added by the test."""
FIGURES = {"compare_policies.ipynb": 3, "gpu_fragmentation.ipynb": 3}
"""Figures (image/png outputs) each notebook shows."""


def notebook_names() -> list[str]:
    return sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def parameters_index(nb: nbformat.NotebookNode) -> int:
    """Index of the one cell tagged ``parameters``."""
    found = [i for i, c in enumerate(nb.cells) if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])]
    assert len(found) == 1, f"expected one cell tagged {PARAMETERS_TAG!r}, found {len(found)}"
    assert nb.cells[found[0]].cell_type == "code"
    return found[0]


def assigned_names(source: str) -> set[str]:
    """Names a cell assigns at top level.

    >>> sorted(assigned_names("A = 1\\nB: int = 2\\nimport os"))
    ['A', 'B']
    """
    names: set[str] = set()
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def inject(nb: nbformat.NotebookNode, values: dict[str, Any]) -> None:
    """Insert after the parameters cell a cell that sets ``values`` (each must be a parameter) and
    checks that the kernel runs this interpreter."""
    at = parameters_index(nb)
    unknown = set(values) - assigned_names(nb.cells[at].source)
    assert not unknown, f"not parameters of the notebook: {sorted(unknown)}"
    lines = [f"{k} = {v!r}" for k, v in values.items() if not isinstance(v, Path)]
    lines += [f"{k} = Path({str(v)!r})" for k, v in values.items() if isinstance(v, Path)]
    lines += ["import sys", f"assert sys.prefix == {sys.prefix!r}, sys.prefix"]
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(at + 1, cell)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A kernelspec running this interpreter, found first through JUPYTER_PATH."""
    prefix = tmp_path_factory.mktemp("jupyter")
    install_kernelspec(kernel_name=KERNEL, display_name="kbench tests", prefix=str(prefix))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
        assert spec.argv[0] == sys.executable
        yield KERNEL


def test_every_notebook_has_small_parameters() -> None:
    assert notebook_names() == sorted(SMALL) == sorted(FIGURES)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_notebook_runs(name: str, kernel: str, tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    inject(nb, {**SMALL[name], "POLICY_DIR": ROOT / "policies", "OUT": tmp_path / "out"})
    NotebookClient(nb, kernel_name=kernel, timeout=600, resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == FIGURES[name]
    assert (tmp_path / "out").is_dir()


def unstripped_cells(nb: nbformat.NotebookNode) -> list[int]:
    """Indices of the code cells that have outputs or an execution count."""
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]


def test_unstripped_cells_finds_outputs_and_counts() -> None:
    v4 = nbformat.v4
    ran = v4.new_code_cell("1 + 1", execution_count=1)
    ran.outputs = [v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# t"), v4.new_code_cell("x = 1"), ran,
                                v4.new_code_cell("y = 2", execution_count=3)])
    assert unstripped_cells(nb) == [2, 3]  # cell 2 has an output and a count, cell 3 a count


def test_inject_adds_a_cell_after_the_parameters() -> None:
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# t"), v4.new_code_cell("A = 1\nB = 2", metadata={"tags": ["parameters"]}),
                                v4.new_code_cell("print(A + B)")])
    inject(nb, {"A": 5})
    assert [c.source.splitlines()[0] for c in nb.cells] == ["# t", "A = 1", "A = 5", "print(A + B)"]
    with pytest.raises(AssertionError, match="not parameters"):
        inject(nb, {"C": 1})


@pytest.mark.parametrize("name", notebook_names())
def test_notebook_is_stored_without_outputs(name: str) -> None:
    """Committed notebooks carry no outputs or execution counts (clear them before committing)."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert any(c.cell_type == "code" for c in nb.cells)
    assert unstripped_cells(nb) == [], f"{name}: cells {unstripped_cells(nb)} have outputs or execution counts"
