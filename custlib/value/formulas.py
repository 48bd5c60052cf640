"""Closed-form likelihoods and predictions of the value models, in log space where it matters.

Per-customer log-likelihoods of BG/NBD, MBG/NBD and Pareto/NBD, their factored forms with
analytic gradients (fitted on distinct (frequency, recency, T) patterns weighted by
counts), P(alive) and expected purchases: the published closed forms, and log-space or
quadrature forms that stay finite on extreme patterns. Then the Gamma-Gamma spend model:
its likelihood with gradient and the conditional expected spend. Everything is numpy and
scipy; lifetimes is only the reference of the tests. Used by
:class:`custlib.value.purchase.BTYDModel` and :class:`custlib.value.spend.GammaGammaModel`;
tested against high-precision values (``tests/test_btyd_numerics.py``) and lifetimes
(``tests/test_btyd.py``).

References
----------
Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your customers" the easy
way: An alternative to the Pareto/NBD model. *Marketing Science*, 24(2), 275-284.
Fader, P. S., & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and
related expressions. http://brucehardie.com/notes/009/
Batislam, E. P., Denizel, M., & Filiztekin, A. (2007). Empirical validation and
comparison of models for customer base analysis. *International Journal of Research in
Marketing*, 24(3), 201-209.
Fader, P. S., & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
http://brucehardie.com/notes/025/
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.integrate import quad
from scipy.special import betaln, expit, gammaln, hyp2f1, psi, roots_jacobi

# --- log-likelihoods: per customer, and factored with gradients for fitting -------------


def _bgnbd_ll(params: np.ndarray, x: np.ndarray, tx: np.ndarray,
              T: np.ndarray) -> np.ndarray:
    """BG/NBD log-likelihood of each customer (Fader, Hardie & Lee 2005, eq. 6)."""
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx)
    a4 = np.where(x > 0, a4, -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


def _mbgnbd_ll(params: np.ndarray, x: np.ndarray, tx: np.ndarray,
               T: np.ndarray) -> np.ndarray:
    """MBG/NBD log-likelihood of each customer (Batislam et al. 2007)."""
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return a1 + a2 + a3 + np.logaddexp(a4, 0.0)


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


def _log_power_integral(A: np.ndarray, B: np.ndarray, hi: float | np.ndarray,
                        lo: float | np.ndarray, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """``log int_t0^t1 (hi + u)^-A (lo + u)^-B du``, by quadrature.

    For ``A, B > 0``, ``A + B > 1``, ``0 <= lo < hi`` and ``t0 < t1``. In ``lambda =
    log(lo + u)`` the log-integrand ``psi = (1 - B) lambda - A log(hi - lo + e^lambda)``
    is concave and analytic in a strip of half-width pi. The range is cut
    where either factor alone has fallen by ``e^-100`` (the rest is below rounding); the
    slope ``sigma`` of ``psi`` at ``t0`` is taken out exactly by the substitution
    ``xi = (1 - e^(sigma (lambda - lambda_0))) / (1 - e^(sigma L))``, and what is left, a
    bounded function with at most a power-law end, is integrated by the tanh-sinh rule.
    Everything is summed in log space, so nothing overflows. Tested against mpmath at
    arguments ``z`` from 0.9 to ``1 - 1e-9`` (``tests/test_btyd_numerics.py``).
    """
    xi, xic, wk = _TANH_SINH
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
    v = (1.0 - B) * (np.log(e0) + off) - A * np.log(d + e0 * np.exp(off)) + log_jac
    top = v.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(v - top) @ wk[:, None]))[:, 0]


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
    rate = (r + x) * (beta + T) / (alpha + T)
    return _pareto_p_alive(params, x, tx, T) * rate * _power_gap(
        s - 1.0, np.log1p(t / (beta + T)))


def _pareto_expected_new(params: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Expected repeat purchases by ``t`` of a new customer (eq. 27), finite at s = 1."""
    r, alpha, s, beta = (float(v) for v in params)
    return r * beta / alpha * _power_gap(s - 1.0, np.log1p(np.asarray(t, float) / beta))


