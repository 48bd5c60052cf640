"""The demo business: seeded, regenerable, realistic, and dirty on purpose."""

from __future__ import annotations

import filecmp

import pandas as pd
import pytest

from custlib.data.demo import generate_demo, write_demo
from custlib.data.loading import localise_context
from custlib.errors import ParameterError
from custlib.run.config import DEMO_DATA_DIR


@pytest.fixture(scope="module")
def demo():
    return generate_demo()


def test_same_seed_same_data_other_seed_differs():
    a, b = generate_demo(seed=3, n_customers=300), generate_demo(seed=3, n_customers=300)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    pd.testing.assert_frame_equal(a.customers, b.customers)
    pd.testing.assert_frame_equal(a.survey, b.survey)
    c = generate_demo(seed=4, n_customers=300)
    assert not a.transactions.equals(c.transactions)


def test_bundled_files_are_what_the_generator_writes(tmp_path):
    written = write_demo(tmp_path)
    for path in written.values():
        bundled = DEMO_DATA_DIR / path.name
        assert filecmp.cmp(path, bundled, shallow=False), f"{bundled} is stale: run make demo-data"


def test_bundled_data_is_small():
    size = sum(p.stat().st_size for p in DEMO_DATA_DIR.iterdir())
    assert size < 5 * 1024 * 1024


def test_dirt_counts_match_the_frames(demo):
    tx, dirt = demo.transactions, demo.dirt
    qty = tx["Quantity"]
    cancel = tx["Invoice"].str.startswith("C")
    assert tx.duplicated().sum() == dirt["duplicates"]
    tx = tx.drop_duplicates()
    qty = tx["Quantity"]
    cancel = tx["Invoice"].str.startswith("C")
    assert (tx["Customer ID"] == "").sum() == dirt["anonymous"]
    assert (cancel & (qty < 0)).sum() == dirt["cancellations"] + dirt["unmatched_cancellations"]
    assert (~cancel & (qty < 0)).sum() == dirt["returns"]
    assert (tx["Price"] == 0).sum() == dirt["zero_prices"]
    assert (tx["Price"] < 0).sum() == dirt["negative_prices"]
    for code in ("POST", "DOT", "M", "BANK CHARGES", "FEE"):
        assert (tx["StockCode"] == code).sum() == dirt[f"non_product_{code}"], code
    years = tx["InvoiceDate"].str[:4]
    assert years.isin(["1970", "2099"]).sum() == dirt["impossible_dates"]
    assert (qty >= 1000).sum() == dirt["extreme_quantities"]


def test_customers_and_potential_customers(demo):
    cust, tx = demo.customers, demo.transactions
    assert cust["customer_id"].is_unique and len(cust) == 4000
    buyers = set(tx.loc[tx["Customer ID"] != "", "Customer ID"])
    assert buyers <= set(cust["customer_id"])
    potential = set(cust["customer_id"]) - buyers
    assert 300 < len(potential) < 1000
    types = cust["customer_type"].value_counts(normalize=True)
    assert 0.7 < types["individual"] < 0.9
    orgs = cust[cust["customer_type"] == "organisation"]
    assert set(orgs["org_subtype"]) == {"SME", "large enterprise", "government", "education",
                                        "non-profit"}
    assert (orgs["age"] == "").all() and (cust.loc[cust.customer_type == "individual",
                                                   "industry"] == "").all()
    assert cust["country"].nunique() >= 5


def test_buying_process_is_plausible(demo):
    tx = demo.transactions
    ok = (tx["Customer ID"] != "") & (tx["Quantity"] > 0) & tx["InvoiceDate"].str[:4].isin(
        ["2022", "2023", "2024"])
    t = tx[ok].assign(date=lambda d: pd.to_datetime(d["InvoiceDate"]))
    orders = t.groupby("Customer ID")["Invoice"].nunique()
    assert 0.1 < (orders == 1).mean() < 0.5  # one-time buyers exist but are not everyone
    assert orders.max() >= 20  # and a heavy tail of regulars
    revenue = (t["Quantity"] * t["Price"]).groupby(t["date"].dt.month).sum()
    days = t.groupby(t["date"].dt.month)["date"].apply(lambda d: d.dt.date.nunique())
    per_day = revenue / days
    assert per_day.loc[[11, 12]].mean() > 1.15 * per_day.mean()  # the Christmas peak
    assert set(t["Channel"]) >= {"web", "store", "app", "phone", "sales team"}
    assert t.loc[t["Category"] != "", "Category"].nunique() == 7


def test_survey_relates_to_behaviour(demo):
    sv, tx = demo.survey, demo.transactions
    assert 0.15 < len(sv) / tx.loc[tx["Customer ID"] != "", "Customer ID"].nunique() < 0.3
    assert sv["satisfaction"].between(1, 5).all() and sv["recommend"].between(0, 10).all()
    orders = tx[tx["Quantity"] > 0].groupby("Customer ID")["Invoice"].nunique()
    joined = sv.assign(orders=sv["customer_id"].map(orders))
    assert joined["orders"].corr(joined["satisfaction"], method="spearman") > 0.1
    assert (sv.loc[sv["complaint"] == 1, "complaint_text"] != "").all()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_context_has_every_block_in_both_languages(demo, lang):
    ctx = localise_context(demo.context, lang)
    assert ctx["company"]["currency"] == "GBP"
    assert sum(c.get("us", False) for c in ctx["competitors"]) == 1
    assert sum(c["market_share"] for c in ctx["competitors"]) <= 1
    assert set(ctx["swot"]) == {"strengths", "weaknesses", "opportunities", "threats"}
    blocks = {"key_partners", "key_activities", "key_resources", "value_propositions",
              "customer_relationships", "channels", "customer_segments", "cost_structure",
              "revenue_streams"}
    assert blocks <= set(ctx["canvas"]) and all(ctx["canvas"][b] for b in blocks)
    en = localise_context(demo.context, "en")
    for part in ("swot", "tows", "canvas"):  # every item has its translation
        assert {k: len(v) for k, v in ctx[part].items()} == \
            {k: len(v) for k, v in en[part].items()}
    text = ctx["analysis"]["purpose"] + ctx["swot"]["threats"][0] + ctx["canvas"]["channels"][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text) == (lang == "zh")


def test_bad_generator_parameters():
    with pytest.raises(ParameterError, match="n_customers"):
        generate_demo(n_customers=5)
    with pytest.raises(ParameterError, match="'end'"):
        generate_demo(start="2024-01-01", end="2023-01-01")
