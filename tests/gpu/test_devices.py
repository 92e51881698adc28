"""The per-device GPU ledger (kbench.gpu.devices) against hand-worked cases of FGD.md §1/§4, and the
Numba filter kernel against the Python ``can_host`` on random ledgers."""

from __future__ import annotations

import numpy as np
import pytest

from kbench.gpu.devices import GpuLedger, can_host_rows


def _ledger(*rows: tuple[list[int], str | None]) -> GpuLedger:
    led = GpuLedger()
    for i, (r, model) in enumerate(rows):
        led.add_node(i, len(r), model)
        led.free[i, : len(r)] = r
    return led


def _hand() -> GpuLedger:
    return _ledger(([1000, 300, 0, 1000], "G2"), ([1000, 1000], "T4"), ([], None))


def test_layout_padding_and_models() -> None:
    led = _hand()
    assert led.free.tolist() == [[1000, 300, 0, 1000], [1000, 1000, -1, -1], [-1, -1, -1, -1]]
    assert led.model_ids.tolist() == [0, 1, -1]
    assert led.model_names == ["G2", "T4"]


def test_best_gpu_is_smallest_fitting_remaining() -> None:
    led = _hand()
    assert led.best_gpu(0, 250) == 1  # 300 is the tightest R >= 250
    assert led.best_gpu(0, 500) == 0  # 1000 at GPUs 0 and 3: lowest index
    assert led.fitting_gpus(0, 250).tolist() == [0, 1, 3]


def test_whole_gpus_are_lowest_index_fully_free() -> None:
    led = _hand()
    assert led.can_host(0, 1000, 2)
    assert led.allocate(0, 1000, 2) == (0, 3)
    assert led.free[0].tolist() == [0, 300, 0, 0]


def test_three_whole_gpus_cannot_be_hosted() -> None:
    led = _hand()
    assert not led.can_host(0, 1000, 3)
    with pytest.raises(ValueError):
        led.allocate(0, 1000, 3)
    assert led.free[0].tolist() == [1000, 300, 0, 1000]


def test_sharing_allocation_best_and_given_gpu() -> None:
    led = _hand()
    assert led.allocate(0, 250, 1) == (1,)
    assert led.free[0].tolist() == [1000, 50, 0, 1000]
    assert led.allocate(0, 250, 1, gpu=3) == (3,)
    assert led.free[0].tolist() == [1000, 50, 0, 750]


def test_allocate_then_release_restores_state() -> None:
    led = _hand()
    before = led.free.copy()
    for d, k in [(250, 1), (500, 1), (1000, 2), (1000, 1)]:
        gpus = led.allocate(0, d, k)
        led.release(0, gpus, d)
        assert np.array_equal(led.free, before)


def test_cpu_only_and_gpu_less_nodes() -> None:
    led = _hand()
    assert led.can_host(2, 0, 0) and led.allocate(2, 0, 0) == ()
    assert not led.can_host(2, 100, 1)
    assert not led.can_host(2, 1000, 1, models=("G2",))


def test_model_constraint() -> None:
    led = _hand()
    assert led.can_host(0, 500, 1, models=("G2", "T4"))
    assert not led.can_host(0, 500, 1, models=("T4",))
    assert led.can_host_many([0, 1, 2], 500, 1, models=("T4",)).tolist() == [False, True, False]
    # a constraint naming only unknown models matches nothing (not "any")
    assert led.can_host_many([0, 1], 500, 1, models=("A100",)).tolist() == [False, False]
    assert led.can_host_many([0, 1, 2], 500, 1).tolist() == [True, True, False]


def test_kernel_model_mismatch() -> None:
    led = _hand()
    out = can_host_rows(led.free, np.array([0, 1], dtype=np.int64), 1000, 2, led.model_ids,
                        np.array([1], dtype=np.int64))
    assert out.tolist() == [False, True]


def _random_ledger(rng: np.random.Generator, n: int) -> GpuLedger:
    led = GpuLedger()
    models = [None, "G2", "T4", "V100"]
    for i in range(n):
        g = int(rng.choice([0, 1, 2, 4, 8]))
        led.add_node(i, g, models[int(rng.integers(1, 4))] if g else None)
        led.free[i, :g] = rng.choice([0, 100, 250, 500, 700, 1000, 1000, 1000], size=g)
    return led


@pytest.mark.parametrize("seed", range(5))
def test_kernel_equals_python_on_random_ledgers(seed: int) -> None:
    rng = np.random.default_rng(seed)
    led = _random_ledger(rng, 200)
    rows = rng.integers(0, led.n_nodes, size=300)
    tasks = [(0, 0), (100, 1), (250, 1), (500, 1), (999, 1), (1000, 1), (1000, 2), (1000, 4), (1000, 8)]
    for d, k in tasks:
        for models in [(), ("G2",), ("T4", "V100"), ("A100",)]:
            got = led.can_host_many(rows, d, k, models)
            want = [led.can_host(int(r), d, k, models) for r in rows]
            assert got.tolist() == want, (d, k, models)


@pytest.mark.parametrize("seed", range(3))
def test_random_allocate_release_round_trip(seed: int) -> None:
    rng = np.random.default_rng(seed)
    led = _random_ledger(rng, 50)
    start = led.free.copy()
    taken = []
    for _ in range(300):
        node = int(rng.integers(0, led.n_nodes))
        d, k = [(250, 1), (600, 1), (1000, 1), (1000, 2), (1000, 4)][int(rng.integers(0, 5))]
        if led.can_host(node, d, k):
            gpus = led.allocate(node, d, k)
            assert len(gpus) == k
            taken.append((node, gpus, d))
        else:
            with pytest.raises(ValueError):
                led.allocate(node, d, k)
    assert (led.free[led.free >= 0] >= 0).all()
    for node, gpus, d in reversed(taken):
        led.release(node, gpus, d)
    assert np.array_equal(led.free, start)


@pytest.mark.parametrize("d,k", [(500, 2), (0, 1), (1001, 1), (100, 0), (1000, -1)])
def test_invalid_requests(d: int, k: int) -> None:
    with pytest.raises(ValueError):
        _hand().can_host(0, d, k)
    with pytest.raises(ValueError):
        _hand().allocate(0, d, k)


def test_errors() -> None:
    led = _hand()
    with pytest.raises(ValueError):
        led.add_node(5, 2, "G2")  # not the next row
    with pytest.raises(ValueError):
        led.best_gpu(0, 1000 + 1)
    with pytest.raises(ValueError):
        led.best_gpu(2, 100)  # no GPUs
    with pytest.raises(ValueError):
        led.allocate(0, 500, 1, gpu=1)  # GPU 1 has only 300
    with pytest.raises(ValueError):
        led.allocate(0, 1000, 2, gpu=0)  # GPU index only for 1-GPU tasks
    with pytest.raises(ValueError):
        led.release(0, [0], 100)  # would exceed 1000
    with pytest.raises(ValueError):
        led.release(1, [2], 100)  # absent GPU
    with pytest.raises(IndexError):
        led.can_host(3, 500, 1)
    with pytest.raises(IndexError):
        led.can_host_many([0, 3], 500, 1)
    assert led.free[0].tolist() == [1000, 300, 0, 1000]
