"""Pareto/NBD in log space: the likelihood, P(alive), expected purchases and the fit's objective.

``A_0``, the term of the likelihood that integrates over the unobserved time of death, is
summed as a positive-term series where it converges fast and integrated by a tanh-sinh rule
close to ``z = 1`` (:func:`_pareto_log_a0`). For fitting, :func:`_objective_pareto` gives the
total log-likelihood of the weighted distinct patterns *and its gradient* from one
quadrature: the derivatives of the integral are moments of its own integrand, so a
gradient costs one evaluation instead of the eight of central differences. The quadrature
runs its blocks of rows on the usable cores (:func:`_by_rows`; :func:`quadrature_threads`
limits them), with the same result, bit for bit, on any number of threads.

References
----------
Fader, P. S., & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and
related expressions. http://brucehardie.com/notes/009/
Schmittlein, D. C., Morrison, D. G., & Colombo, R. (1987). Counting your customers: who
are they and what will they do next? *Management Science*, 33(1), 1-24.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.special import expit, gammaln, psi

if TYPE_CHECKING:
    from custlib.value.formulas import _Patterns

# --- Pareto/NBD in log space (Fader & Hardie 2005, "A note on deriving the Pareto/NBD
# model and related expressions", eqs. 18-22, 36-41) ----------------------------------------

def _log1mexp(u: np.ndarray) -> np.ndarray:
    """``log(1 - exp(u))`` for ``u <= 0``, accurate at both ends (-inf at ``u = 0``)."""
    u = np.minimum(u, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(u > -0.6931471805599453, np.log(-np.expm1(u)), np.log1p(-np.exp(u)))


def _log_series_1(p: np.ndarray, c: np.ndarray, z: np.ndarray,
                  max_terms: int = 2_000_000) -> np.ndarray:
    """``log 2F1(1, p; c; z) = log sum_n (p)_n / (c)_n z^n`` for ``0 < p < c``, ``0 <= z < 1``.

    Every term is positive and each ratio ``(p + n) / (c + n) z`` is below ``z``: the terms
    are summed chunk by chunk relative to the last term of the previous chunk (products of
    ratios below 1, which cannot overflow), the running sum is kept in log space, and the
    sum stops when the geometric bound of the tail is below 1e-17 of the sum.
    """
    p, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (p, c, z)))
    p, c, z = p.ravel(), c.ravel(), z.ravel()
    log_sum = np.zeros(len(z))
    log_term = np.zeros(len(z))
    active = z > 0
    if not active.any():
        return log_sum
    with np.errstate(divide="ignore"):
        log_z = np.log(z)
        tail_factor = log_z - np.log1p(-z)
    start, chunk = 0, 24  # most sums end within the first chunk; long ones grow it
    while active.any() and start < max_terms:
        idx = np.flatnonzero(active)
        n = start + np.arange(chunk, dtype=float)
        rel = np.cumprod((p[idx, None] + n) / (c[idx, None] + n) * z[idx, None], axis=1)
        with np.errstate(divide="ignore"):
            log_sum[idx] = np.logaddexp(log_sum[idx], log_term[idx] + np.log(rel.sum(axis=1)))
            log_term[idx] = log_term[idx] + np.log(rel[:, -1])
        active[idx] = log_term[idx] + tail_factor[idx] > log_sum[idx] - 40.0
        start += chunk
        chunk = min(chunk * 2, 8192)
    return log_sum


#: above this argument ``z`` at ``t_x``, ``A_0`` is integrated instead of summed: the
#: series needs about ``40 / (1 - z)`` terms (hundreds of thousands when one scale parameter
#: runs away from the other), the quadrature a fixed number of nodes.
_SERIES_MAX_Z = 0.9


def _tanh_sinh_rule(step: float = 1 / 12, t_max: float = 3.5) -> tuple[np.ndarray, ...]:
    """Nodes ``xi``, ``1 - xi`` and weights of the tanh-sinh rule on ``[0, 1]``.

    The double exponential rule is exact to rounding for functions analytic inside the
    interval, even with power-law behaviour at its ends.
    """
    t = np.arange(-t_max, t_max + step / 2, step)
    u = np.pi / 2 * np.sinh(t)
    xi, xic = expit(2 * u), expit(-2 * u)
    w = step * np.pi / 4 * np.cosh(t) / np.cosh(u) ** 2
    keep = (xi > 0) & (xic > 0) & (w > 0)
    return xi[keep], xic[keep], w[keep]


_TANH_SINH = _tanh_sinh_rule()


#: integrals per block of the quadrature: a block's arrays (rows x nodes) stay in the CPU's
#: cache, which makes a likelihood of 180,000 patterns about 5 times faster than one block
_BLOCK_ROWS = 1024

#: threads the blocks of :func:`_by_rows` run on, at most (the caller's thread included)
_MAX_THREADS = 8

#: the limit of :func:`quadrature_threads` in force in this context (None: no limit set)
_THREAD_LIMIT: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "custlib_quadrature_threads", default=None)

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def usable_cores() -> int:
    """The cores this process may run on.

    Returns
    -------
    int
        Its CPU affinity's cores where the system has one (a container or ``taskset`` may
        give fewer than the machine has), else the machine's.
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no sched_getaffinity: macOS, Windows
        return os.cpu_count() or 1


