"""The value models are scikit-learn estimators: parameters stored as given, clone and
get_params round-trip, learned state ends in '_', the kit's error when not fitted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from custlib.errors import ParameterError
from custlib.value import btyd

ESTIMATORS = [
    btyd.BTYDModel("pareto", penalizer=0.01, weighted=False, max_retries=1, random_state=7,
                   max_seconds=5.0, max_iterations=300),
    btyd.GammaGammaModel(penalizer=0.1, retry_penalizers=(0.5,)),
    btyd.ModelComparison(models=("bgnbd", "mbgnbd"), rule="bic", choice="mbgnbd",
                         penalizer=0.001, random_state=3, max_seconds=9.0, max_iterations=50),
]


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    """A small calibration/holdout summary drawn from the BG/NBD story."""
    rng = np.random.default_rng(0)
    T = rng.uniform(20, 52, 400)
    freq = btyd.simulate("bgnbd", {"r": 0.5, "alpha": 4.0, "a": 0.8, "b": 2.5}, T,
                         random_state=rng)
    recency = np.where(freq > 0, T * rng.uniform(0.3, 1.0, 400), 0.0)
    return pd.DataFrame({"frequency": freq.astype(float), "recency": recency, "T": T,
                         "monetary_value": np.where(freq > 0, rng.gamma(4, 10, 400), 0.0),
                         "frequency_holdout": rng.poisson(0.5, 400).astype(float),
                         "duration_holdout": 26.0},
                        index=pd.Index([f"c{i}" for i in range(400)], name="customer_id"))


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_clone_and_get_params_round_trip(est):
    params = est.get_params()
    copy = clone(est)
    assert type(copy) is type(est) and copy is not est
    assert copy.get_params() == params
    assert type(est)(**params).get_params() == params
    assert copy.set_params(**params) is copy


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_init_only_stores_parameters(est):
    learned = [k for k in vars(est) if k.endswith("_")]
    assert learned == []
    assert set(vars(est)) == set(est.get_params())


def test_not_fitted_is_the_kits_error(summary):
    with pytest.raises(ParameterError, match="BTYDModel is not fitted yet"):
        btyd.BTYDModel().expected_purchases(summary, 10)
    with pytest.raises(ParameterError, match="BTYDModel is not fitted yet"):
        btyd.BTYDModel().summary_table()
    with pytest.raises(ParameterError, match="GammaGammaModel is not fitted yet"):
        btyd.GammaGammaModel().expected_spend(summary)
    with pytest.raises(ParameterError, match="ModelComparison is not fitted yet"):
        btyd.ModelComparison().best_  # noqa: B018
    with pytest.raises(ParameterError, match="BTYDModel is not fitted yet"):
        btyd.matrix(btyd.BTYDModel(), T=10, max_frequency=3)


def test_fit_returns_self_and_a_clone_fits_the_same(summary):
    model = btyd.BTYDModel("bgnbd")
    assert model.fit(summary) is model
    again = clone(model).fit(summary)
    assert again.params_.tolist() == model.params_.tolist()
    assert not hasattr(clone(model), "params_")  # a clone is unfitted
    spend = btyd.GammaGammaModel()
    assert spend.fit(summary) is spend
    comp = btyd.ModelComparison(models=("bgnbd", "mbgnbd"), rule="bic")
    assert comp.fit(summary) is comp and comp.best_ is comp.models_[comp.selected_]


def test_choice_reason_in_every_language(summary):
    comp = btyd.ModelComparison(models=("bgnbd", "mbgnbd"), rule="bic").fit(summary)
    assert comp.reason_ == comp.reason("en") and "the lowest BIC" in comp.reason_
    assert "BIC 最低" in comp.reason("zh")
    forced = btyd.ModelComparison(models=("bgnbd", "mbgnbd"), choice="bgnbd").fit(summary)
    assert "由参数 'model' 指定" in forced.reason("zh")