def _beta_mean_of_purchases(a: float, b_post: np.ndarray, k: np.ndarray, tau: np.ndarray,
                            nodes: int = 64) -> np.ndarray:
    """``E[(1 - (1 + p tau)^-k) / p]`` for ``p ~ Beta(a, b_post)``, by quadrature.

    Gauss-Jacobi, one rule per distinct ``b_post``. The integrand is smooth, positive and
    bounded by ``k tau``, so the result is finite for every pattern.
    """
    b_post, k, tau = (np.atleast_1d(v) for v in np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (b_post, k, tau))))
    out = np.empty(b_post.shape)
    for bp in np.unique(b_post):
        rows = b_post == bp
        # weight (1 - u)^(bp - 1) (1 + u)^(a - 1) on [-1, 1], with p = (1 + u) / 2
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the rule overflows for very large b_post
            u, wq = roots_jacobi(nodes, bp - 1.0, a - 1.0)
            p = (1.0 + u) / 2.0
            wq = wq / wq.sum()
            kk, tt = k[rows][:, None], tau[rows][:, None]
            h = -np.expm1(-kk * np.log1p(p[None, :] * tt)) / p[None, :]
            out[rows] = h @ wq
    for bp in np.unique(b_post[~np.isfinite(out)]):  # the Jacobi rule overflowed
        rows = (b_post == bp) & ~np.isfinite(out)
        out[rows] = _beta_mean_large_b(a, float(bp), k[rows], tau[rows], nodes)
        if not np.isfinite(out[rows]).all():  # a and b both large: p nearly fixed
            out[rows] = _beta_mean_concentrated(a, float(bp), k[rows], tau[rows], nodes)
    for i in np.flatnonzero(~np.isfinite(out)):  # very long histories: adaptive quadrature
        out[i] = _beta_mean_quad(a, float(b_post[i]), float(k[i]), float(tau[i]))
    return out


def _beta_mean_large_b(a: float, b_post: float, k: np.ndarray, tau: np.ndarray,
                       nodes: int = 64) -> np.ndarray:
    """The same mean for a large ``b_post`` (the Jacobi rule overflows from about 3,000).

    With ``x = p b_post`` the density of ``x`` is ``x^(a-1) e^-x`` (generalised
    Gauss-Laguerre) times the smooth ratio ``(1 - x / b_post)^(b_post - 1) e^x``; the
    weights are normalised, so the rule is exact for the mean of a constant. NaN where it
    does not apply (``b_post`` below 500, where the nodes would reach past ``x = b_post``):
    the adaptive quadrature takes those.
    """
    from scipy.special import roots_genlaguerre

    if b_post < 500.0 or a > 0.01 * b_post:  # p's mean above 1 %: the ratio is not smooth
        return np.full(len(k), np.nan)
    x, w = roots_genlaguerre(nodes, a - 1.0)
    if x.max() >= b_post:
        return np.full(len(k), np.nan)
    log_ratio = (b_post - 1.0) * np.log1p(-x / b_post) + x
    wq = w * np.exp(log_ratio - log_ratio.max())
    wq = wq / wq.sum()
    p = x / b_post
    h = -np.expm1(-k[:, None] * np.log1p(p[None, :] * tau[:, None])) / p[None, :]
    return np.asarray(h @ wq)


def _beta_mean_concentrated(a: float, b_post: float, k: np.ndarray, tau: np.ndarray,
                            nodes: int = 64) -> np.ndarray:
    """The same mean when ``Beta(a, b_post)`` is narrow (``a`` and ``b_post`` both large).

    Gauss-Hermite nodes around the mean, ``p = mu + sigma z``, weighted by the Beta
    density over the normal one and normalised. NaN when a node would leave (0, 1): the
    adaptive quadrature takes those.
    """
    from scipy.special import roots_hermitenorm

    n = a + b_post
    mu, sigma = a / n, np.sqrt(a * b_post / (n * n * (n + 1.0)))
    z, w = roots_hermitenorm(nodes)
    p = mu + sigma * z
    if p.min() <= 0.0 or p.max() >= 1.0:
        return np.full(len(k), np.nan)
    log_ratio = (a - 1.0) * np.log(p) + (b_post - 1.0) * np.log1p(-p) + z * z / 2.0
    wq = w * np.exp(log_ratio - log_ratio.max())
    wq = wq / wq.sum()
    h = -np.expm1(-k[:, None] * np.log1p(p[None, :] * tau[:, None])) / p[None, :]
    return np.asarray(h @ wq)


