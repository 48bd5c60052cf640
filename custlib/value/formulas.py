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

from custlib.value.pareto import (  # noqa: F401  (Pareto/NBD lives in its own module)
    _log_power_integral,
    _objective_pareto,
    _pareto_expected,
    _pareto_expected_new,
    _pareto_ll,
    _pareto_log_a0,
    _pareto_log_odds_dead,
    _pareto_p_alive,
)

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
    with np.errstate(invalid="ignore", over="ignore"):
        wq = w * np.exp(log_ratio - log_ratio.max())
        wq = wq / wq.sum()
    if not np.all(np.isfinite(wq)):  # the rule's weights overflow for a large shape a
        return np.full(len(k), np.nan)
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


_OBJECTIVES = {"bgnbd": _objective_bgnbd, "mbgnbd": _objective_mbgnbd, "pareto": _objective_pareto}


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