@contextmanager
def quadrature_threads(limit: int | None) -> Iterator[None]:
    """A context in which the Pareto/NBD quadrature runs on at most ``limit`` threads.

    Outside one, it runs on the usable cores (:func:`usable_cores`), at most
    :data:`_MAX_THREADS`. Processes that already share the cores among themselves (the
    bootstrap's refits) set their share; the results are the same, bit for bit, on any
    number of threads.

    Parameters
    ----------
    limit : int or None
        Threads, at least 1; None: the default.

    Yields
    ------
    None
    """
    token = _THREAD_LIMIT.set(None if limit is None else max(1, int(limit)))
    try:
        yield
    finally:
        _THREAD_LIMIT.reset(token)


#: Environment variable with the default limit of a process's quadrature threads: a batch
#: run's groups run side by side and set their share of the cores.
THREADS_ENV = "CUSTLIB_THREADS"


def _threads() -> int:
    """Threads :func:`_by_rows` may run on here.

    The context's limit (:func:`quadrature_threads`), else :data:`THREADS_ENV` where it is
    a whole number of at least 1, else the usable cores; at most :data:`_MAX_THREADS`.
    """
    limit = _THREAD_LIMIT.get()
    if limit is None:
        try:
            limit = int(os.environ.get(THREADS_ENV, "").strip())
        except ValueError:  # unset or not a whole number: the default
            limit = 0
        limit = limit if limit >= 1 else usable_cores()
    return min(limit, _MAX_THREADS)


def _pool() -> ThreadPoolExecutor:
    """The module's pool of helper threads, created on first use.

    One pool for the process, not one per call: the objective is evaluated 30 to 100 times
    per fit. It has ``_MAX_THREADS - 1`` workers at most, started only as blocks are handed
    to them; the calling thread is the last one.
    """
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=_MAX_THREADS - 1,
                                       thread_name_prefix="custlib-quadrature")
        return _POOL


