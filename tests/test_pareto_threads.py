"""The Pareto/NBD quadrature on threads: the same bits as one thread, in order, fork-safe."""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from custlib.value import bootstrap, formulas, pareto


def _rows(n: int, seed: int = 3) -> tuple[np.ndarray, ...]:
    """Integrals with parameters that differ from row to row."""
    rng = np.random.default_rng(seed)
    A, B = rng.uniform(0.3, 40, n), rng.uniform(1.0, 30, n)
    t0 = rng.uniform(0, 5, n)
    return A, B, t0, t0 + rng.uniform(0.01, 50, n)


def _slow_blocks(seconds: float = 0.005):
    """A block function that takes a while (the GIL released) and says which thread ran it."""
    def fn(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        time.sleep(seconds)
        return a * 3.0 - b, np.full(len(a), threading.get_ident(), dtype=float)
    return fn


def test_blocks_on_threads_are_joined_in_the_order_of_the_rows(monkeypatch):
    monkeypatch.setattr(pareto, "_BLOCK_ROWS", 50)
    a, b = np.arange(1234.0), np.linspace(-1, 1, 1234)  # 25 blocks, the last one short
    with pareto.quadrature_threads(4):
        out, ident = pareto._by_rows(_slow_blocks(), a, b)
    assert np.array_equal(out, a * 3.0 - b)
    assert len(np.unique(ident)) > 1  # the blocks did run on several threads
    assert len(np.unique(ident[:50])) == 1  # and each block on one


def _quadrature(A, B, t0, t1) -> tuple[np.ndarray, ...]:
    return (pareto._log_power_integral(A, B, 30.0, 2.0, t0, t1),
            *pareto._power_moments(A, B, 30.0, 2.0, t0, t1))


def test_the_quadrature_on_threads_equals_one_thread_bit_for_bit(monkeypatch):
    A, B, t0, t1 = _rows(3000)
    whole = _quadrature(A, B, t0, t1)  # one block: no threads
    monkeypatch.setattr(pareto, "_BLOCK_ROWS", 128)  # 24 blocks, the last one short
    runs = []
    for threads in (1, 3):
        with pareto.quadrature_threads(threads):
            runs.append(_quadrature(A, B, t0, t1))
    for one_block, one_thread, three in zip(whole, *runs, strict=True):
        assert one_block.shape == (3000,)
        assert np.array_equal(one_thread, one_block) and np.array_equal(three, one_block)


def test_the_objective_and_its_gradient_on_threads_equal_one_thread(monkeypatch):
    rng = np.random.default_rng(4)
    n = 12_000  # 12 blocks of 1024 rows
    x = rng.poisson(3.0, n).astype(float)
    T = rng.uniform(5, 80, n)
    tx = np.where(x > 0, T * rng.uniform(0, 1, n), 0.0)
    data = formulas._Patterns(x, tx, T, rng.integers(1, 5, n).astype(float))
    runs = []
    for logp in np.log([[0.55, 10.58, 0.61, 11.67], [0.2, 80.0, 3.0, 0.05]]):  # alpha >< beta
        for threads, rows in ((1, 10**6), (1, 1024), (4, 1024)):  # one block, one thread
            monkeypatch.setattr(pareto, "_BLOCK_ROWS", rows)
            with pareto.quadrature_threads(threads), np.errstate(all="ignore"):
                runs.append(pareto._objective_pareto(logp, data))
    for k in (0, 3):
        (ll_whole, g_whole), *blocked = runs[k:k + 3]
        assert np.isfinite(ll_whole) and np.all(np.isfinite(g_whole))
        for ll, g in blocked:
            assert ll == ll_whole and np.array_equal(g, g_whole)


def test_the_callers_numpy_error_state_holds_on_every_thread(monkeypatch):
    monkeypatch.setattr(pareto, "_BLOCK_ROWS", 10)

    def fn(a: np.ndarray) -> tuple[np.ndarray]:
        time.sleep(0.002)
        return (np.log(a * 0.0),)

    with pareto.quadrature_threads(4), np.errstate(divide="ignore"), \
            warnings.catch_warnings():
        warnings.simplefilter("error")  # a helper that warned would raise here
        (out,) = pareto._by_rows(fn, np.ones(200))
    assert np.all(out == -np.inf)


def test_an_error_in_a_block_reaches_the_caller(monkeypatch):
    monkeypatch.setattr(pareto, "_BLOCK_ROWS", 10)

    def fn(a: np.ndarray) -> tuple[np.ndarray]:
        time.sleep(0.002)
        if a[0] == 150:
            raise ValueError("block 15")
        return (a,)

    with pareto.quadrature_threads(4), pytest.raises(ValueError, match="block 15"):
        pareto._by_rows(fn, np.arange(300.0))


def test_the_default_is_the_usable_cores_at_most_eight(monkeypatch):
    monkeypatch.delenv(pareto.THREADS_ENV, raising=False)
    assert pareto._threads() == min(pareto.usable_cores(), pareto._MAX_THREADS)
    # a batch run's group sets its share of the cores for its kernels
    monkeypatch.setenv(pareto.THREADS_ENV, "1")
    assert pareto._threads() == 1
    for ignored in ("0", "two", "-3", "", "\u00b2", "1.5"):
        monkeypatch.setenv(pareto.THREADS_ENV, ignored)
        assert pareto._threads() == min(pareto.usable_cores(), pareto._MAX_THREADS)
    monkeypatch.delenv(pareto.THREADS_ENV)
    with pareto.quadrature_threads(1):
        assert pareto._threads() == 1
        with pareto.quadrature_threads(None):
            assert pareto._threads() == min(pareto.usable_cores(), 8)
        assert pareto._threads() == 1


def _forked_child(out: multiprocessing.Queue) -> None:
    with pareto.quadrature_threads(3):
        value, ident = pareto._by_rows(_slow_blocks(), np.arange(20_000.0), np.zeros(20_000))
    out.put((value.tolist(), len(np.unique(ident))))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_a_child_forked_after_the_pool_started_runs_its_blocks():
    a = np.arange(5000.0)
    with pareto.quadrature_threads(3):
        pareto._by_rows(_slow_blocks(0.001), a, np.zeros(5000))  # 5 blocks
    assert pareto._POOL is not None  # its helper threads are not in a fork's copy of it
    fork = multiprocessing.get_context("fork")
    out = fork.Queue()
    child = fork.Process(target=_forked_child, args=(out,))
    child.start()
    try:
        value, threads = out.get(timeout=60)
    except queue.Empty:
        pytest.fail("the forked child did not finish its blocks in 60 s")
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
    assert child.exitcode == 0 and value == (np.arange(20_000.0) * 3.0).tolist()
    assert threads > 1  # a pool of its own: the copy's helpers would never start


@pytest.fixture(scope="module")
def summary(cdnow_weekly_summary) -> pd.DataFrame:
    return cdnow_weekly_summary.copy()


@pytest.mark.parametrize(("cores", "n_jobs", "limit"), [(2, 1, None), (2, 2, 1), (4, 2, 2)])
def test_bootstrap_refits_in_processes_share_the_cores(summary, monkeypatch, cores, n_jobs,
                                                       limit):
    from joblib import parallel_config

    monkeypatch.setattr(bootstrap, "usable_cores", lambda: cores)
    limits: list[int | None] = []
    real = bootstrap.quadrature_threads

    def spy(limit: int | None):
        limits.append(limit)
        return real(limit)

    monkeypatch.setattr(bootstrap, "quadrature_threads", spy)
    with parallel_config(backend="threading"):  # the refits in this process, seen by the spy
        boot = bootstrap.ValueBootstrap("pareto", n_refits=4, progress=False,
                                        n_jobs=n_jobs).fit(summary)
    assert boot.n_jobs_ == n_jobs
    assert limits == [limit] * 4  # one process: all cores; n processes: a share each
