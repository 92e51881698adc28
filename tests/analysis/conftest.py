"""A tiny hive-layout sweep (three real runs), made once for the analysis tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analysis.helpers import make_sweep


@pytest.fixture(scope="session")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("sweep"))