def _forget_pool() -> None:
    """Drop the pool in a forked child, whose copy of it has no threads."""
    global _POOL, _POOL_LOCK
    # the copy's helper threads do not exist here (blocks handed to it would never start,
    # and the caller would do them all alone), and another thread may have held the lock
    # at the fork: both are made afresh
    _POOL, _POOL_LOCK = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _by_rows(fn: Any, *arrays: Any) -> tuple[np.ndarray, ...]:
    """``fn`` on blocks of :data:`_BLOCK_ROWS` rows of the broadcast ``arrays``, joined.

    Every row is computed on its own, so the result is the same, bit for bit, as one call.
    The blocks run on up to :func:`_threads` threads (numpy releases the GIL in the
    ufuncs on a block's arrays): the calling thread and helpers of the module's pool each
    take the next block not yet taken, and the outputs are joined in the order of the rows.
    """
    cols = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, dtype=float)) for a in arrays))
    n = len(cols[0])
    if n <= _BLOCK_ROWS:
        return tuple(fn(*cols))
    starts = range(0, n, _BLOCK_ROWS)
    parts: list[Any] = [None] * len(starts)
    taken = iter(range(len(starts)))
    taken_lock = threading.Lock()

    def work() -> None:
        while True:
            with taken_lock:
                k = next(taken, None)
            if k is None:
                return
            try:
                parts[k] = fn(*(c[starts[k]:starts[k] + _BLOCK_ROWS] for c in cols))
            except BaseException:
                with taken_lock:
                    for _ in taken:  # the other threads stop after their current block
                        pass
                raise

    # each helper runs in a copy of this context, which holds numpy's error state (the fit
    # ignores overflow; a helper in a fresh context would warn)
    helpers: list[Future[None]] = [_pool().submit(contextvars.copy_context().run, work)
                                   for _ in range(min(_threads(), len(starts)) - 1)]
    try:
        work()
    finally:
        # a helper not started yet (the pool busy with another caller's blocks) has no block
        # left: only started ones are waited for, so this call cannot wait on a queue
        for h in helpers:
            h.cancel()
        failed = [e for h in helpers if not h.cancelled() and (e := h.exception()) is not None]
    if failed:
        raise failed[0]
    return tuple(np.concatenate(p) for p in zip(*parts))


def _power_nodes(A: np.ndarray, B: np.ndarray, hi: float | np.ndarray,
                 lo: float | np.ndarray, t0: np.ndarray,
                 t1: np.ndarray) -> tuple[np.ndarray, ...]:
    """The tanh-sinh nodes of ``int_t0^t1 (hi + u)^-A (lo + u)^-B du``, one row per integral.

    Returns ``(v, log_lo, log_hi, lo_u, hi_u)``: the log of integrand times Jacobian at each
    node, and ``log(lo + u)``, ``log(hi + u)``, ``lo + u``, ``hi + u`` there. The integral is
    ``sum_k wk exp(v_k)``; see :func:`_log_power_integral` for the substitution.
    """
    xi, xic, _ = _TANH_SINH
    A, B, hi, lo, t0, t1 = (v[:, None] for v in np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, dtype=float)) for v in (A, B, hi, lo, t0, t1))))
    d = hi - lo
    e0 = lo + t0
    with np.errstate(over="ignore"):
        cut = t0 + np.minimum((hi + t0) * np.expm1(100.0 / A), e0 * np.expm1(100.0 / B))
    length = np.log1p((np.minimum(t1, cut) - t0) / e0)  # of the range of lambda
    sigma = np.minimum((1.0 - B) - A * e0 / (hi + t0), 0.0)
    s_len = sigma * length
    bent = s_len < -1e-300
    s_safe = np.where(bent, sigma, -1.0)
    log_q = np.where(bent, np.log(xic + xi * np.exp(s_len)), 0.0)  # log(1 + xi expm1(sL))
    off = np.where(bent, log_q / s_safe, xi * length)  # lambda - lambda_0
    log_jac = np.where(bent, np.log(np.where(bent, np.expm1(s_len) / s_safe, 1.0)) - log_q,
                       np.log(length))
    lo_u = e0 * np.exp(off)
    log_lo, hi_u = np.log(e0) + off, d + lo_u
    log_hi = np.log(hi_u)
    return (1.0 - B) * log_lo - A * log_hi + log_jac, log_lo, log_hi, lo_u, hi_u