def _beta_mean_quad(a: float, b_post: float, k: float, tau: float) -> float:
    """The same mean by adaptive quadrature around the mode of ``Beta(a, b_post)``."""
    log_norm = betaln(a, b_post)

    def f(p: float) -> float:
        if p <= 0.0 or p >= 1.0:
            return 0.0
        dens = np.exp((a - 1) * np.log(p) + (b_post - 1) * np.log1p(-p) - log_norm)
        return float(dens * -np.expm1(-k * np.log1p(p * tau)) / p)

    centre = a / (a + b_post)
    spread = min(np.sqrt(a * b_post / ((a + b_post) ** 2 * (a + b_post + 1))), 0.5)
    cuts = sorted({0.0, *(min(max(centre + j * spread, 0.0), 1.0)
                          for j in (-8, -2, 0, 2, 8, 40)), 1.0})
    return float(sum(quad(f, lo, hi, epsabs=0.0, epsrel=1e-12, limit=200)[0]
                     for lo, hi in zip(cuts[:-1], cuts[1:]) if hi > lo))


def _bg_p_alive(model: str, params: np.ndarray, x: np.ndarray, tx: np.ndarray,
                T: np.ndarray) -> np.ndarray:
    """BG/NBD or MBG/NBD P(alive) as ``1 / (1 + exp(log odds))``."""
    r, alpha, a, b = (float(v) for v in params)
    x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T)))
    log_odds = (np.log(a) - np.log(b + np.maximum(x, 1.0) - 1.0) if model == "bgnbd"
                else np.log(a) - np.log(b + x)) + (r + x) * (np.log(alpha + T)
                                                             - np.log(alpha + tx))
    if model == "bgnbd":
        log_odds = np.where(x > 0, log_odds, -np.inf)
    return expit(-log_odds)


def _bg_expected(model: str, params: np.ndarray, t: np.ndarray, x: np.ndarray,
                 tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """BG/NBD or MBG/NBD expected purchases in the next ``t`` periods, finite everywhere.

    FHL 2005, eq. 10, or Batislam et al. 2007, as P(alive) times the mean over the
    posterior drop-out probability of an alive customer, ``Beta(a, b + x)`` (MBG/NBD:
    ``b + x + 1``): the fallback where the closed forms with ``2F1`` overflow.
    """
    r, alpha, a, b = (float(v) for v in params)
    x, tx, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T, t)))
    alive = _bg_p_alive(model, params, x, tx, T)
    b_post = b + x if model == "bgnbd" else b + x + 1.0
    return alive * _beta_mean_of_purchases(a, b_post, r + x, t / (alpha + T))


# --- BG/NBD and MBG/NBD predictions in closed form ----------------------------------------
# The published formulas, evaluated in the order of operations of lifetimes (the reference
# of the tests), so that the numbers are lifetimes' to the last bit. ``2F1`` may overflow
# on very long histories: the model then falls back on _bg_p_alive and _bg_expected.

def _bg_closed_p_alive(model: str, params: np.ndarray, x: np.ndarray, tx: np.ndarray,
                       T: np.ndarray) -> np.ndarray:
    """P(alive) of BG/NBD (Fader, Hardie & Lee 2008, note 021) or MBG/NBD.

    MBG/NBD: Batislam et al. (2007), appendix A, eq. 5. BG/NBD customers without a repeat
    purchase are alive (they can only leave after a purchase).
    """
    r, alpha, a, b = (float(v) for v in params)
    if model == "bgnbd":
        log_div = (r + x) * np.log((alpha + T) / (alpha + tx)) + np.log(
            a / (b + np.maximum(x, 1) - 1))
        return np.where(x == 0, 1.0, expit(-log_div))
    return 1.0 / (1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x))


