"""Bootstrap intervals of the predicted value: weights, estimate, determinism, width."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custlib.errors import DataError, ParameterError
from custlib.value import bootstrap, btyd, clv
from custlib.value.bootstrap import ValueBootstrap

REFITS = 30


@pytest.fixture(scope="module")
def summary(cdnow_weekly_summary) -> pd.DataFrame:
    return cdnow_weekly_summary.copy()


@pytest.fixture(scope="module")
def segments(summary) -> pd.Series:
    """Two segments: the repeat buyers and the one-time buyers."""
    return pd.Series(np.where(summary["frequency"] > 0, "repeat", "once"),
                     index=summary.index)


@pytest.fixture(scope="module")
def boot(summary, segments) -> ValueBootstrap:
    return ValueBootstrap("bgnbd", n_refits=REFITS, margin=0.3, random_state=1,
                          progress=False).fit(summary, segments)


def test_weighted_fits_equal_fits_on_repeated_rows(summary):
    """sample_weight k counts a row k times: the same parameters as the rows repeated."""
    part = summary.iloc[:300]
    weight = np.arange(300) % 3  # 0, 1, 2: some rows left out, some twice
    repeated = part.iloc[np.repeat(np.arange(300), weight)]
    for model in ("bgnbd", "mbgnbd"):
        a = btyd.BTYDModel(model).fit(part, sample_weight=weight).params_
        b = btyd.BTYDModel(model).fit(repeated).params_
        np.testing.assert_allclose(a, b, rtol=1e-9)
    a = btyd.GammaGammaModel().fit(part, sample_weight=weight)
    b = btyd.GammaGammaModel().fit(repeated)
    np.testing.assert_allclose(a.params_, b.params_, rtol=1e-9)
    assert a.n_customers_ == b.n_customers_ == int((repeated["frequency"] > 0).sum())
    assert a.correlation_ == pytest.approx(b.correlation_, rel=1e-9)


def test_bad_weights_are_refused(summary):
    with pytest.raises(ParameterError, match="sample_weight has 3 value"):
        btyd.BTYDModel().fit(summary, sample_weight=[1, 2, 3])
    with pytest.raises(ParameterError, match="not all 0"):
        btyd.GammaGammaModel().fit(summary, sample_weight=np.zeros(len(summary)))


def test_the_estimate_is_the_kits_clv(boot, summary, segments):
    purchase = btyd.BTYDModel("bgnbd").fit(summary)
    spend = btyd.GammaGammaModel().fit(summary)
    values = clv.clv(purchase, spend, summary, margin=0.3)["clv"]
    table = boot.intervals_
    assert list(table["scope"]) == ["total", "segment", "segment"]
    assert list(table["segment"]) == ["", "repeat", "once"]  # largest value first
    assert list(table["customers"]) == [len(summary), int((summary["frequency"] > 0).sum()),
                                        int((summary["frequency"] == 0).sum())]
    assert table["mid"].iloc[0] == pytest.approx(values.sum(), rel=1e-9)
    assert table["mid"].iloc[1] == pytest.approx(values[segments == "repeat"].sum(), rel=1e-9)
    assert boot.n_patterns_ < len(summary)


def test_the_interval_contains_the_estimate(boot):
    table = boot.intervals_
    assert (table["low"] < table["mid"]).all() and (table["mid"] < table["high"]).all()
    assert boot.failed_ == 0 and boot.failures_ == []
    assert len(boot.replicates_) == REFITS
    low, mid, high = boot.interval("once")
    assert (low, mid, high) == tuple(table.iloc[2][["low", "mid", "high"]])
    # the segments add up to the total in every refit
    np.testing.assert_allclose(boot.replicates_[["repeat", "once"]].sum(axis=1),
                               boot.replicates_["total"], rtol=1e-12)


def test_the_same_random_state_gives_the_same_interval(boot, summary, segments):
    again = ValueBootstrap("bgnbd", n_refits=REFITS, margin=0.3, random_state=1,
                           progress=False).fit(summary, segments)
    pd.testing.assert_frame_equal(again.intervals_, boot.intervals_)
    other = ValueBootstrap("bgnbd", n_refits=5, margin=0.3, random_state=2,
                           progress=False).fit(summary, segments)
    assert not np.allclose(other.replicates_["total"], boot.replicates_["total"].iloc[:5])


def test_segment_names_do_not_change_the_draws(summary):
    """The same customers, segments named so that they sort the other way: same numbers."""
    half = pd.Series(np.where(np.arange(len(summary)) % 2, "odd", "even"), index=summary.index)
    fit = [ValueBootstrap("bgnbd", n_refits=3, margin=0.3, progress=False).fit(summary, seg)
           for seg in (half, half.map({"odd": "a 单", "even": "b 双"}))]
    np.testing.assert_array_equal(fit[0].replicates_.to_numpy(), fit[1].replicates_.to_numpy())
    assert sorted(fit[1].intervals_["segment"]) == ["", "a 单", "b 双"]


def test_more_customers_give_a_narrower_interval(boot, summary):
    """A quarter of the customers: the relative width about doubles (1/sqrt(n))."""
    quarter = summary.iloc[::4]
    small = ValueBootstrap("bgnbd", n_refits=REFITS, margin=0.3, random_state=1,
                           progress=False).fit(quarter)
    assert len(small.intervals_) == 1  # no segments: the total only
    low, mid, high = small.interval()
    full_low, full_mid, full_high = boot.interval()
    assert (high - low) / mid > 1.4 * (full_high - full_low) / full_mid


def test_no_refits_gives_the_estimate_alone(summary):
    off = ValueBootstrap("bgnbd", n_refits=0, margin=0.3, progress=False).fit(summary)
    row = off.intervals_.iloc[0]
    assert np.isnan(row["low"]) and np.isnan(row["high"]) and row["mid"] > 0
    assert off.replicates_.empty and off.failed_ == 0


def test_failed_refits_are_counted_and_left_out(summary, monkeypatch):
    calls = {"n": 0}

    class Flaky(btyd.GammaGammaModel):
        def fit(self, summary, y=None, *, sample_weight=None):  # type: ignore[override]
            calls["n"] += 1
            if calls["n"] in (2, 4):  # the 1st call is the estimate
                raise DataError("GammaGammaModel: the spend model did not converge\nmore")
            return super().fit(summary, y, sample_weight=sample_weight)

    monkeypatch.setattr(bootstrap, "GammaGammaModel", Flaky)
    b = ValueBootstrap("bgnbd", n_refits=5, margin=0.3, progress=False).fit(summary)
    assert b.failed_ == 2 and len(b.replicates_) == 3
    assert b.failures_ == ["DataError: GammaGammaModel: the spend model did not converge"] * 2


def test_data_that_cannot_be_valued_raise_the_models_error(summary):
    bad = summary.copy()
    bad.loc[bad.index[bad["frequency"] > 0][0], "monetary_value"] = 0.0
    with pytest.raises(DataError, match="1 repeat buyer.s. have zero, negative or missing"):
        ValueBootstrap(n_refits=2, progress=False).fit(bad)


def test_bad_settings_name_the_parameter(summary):
    with pytest.raises(ParameterError, match="'bootstrap_refits' is -1"):
        ValueBootstrap(n_refits=-1).fit(summary)
    with pytest.raises(ParameterError, match="'level' is 1.5"):
        ValueBootstrap(level=1.5).fit(summary)
    with pytest.raises(ParameterError, match="no segment 'x'"):
        ValueBootstrap(n_refits=0, progress=False).fit(summary).interval("x")


@pytest.mark.parametrize("model", ["bgnbd", "pareto"])
def test_refits_start_from_the_estimate_and_reach_the_same_maximum(summary, model,
                                                                   monkeypatch):
    starts = []

    class Recording(btyd.BTYDModel):
        def fit(self, summary, y=None, *, sample_weight=None):  # type: ignore[override]
            starts.append(self.start)
            return super().fit(summary, y, sample_weight=sample_weight)

    monkeypatch.setattr(bootstrap, "BTYDModel", Recording)
    b = ValueBootstrap(model, n_refits=3, margin=0.3, progress=False).fit(summary)
    assert starts[0] is None  # the estimate: the default start
    assert len(starts) == 4 and all(np.array_equal(s, b.purchase_.params_.to_numpy())
                                    for s in starts[1:])
    # a refit from the estimate finds the maximum a cold start finds
    rng = np.random.default_rng(3)
    w = rng.multinomial(len(summary), np.full(len(summary), 1 / len(summary))).astype(float)
    warm = btyd.BTYDModel(model, start=b.purchase_.params_).fit(summary, sample_weight=w)
    cold = btyd.BTYDModel(model).fit(summary, sample_weight=w)
    assert warm.attempts_["start"].tolist() == ["given"]
    np.testing.assert_allclose(warm.params_, cold.params_, rtol=2e-4)
    assert warm.log_likelihood_ == pytest.approx(cold.log_likelihood_, rel=1e-9)


def test_any_number_of_processes_gives_the_same_interval_bit_for_bit(summary, segments):
    one = ValueBootstrap("bgnbd", n_refits=10, margin=0.3, random_state=4, progress=False,
                         n_jobs=1).fit(summary, segments)
    two = ValueBootstrap("bgnbd", n_refits=10, margin=0.3, random_state=4, progress=False,
                         n_jobs=2).fit(summary, segments)
    assert (one.n_jobs_, two.n_jobs_) == (1, 2)
    pd.testing.assert_frame_equal(one.replicates_, two.replicates_, check_exact=True)
    pd.testing.assert_frame_equal(one.intervals_, two.intervals_, check_exact=True)


def test_processes_by_the_size_of_the_work(summary, monkeypatch):
    monkeypatch.setattr(bootstrap.os, "cpu_count", lambda: 8)
    small = ValueBootstrap("bgnbd", n_refits=8, progress=False)
    assert small._jobs(ValueBootstrap.PARALLEL_FROM - 1) == 1
    assert small._jobs(ValueBootstrap.PARALLEL_FROM) == 4  # one per CPU, at most 4
    assert ValueBootstrap(n_refits=2)._jobs(10 ** 6) == 1  # too few refits to share
    assert ValueBootstrap(n_jobs=-1)._jobs(10) == 8
    with pytest.raises(ParameterError, match="'n_jobs' is 0; expected a number of processes"):
        ValueBootstrap(n_jobs=0).fit(summary)


def _many_patterns(n: int = 60_000, seed: int = 5) -> pd.DataFrame:
    """Customers with distinct histories: more patterns than a BLAS splits across threads."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(20, 80, n).round(3)
    frequency = rng.poisson(2.0, n).astype(float)
    recency = np.where(frequency > 0, (T * rng.uniform(0.2, 1.0, n)).round(3), 0.0)
    spend = np.where(frequency > 0, rng.gamma(4.0, 10.0, n).round(2), 0.0)
    return pd.DataFrame({"frequency": frequency, "recency": recency, "T": T,
                         "monetary_value": spend}, index=[f"c{i}" for i in range(n)])


@pytest.mark.fullrun  # 60,000 patterns, 8 refits: about 20 s
def test_processes_and_blas_threads_do_not_change_a_bit_on_many_patterns():
    # OpenBLAS adds up a dot product of 50,000 terms on several threads, in another order
    # than on one: the refits in this process and in workers must use the same
    many = _many_patterns()
    assert len(bootstrap._patterns(many, None)[0]) > 50_000
    runs = [ValueBootstrap("bgnbd", n_refits=4, margin=0.3, progress=False, n_jobs=jobs
                           ).fit(many) for jobs in (1, 2)]
    assert [r.n_jobs_ for r in runs] == [1, 2]
    pd.testing.assert_frame_equal(runs[0].replicates_, runs[1].replicates_, check_exact=True)