def _log_power_integral(A: np.ndarray, B: np.ndarray, hi: float | np.ndarray,
                        lo: float | np.ndarray, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """``log int_t0^t1 (hi + u)^-A (lo + u)^-B du``, by quadrature.

    For ``A, B > 0``, ``A + B > 1``, ``0 <= lo <= hi`` and ``t0 < t1``. In ``lambda =
    log(lo + u)`` the log-integrand ``psi = (1 - B) lambda - A log(hi - lo + e^lambda)``
    is concave and analytic in a strip of half-width pi. The range is cut
    where either factor alone has fallen by ``e^-100`` (the rest is below rounding); the
    slope ``sigma`` of ``psi`` at ``t0`` is taken out exactly by the substitution
    ``xi = (1 - e^(sigma (lambda - lambda_0))) / (1 - e^(sigma L))``, and what is left, a
    bounded function with at most a power-law end, is integrated by the tanh-sinh rule.
    Everything is summed in log space, so nothing overflows. Tested against mpmath at
    arguments ``z`` from 0.9 to ``1 - 1e-9`` (``tests/test_btyd_numerics.py``).
    """
    def one(*args: np.ndarray) -> tuple[np.ndarray]:
        v = _power_nodes(*args)[0]
        top = v.max(axis=1, keepdims=True)
        return ((top + np.log(np.exp(v - top) @ _TANH_SINH[2][:, None]))[:, 0],)

    return _by_rows(one, A, B, hi, lo, t0, t1)[0]


def _power_moments(A: np.ndarray, B: np.ndarray, hi: float, lo: float, t0: np.ndarray,
                   t1: np.ndarray) -> tuple[np.ndarray, ...]:
    """The integral of :func:`_log_power_integral` and what its derivatives need.

    Returns ``log I`` and the means, under the integrand normalised to 1, of
    ``log(hi + u)``, ``log(lo + u)``, ``1 / (hi + u)`` and ``1 / (lo + u)``:
    ``d log I / dA = -E[log(hi + u)]``, ``d log I / dhi = -A E[1 / (hi + u)]``, and the same
    for ``B`` and ``lo``. One set of nodes gives all five.
    """
    def one(*args: np.ndarray) -> tuple[np.ndarray, ...]:
        v, log_lo, log_hi, lo_u, hi_u = _power_nodes(*args)
        top = v.max(axis=1, keepdims=True)
        p = np.exp(v - top) * _TANH_SINH[2]
        total = p.sum(axis=1)
        p /= total[:, None]
        return (top[:, 0] + np.log(total), (p * log_hi).sum(axis=1),
                (p * log_lo).sum(axis=1), (p / hi_u).sum(axis=1), (p / lo_u).sum(axis=1))

    return _by_rows(one, A, B, hi, lo, t0, t1)


def _pareto_log_a0(params: np.ndarray, x: np.ndarray, tx: np.ndarray,
                   T: np.ndarray) -> np.ndarray:
    """``log A_0`` of the Pareto/NBD likelihood (Fader & Hardie 2005, eqs. 19-20).

    ``A_0 = F(t_x) - F(T)`` with ``F(y) = 2F1(a, b; a + 1; d / (m + y)) / (m + y)^a``,
    ``a = r + s + x``, ``m = max(alpha, beta)``, ``d = |alpha - beta|`` and ``b = s + 1``
    when ``alpha >= beta``, ``r + x`` otherwise. When ``z = d / (m + t_x) <= 0.9`` the
    hypergeometric function is taken through Euler's transformation, ``2F1(a, b; a + 1; z)
    = (1 - z)^(1 - b) 2F1(1, a + 1 - b; a + 1; z)``, whose series has positive terms, and
    the difference is formed as ``F(t_x) (1 - F(T) / F(t_x))`` with the ratio computed from
    ``T - t_x`` directly, so that nothing cancels or overflows. Closer to ``z = 1``, where
    the series needs ~``40 / (1 - z)`` terms, ``A_0`` is integrated:
    ``A_0 = a int_tx^T (m + u)^-(a + 1 - b) (m - d + u)^-b du`` (the likelihood's own
    integral over the time of death; :func:`_log_power_integral`). ``-inf`` when
    ``t_x = T``.
    """
    r, alpha, s, beta = (float(v) for v in params)
    x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T)))
    shape = x.shape
    x, tx, T = x.ravel(), tx.ravel(), T.ravel()
    a = r + s + x
    hi, lo = max(alpha, beta), min(alpha, beta)
    b = np.full_like(x, s + 1.0) if alpha >= beta else r + x
    d = hi - lo
    gap = T - tx
    out = np.full(x.shape, -np.inf)
    near = (d / (hi + tx) > _SERIES_MAX_Z) & (gap > 0)
    far = (gap > 0) & ~near
    if near.any():
        out[near] = np.log(a[near]) + _log_power_integral(
            (a + 1.0 - b)[near], b[near], hi, lo, tx[near], T[near])
    if far.any():
        out[far] = _pareto_log_a0_series(a[far], b[far], hi, lo, d, tx[far], T[far])
    return out.reshape(shape)