def _bg_closed_expected(model: str, params: np.ndarray, t: np.ndarray, x: np.ndarray,
                        tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Expected purchases in the next ``t`` periods (FHL 2005, eq. 10; MBG/NBD analogue).

    BG/NBD takes ``2F1`` through Euler's transformation where it overflows, as lifetimes
    does; MBG/NBD follows Wagner & Hoppe (2008).
    """
    r, alpha, a, b = (float(v) for v in params)
    if model == "bgnbd":
        ha, hb, hc = r + x, b + x, a + b + x - 1
        z = t / (alpha + T + t)
        ln_hyp = np.log(hyp2f1(ha, hb, hc, z))
        ln_hyp_alt = np.log(hyp2f1(hc - ha, hc - hb, hc, z)) + (hc - ha - hb) * np.log(1 - z)
        ln_hyp = np.where(np.isinf(ln_hyp), ln_hyp_alt, ln_hyp)
        numerator = (a + b + x - 1) / (a - 1) * (
            1 - np.exp(ln_hyp + (r + x) * np.log((alpha + T) / (alpha + t + T))))
        return numerator / (1 + (x > 0) * (a / (b + x - 1))
                            * ((alpha + T) / (alpha + tx)) ** (r + x))
    hyp = hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t))
    numerator = (a + b + x) / (a - 1) * (1 - hyp * ((alpha + T) / (alpha + t + T)) ** (r + x))
    return numerator / (1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x))


def _bg_expected_new(model: str, params: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Expected repeat purchases by ``t`` of a new customer (FHL 2005, eq. 9; MBG/NBD)."""
    r, alpha, a, b = (float(v) for v in params)
    if model == "bgnbd":
        hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)
    hyp = hyp2f1(r, b + 1, a + b, t / (alpha + t))
    return b / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)


_OWN_LL = {"bgnbd": _bgnbd_ll, "mbgnbd": _mbgnbd_ll, "pareto": _pareto_ll}


class _Patterns:
    """Distinct values of x, t_x and T with inverse indices.

    Every special function is then evaluated once per distinct value, and terms of x alone
    are summed by weight before they are computed.
    """

    def __init__(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray) -> None:
        self.ux, self.ix = np.unique(x, return_inverse=True)
        self.ut, self.it = np.unique(tx, return_inverse=True)
        self.uT, self.iT = np.unique(T, return_inverse=True)
        self.w = w
        self.wx = np.bincount(self.ix, weights=w, minlength=len(self.ux))
        self.x = x
        self.rep = x > 0
        self.wsum = float(w.sum())


def _objective_bgnbd(logp: np.ndarray, d: _Patterns) -> tuple[float, np.ndarray]:
    """Total BG/NBD log-likelihood and its gradient in log-parameters, factored."""
    r, alpha, a, b = np.exp(logp)
    ux, x, w = d.ux, d.x, d.w
    bx = b + np.maximum(ux, 1) - 1
    c_x = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + gammaln(a + b) + \
        gammaln(b + ux) - gammaln(b) - gammaln(a + b + ux)
    la_T = np.log(alpha + d.uT)[d.iT]
    la_t = np.log(alpha + d.ut)[d.it]
    rx = r + x
    a3 = -rx * la_T
    a4 = (np.log(a) - np.log(bx))[d.ix] - rx * la_t
    m = np.where(d.rep, np.maximum(a3, a4), a3)
    e3 = np.exp(a3 - m)
    e4 = np.where(d.rep, np.exp(a4 - m), 0.0)
    tot = e3 + e4
    ll = float(d.wx @ c_x + w @ (np.log(tot) + m))
    w3 = w * e3 / tot
    w4 = w - w3
    g_r = d.wx @ (psi(r + ux) - psi(r) + np.log(alpha)) - w3 @ la_T - w4 @ la_t
    g_alpha = d.wsum * r / alpha - (w3 * rx) @ (1 / (alpha + d.uT))[d.iT] - \
        (w4 * rx) @ (1 / (alpha + d.ut))[d.it]
    g_a = d.wx @ (psi(a + b) - psi(a + b + ux)) + w4.sum() / a
    g_b = d.wx @ (psi(a + b) + psi(b + ux) - psi(b) - psi(a + b + ux)) - \
        w4 @ (1 / bx)[d.ix]
    return ll, np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])