def _pareto_log_a0_series(a: np.ndarray, b: np.ndarray, hi: float, lo: float, d: float,
                          tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """``log A_0`` by the positive-term series (see :func:`_pareto_log_a0`)."""
    c = a + 1.0
    ys = np.concatenate([tx, T])
    log_s = _log_series_1(np.concatenate([c - b] * 2), np.concatenate([c] * 2), d / (hi + ys))
    s_tx, s_T = log_s[:tx.size], log_s[tx.size:]
    log_f_tx = -a * np.log(hi + tx) + (1.0 - b) * (np.log(lo + tx) - np.log(hi + tx)) + s_tx
    gap = T - tx
    diff = (-a * np.log1p(gap / (hi + tx))
            + (1.0 - b) * (np.log1p(gap / (lo + tx)) - np.log1p(gap / (hi + tx)))
            + s_T - s_tx)
    return np.where(gap > 0, log_f_tx + _log1mexp(diff), -np.inf)


def _pareto_ll(params: np.ndarray, x: np.ndarray, tx: np.ndarray,
               T: np.ndarray) -> np.ndarray:
    """Pareto/NBD log-likelihood of each customer (Fader & Hardie 2005, eq. 18)."""
    r, alpha, s, beta = (float(v) for v in params)
    first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    second = np.log(s) - np.log(r + s + x) + _pareto_log_a0(params, x, tx, T)
    return (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            + np.logaddexp(first, second))


def _pareto_log_odds_dead(params: np.ndarray, x: np.ndarray, tx: np.ndarray,
                          T: np.ndarray) -> np.ndarray:
    """``log(1 / P(alive) - 1)`` (Fader & Hardie 2005, eq. 36 rearranged)."""
    r, alpha, s, beta = (float(v) for v in params)
    return (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T)
            + s * np.log(beta + T) + _pareto_log_a0(params, x, tx, T))


def _pareto_p_alive(params: np.ndarray, x: np.ndarray, tx: np.ndarray,
                    T: np.ndarray) -> np.ndarray:
    """P(alive) of each customer under Pareto/NBD, as ``1 / (1 + exp(log odds))``."""
    return expit(-_pareto_log_odds_dead(params, x, tx, T))


def _power_gap(k: float, log_ratio: np.ndarray) -> np.ndarray:
    """``(1 - exp(-k L)) / k``, with its limit ``L`` at ``k = 0``."""
    if abs(k) < 1e-12:
        return np.asarray(log_ratio, dtype=float) * (1.0 - 0.5 * k * log_ratio)
    return -np.expm1(-k * log_ratio) / k


def _pareto_expected(params: np.ndarray, t: np.ndarray, x: np.ndarray, tx: np.ndarray,
                     T: np.ndarray) -> np.ndarray:
    """Expected purchases in the next ``t`` periods under Pareto/NBD (eq. 41).

    P(alive) times ``(r + x)(beta + T) / ((alpha + T)(s - 1)) [1 - ((beta + T)/(beta + T +
    t))^(s-1)]``.
    """
    r, alpha, s, beta = (float(v) for v in params)
    x, tx, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T, t)))
    rate = (r + x) * (beta + T) / (alpha + T)
    # P(alive) once per history: the same history is often asked at many horizons (CLV)
    frame = pd.DataFrame({"x": x.ravel(), "tx": tx.ravel(), "T": T.ravel()})
    codes = frame.groupby(["x", "tx", "T"], sort=False, dropna=False).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]  # each history's first row, by code
    alive = _pareto_p_alive(params, *frame.to_numpy()[first].T)[codes].reshape(x.shape)
    return alive * rate * _power_gap(
        s - 1.0, np.log1p(t / (beta + T)))


def _pareto_expected_new(params: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Expected repeat purchases by ``t`` of a new customer (eq. 27), finite at s = 1."""
    r, alpha, s, beta = (float(v) for v in params)
    return r * beta / alpha * _power_gap(s - 1.0, np.log1p(np.asarray(t, float) / beta))


def _objective_pareto(logp: np.ndarray, d: _Patterns) -> tuple[float, np.ndarray]:
    """Total Pareto/NBD log-likelihood and its gradient in log-parameters.

    With ``I = int_tx^T (alpha + u)^-(r + x) (beta + u)^-(s + 1) du`` (the same integral
    whichever of alpha and beta is larger), a customer's likelihood is
    ``Gamma(r + x) / Gamma(r) alpha^r beta^s [(alpha + T)^-(r + x) (beta + T)^-s + s I]``
    (Fader & Hardie 2005, eqs. 18-20 with ``A_0 = (r + s + x) I``). ``I`` is integrated for
    every pattern by the tanh-sinh rule of :func:`_log_power_integral`, and its derivatives
    are moments of the same nodes (:func:`_power_moments`).
    """
    r, alpha, s, beta = np.exp(logp)
    ux, x, w = d.ux, d.x, d.w
    tx, T = d.ut[d.it], d.uT[d.iT]
    rx = r + x
    la_T, lb_T = np.log(alpha + T), np.log(beta + T)
    first = -rx * la_T - s * lb_T
    gap = T > tx
    log_i = np.full(len(x), -np.inf)
    e_la, e_lb, e_ia, e_ib = (np.zeros(len(x)) for _ in range(4))
    if gap.any():
        a_first = alpha >= beta  # hi = alpha: A = r + x on (alpha + u), B = s + 1 on (beta + u)
        A, B = (rx[gap], np.full(gap.sum(), s + 1.0)) if a_first else \
            (np.full(gap.sum(), s + 1.0), rx[gap])
        log_i[gap], m_lhi, m_llo, m_ihi, m_ilo = _power_moments(
            A, B, max(alpha, beta), min(alpha, beta), tx[gap], T[gap])
        e_la[gap], e_lb[gap] = (m_lhi, m_llo) if a_first else (m_llo, m_lhi)
        e_ia[gap], e_ib[gap] = (m_ihi, m_ilo) if a_first else (m_ilo, m_ihi)
    second = np.log(s) + log_i
    top = np.maximum(first, second)
    e1, e2 = np.exp(first - top), np.exp(second - top)
    ll = float(d.wx @ (gammaln(r + ux) - gammaln(r)) + d.wsum * (r * np.log(alpha)
               + s * np.log(beta)) + w @ (np.log(e1 + e2) + top))
    w2 = w * e2 / (e1 + e2)
    w1 = w - w2
    g_r = d.wx @ (psi(r + ux) - psi(r)) + d.wsum * np.log(alpha) - w1 @ la_T - w2 @ e_la
    g_alpha = d.wsum * r / alpha - (w1 * rx) @ (1 / (alpha + T)) - (w2 * rx) @ e_ia
    g_s = d.wsum * np.log(beta) - w1 @ lb_T + w2.sum() / s - w2 @ e_lb
    g_beta = d.wsum * s / beta - s * w1 @ (1 / (beta + T)) - (s + 1.0) * w2 @ e_ib
    return ll, np.array([g_r * r, g_alpha * alpha, g_s * s, g_beta * beta])