def _objective_mbgnbd(logp: np.ndarray, d: _Patterns) -> tuple[float, np.ndarray]:
    """Total MBG/NBD log-likelihood and its gradient in log-parameters, factored."""
    r, alpha, a, b = np.exp(logp)
    ux, x, w = d.ux, d.x, d.w
    c_x = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + gammaln(a + b) + \
        gammaln(b + ux + 1) - gammaln(b) - gammaln(a + b + ux + 1)
    la_T = np.log(alpha + d.uT)[d.iT]
    la_t = np.log(alpha + d.ut)[d.it]
    rx = r + x
    a4 = (np.log(a) - np.log(b + ux))[d.ix] + rx * (la_T - la_t)
    ll = float(d.wx @ c_x + w @ (-rx * la_T + np.logaddexp(a4, 0.0)))
    ws = w * 0.5 * (1.0 + np.tanh(0.5 * a4))  # weight x sigmoid(a4)
    inv_T = (1 / (alpha + d.uT))[d.iT]
    inv_t = (1 / (alpha + d.ut))[d.it]
    g_r = d.wx @ (psi(r + ux) - psi(r) + np.log(alpha)) - w @ la_T + ws @ (la_T - la_t)
    g_alpha = d.wsum * r / alpha - (w * rx) @ inv_T + (ws * rx) @ (inv_T - inv_t)
    g_a = d.wx @ (psi(a + b) - psi(a + b + ux + 1)) + ws.sum() / a
    g_b = d.wx @ (psi(a + b) + psi(b + ux + 1) - psi(b) - psi(a + b + ux + 1)) - \
        ws @ (1 / (b + ux))[d.ix]
    return ll, np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])


_OBJECTIVES = {"bgnbd": _objective_bgnbd, "mbgnbd": _objective_mbgnbd}


# --- Gamma-Gamma spend (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value") ---

def _gg_ll(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Log-likelihood of each repeat buyer's average spend ``m`` over ``x`` purchases (eq. 1a).

    Spend per purchase is gamma with shape ``p`` and a rate that varies across customers as
    gamma(``q``, ``v``).
    """
    p, q, v = params
    return (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v)
            + (p * x - 1) * np.log(m) + (p * x) * np.log(x) - (p * x + q) * np.log(x * m + v))


def _gg_objective(logp: np.ndarray, x: np.ndarray, m: np.ndarray, w: np.ndarray,
                  penalizer: float) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood plus an L2 penalty, and its gradient in log-parameters.

    lifetimes' objective for ``GammaGammaFitter`` (weights ``w`` count the customers of
    each (frequency, spend) pattern).
    """
    params = np.exp(logp)
    p, q, v = params
    value = -(_gg_ll(params, x, m) * w).sum() / w.sum() + penalizer * sum(params ** 2)
    px, log_xmv = p * x, np.log(x * m + v)
    d_p = x * (psi(px + q) - psi(px) + np.log(m) + np.log(x) - log_xmv)
    d_q = psi(px + q) - psi(q) + np.log(v) - log_xmv
    d_v = q / v - (px + q) / (x * m + v)
    grad = -np.array([(w * d_p).sum() * p, (w * d_q).sum() * q, (w * d_v).sum() * v]) \
        / w.sum() + penalizer * 2 * params ** 2
    return float(value), grad


def _gg_expected_spend(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Expected spend per purchase given ``x`` repeat purchases of mean ``m`` (eq. 5).

    A weighted average of the customer's own mean and the population mean
    ``p v / (q - 1)``; with ``x = 0``, the population mean.
    """
    p, q, v = params
    return (p * (v + x * m)) / (p * x + q - 1)
