"""The logs of the variety corpus, one builder per shape (see :mod:`custlib.data.demo.corpus`).

Each builder takes a ``numpy.random.Generator`` and returns a :class:`Shape`: the tables
as an analyst would export them (their own column names, their own dirt) and the
parameters an analyst would write for ``custlib run`` (the ``columns`` mapping, the
currency, a rule switched off). The degenerate shapes are in
:mod:`custlib.data.demo.degenerate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from custlib.data.demo.draws import (
    DECEMBER_PEAK,
    buyers,
    catalog,
    hex_ids,
    numbered_ids,
    order_lines,
    purchase_days,
    retail_log,
    stamp,
)
from custlib.data.demo.world import pick

__all__ = ["Shape", "cdnow_panel", "left_censored", "many_categories", "marketplace",
           "sparse_tail", "subscription", "two_currencies", "wholesale"]


@dataclass(frozen=True)
class Shape:
    """One log of the corpus, with what the kit needs to run on it.

    Attributes
    ----------
    name : str
        The shape's name (a key of :data:`custlib.data.demo.corpus.SHAPES`).
    transactions : pandas.DataFrame
        The log, as written to CSV (text and numbers, the analyst's column names).
    customers, survey : pandas.DataFrame or None
        The optional tables; None when the shape has none.
    context : dict or None
        The business-context YAML content; None when the shape has none.
    params : dict
        Parameters for ``custlib run`` besides the files: ``columns``, ``currency``,
        ``date_format``, ``rules``, ...
    expect_error : str or None
        A part of the message the run must stop with; None when the run must succeed.
    """

    name: str
    transactions: pd.DataFrame
    customers: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    context: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    expect_error: str | None = None


def _context(name: str, currency: str, industry: str) -> dict[str, Any]:
    """A minimal business context: the company's name, industry and currency."""
    return {"company": {"name": name, "industry": industry, "currency": currency}}


def _survey(rng: np.random.Generator, ids: np.ndarray, columns: list[str],
            end: pd.Timestamp, share: float = 0.25) -> pd.DataFrame:
    """Survey answers of a share of ``ids``, with only the given columns."""
    who = np.sort(rng.choice(len(ids), size=max(int(share * len(ids)), 5), replace=False))
    n = len(who)
    latent = rng.normal(3.4, 0.9, n)
    complaint = rng.random(n) < np.where(latent < 2.5, 0.5, 0.05)
    table = pd.DataFrame({
        "customer_id": ids[who],
        "survey_date": (end - pd.to_timedelta(rng.integers(0, 300, n), unit="D"))
        .strftime("%Y-%m-%d"),
        "satisfaction": np.clip(np.round(latent), 1, 5).astype(int),
        "recommend": np.clip(np.round(2 * latent + rng.normal(0, 1.2, n)), 0, 10).astype(int),
        "repurchase_intention": np.clip(np.round(latent + rng.normal(0, 0.7, n)), 1, 5)
        .astype(int),
        "top_need": pick(rng, ["price", "quality", "delivery speed", "service"],
                         [0.35, 0.3, 0.2, 0.15], n),
        "complaint": complaint.astype(int),
        "complaint_text": np.where(complaint, pick(rng, ["Late delivery", "Damaged item",
                                                         "Wrong invoice"], [1, 1, 1], n), ""),
    })
    return table[["customer_id", *columns]]


def wholesale(rng: np.random.Generator) -> Shape:
    """UCI-like wholesale: cancellations, anonymous orders, float ids, fee codes."""
    start, span, n = pd.Timestamp("2009-12-01"), 738.0, 240
    buys = buyers(rng, n, span, birth=(0, 700), every_days=50, p_drop=(1.0, 8.0),
                   start=start)
    ids = numbered_ids(n, first=12346)
    country = pick(rng, ["United Kingdom", "Germany", "France", "EIRE", "Spain"],
                   [0.8, 0.06, 0.06, 0.05, 0.03], n)
    orders = pd.DataFrame({"CustomerID": [f"{ids[c]}.0" for c in buys["customer"]],
                           "Country": country[buys["customer"]],
                           "ts": stamp(rng, start, buys["day"].to_numpy(), (7, 18))})
    anon = orders.sample(frac=0.06, random_state=int(rng.integers(1 << 30))).copy()
    anon["CustomerID"], anon["Country"] = "", "United Kingdom"
    orders = pd.concat([orders, anon], ignore_index=True).sort_values("ts", kind="stable")
    orders["InvoiceNo"] = [str(489434 + i) for i in range(len(orders))]
    products = catalog(rng, ["GIFTS", "CANDLES", "BAGS", "KITCHEN", "CARDS", "TOYS"],
                       per_category=8, price_median=2.5, price_spread=0.6, code_prefix="2")
    lines = order_lines(rng, orders.reset_index(drop=True), products, p_one_line=0.4,
                        max_lines=8, quantity_mean=9.0)
    fees = lines.drop_duplicates("InvoiceNo").sample(frac=0.05, random_state=int(
        rng.integers(1 << 30))).copy()
    fees["product_id"] = pick(rng, ["POST", "DOT", "M", "BANK CHARGES"], [5, 2, 2, 1],
                              len(fees))
    fees["description"], fees["quantity"] = fees["product_id"] + " CHARGE", 1
    fees["price"] = np.round(rng.uniform(1, 40, len(fees)), 2)
    known = lines[lines["CustomerID"] != ""]
    cancel = known.sample(frac=0.03, random_state=int(rng.integers(1 << 30))).copy()
    cancel["quantity"] = -np.maximum(1, (cancel["quantity"] * rng.uniform(0.3, 1.0,
                                                                           len(cancel))).round())
    cancel["ts"] = cancel["ts"] + pd.to_timedelta(rng.integers(1, 30, len(cancel)), unit="D")
    cancel["InvoiceNo"] = [f"C{581500 + i}" for i in range(len(cancel))]
    lines = pd.concat([lines, fees, cancel], ignore_index=True).sort_values("ts", kind="stable")
    lines = lines[lines["ts"] < start + pd.Timedelta(days=span + 1)]
    log = pd.DataFrame({
        "InvoiceNo": lines["InvoiceNo"], "StockCode": lines["product_id"],
        "Description": lines["description"], "Quantity": lines["quantity"].astype(int),
        "InvoiceDate": lines["ts"].dt.strftime("%m/%d/%Y %H:%M"),
        "UnitPrice": lines["price"].round(2), "CustomerID": lines["CustomerID"],
        "Country": lines["Country"]})
    columns = {"order_id": "InvoiceNo", "product_id": "StockCode", "description": "Description",
               "quantity": "Quantity", "order_date": "InvoiceDate", "unit_price": "UnitPrice",
               "customer_id": "CustomerID", "country": "Country"}
    return Shape("wholesale", log.reset_index(drop=True),
                 params={"columns": columns, "currency": "GBP", "pdf": True})


def marketplace(rng: np.random.Generator) -> Shape:
    """Olist-like marketplace: one-time buyers, item rows, a row repeated per unit."""
    start, span, n = pd.Timestamp("2017-01-05"), 570.0, 700
    first = rng.uniform(0, span, n)
    extra = rng.random(n) < 0.035  # the few who come back, once or twice
    days = [first] + [np.where(extra & (rng.random(n) < p), first + rng.uniform(20, 200, n),
                               np.nan) for p in (1.0, 0.3)]
    who = np.concatenate([np.arange(n)] * 3)
    day = np.concatenate(days)
    keep = ~np.isnan(day) & (day <= span)
    bought, ids = who[keep], hex_ids(rng, n)
    orders = pd.DataFrame({"order_id": hex_ids(rng, int(keep.sum())),
                           "customer_unique_id": ids[bought],
                           "ts": stamp(rng, start, day[keep], (0, 24))})
    cats = ["cama_mesa_banho", "beleza_saude", "esporte_lazer", "moveis_decoracao",
            "informatica_acessorios", "utilidades_domesticas", "relogios_presentes",
            "telefonia", "ferramentas_jardim", "automotivo", "brinquedos", "cool_stuff"]
    products = catalog(rng, cats, per_category=15, price_median=80.0, price_spread=0.8)
    products["product_id"] = hex_ids(rng, len(products))
    lines = order_lines(rng, orders, products, p_one_line=0.8, max_lines=4,
                        quantity_mean=1.0)
    units = np.where(rng.random(len(lines)) < 0.075, rng.integers(2, 4, len(lines)), 1)
    lines = lines.loc[lines.index.repeat(units)].sort_values("ts", kind="stable")
    log = pd.DataFrame({
        "order_id": lines["order_id"], "customer_unique_id": lines["customer_unique_id"],
        "order_purchase_timestamp": lines["ts"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "product_id": lines["product_id"], "product_category_name": lines["category"],
        "price": lines["price"], "freight_value": np.round(lines["price"] * 0.15, 2)})
    state = pick(rng, ["SP", "RJ", "MG", "RS", "PR", "BA"], [0.42, 0.13, 0.12, 0.06, 0.05,
                                                             0.04], n)
    city = {"SP": "sao paulo", "RJ": "rio de janeiro", "MG": "belo horizonte",
            "RS": "porto alegre", "PR": "curitiba", "BA": "salvador"}
    customers = pd.DataFrame({"customer_id": ids, "region": state,
                              "city": [city[s] for s in state]})
    columns = {"order_id": "order_id", "customer_id": "customer_unique_id",
               "order_date": "order_purchase_timestamp", "product_id": "product_id",
               "category": "product_category_name", "amount": "price"}
    return Shape("marketplace", log.reset_index(drop=True), customers=customers,
                 params={"columns": columns, "currency": "BRL", "non_product_codes": []})


def cdnow_panel(rng: np.random.Generator) -> Shape:
    """CDNOW-like panel: one cohort, first purchases in 12 weeks, 18 months observed."""
    start, span, n = pd.Timestamp("1997-01-01"), 545.0, 450
    births = rng.uniform(0, 83.9, n)
    rates = rng.gamma(0.243, 1.0 / (4.41 * 7), n)
    buys = purchase_days(rng, births, np.maximum(rates, 1e-4), rng.beta(0.79, 2.43, n),
                         span, start)
    buys["day"] = np.floor(buys["day"])
    buys = buys.drop_duplicates(["customer", "day"]).sort_values(["customer", "day"])
    cds = 1 + rng.poisson(1.4, len(buys))
    dollars = np.round(cds * rng.gamma(9.0, 15.0 / 9.0, len(buys)), 2)
    log = pd.DataFrame({
        "cust": numbered_ids(n, first=1, width=5)[buys["customer"]],
        "date": (start + pd.to_timedelta(buys["day"], unit="D")).dt.strftime("%Y%m%d"),
        "cds": cds, "dollars": dollars})
    params = {"columns": {"customer_id": "cust", "order_date": "date", "quantity": "cds",
                          "amount": "dollars"},
              "date_format": "%Y%m%d", "currency": "USD", "non_product_codes": [],
              "observation_start": "1997-01-01", "observation_end": "1998-06-30"}
    return Shape("cdnow_panel", log.reset_index(drop=True), params=params)


def left_censored(rng: np.random.Generator) -> Shape:
    """An old business whose log starts mid-life, with a strong December peak."""
    start, span, n = pd.Timestamp("2022-07-01"), 730.0, 420
    buys = buyers(rng, n, span, birth=(-2200, 700), every_days=70, p_drop=(1.0, 6.0),
                   season=DECEMBER_PEAK, start=start)
    ids = numbered_ids(n, first=50001)
    products = catalog(rng, ["Toys", "Books", "Games", "Decor", "Sweets"], per_category=6,
                       price_median=18.0)
    log = retail_log(rng, buys, ids, start, products)
    customers = pd.DataFrame({
        "customer_id": ids, "age": np.clip(np.round(rng.normal(44, 14, n)), 18, 90)
        .astype(int),
        "gender": pick(rng, ["female", "male"], [0.55, 0.45], n),
        "income_band": pick(rng, ["low", "lower-middle", "upper-middle", "high"],
                            [0.2, 0.35, 0.3, 0.15], n)})
    bought = np.unique(log["customer_id"].to_numpy())
    survey = _survey(rng, bought, ["satisfaction", "recommend"], start + pd.Timedelta(span))
    return Shape("left_censored", log, customers=customers, survey=survey,
                 context=_context("Yuletide Toys GmbH", "EUR", "toy retail"),
                 params={"currency": ""})


def sparse_tail(rng: np.random.Generator) -> Shape:
    """A log that starts on the 20th and ends on one day, then ~20 straggler orders."""
    start, span, n = pd.Timestamp("2023-03-20"), 468.0, 330  # dense to 2024-06-30
    buys = buyers(rng, n, span, birth=(0, 420), every_days=40, p_drop=(1.0, 7.0),
                   start=start)
    late = pd.DataFrame({"customer": rng.integers(0, n, 20),
                         "day": np.sort(span + 1 + rng.uniform(0, 49, 20))})
    buys = pd.concat([buys, late], ignore_index=True)
    ids = numbered_ids(n, first=7001)
    products = catalog(rng, ["Fasteners", "Abrasives", "Adhesives", "Safety", "Tools"],
                       per_category=6, price_median=35.0, code_prefix="SKU-")
    log = retail_log(rng, buys, ids, start, products)
    log = pd.DataFrame({
        "Order Number": log["order_id"], "Client": log["customer_id"],
        "Order Date": pd.to_datetime(log["order_date"]).dt.strftime("%d/%m/%Y"),
        "SKU": log["product_id"], "Product Line": log["category"],
        "Qty": log["quantity"] * 5, "Unit Price": log["unit_price"]})
    customers = pd.DataFrame({
        "customer_id": ids,
        "industry": pick(rng, ["construction", "manufacturing", "logistics", "utilities"],
                         [0.4, 0.3, 0.2, 0.1], n),
        "company_size": pick(rng, ["1-9", "10-49", "50-249", "250+"], [0.3, 0.4, 0.2, 0.1],
                             n)})
    survey = _survey(rng, ids, ["survey_date", "satisfaction", "complaint", "complaint_text"],
                     pd.Timestamp("2024-06-30"))
    columns = {"order_id": "Order Number", "customer_id": "Client", "order_date": "Order Date",
               "product_id": "SKU", "category": "Product Line", "quantity": "Qty",
               "unit_price": "Unit Price"}
    return Shape("sparse_tail", log, customers=customers, survey=survey,
                 params={"columns": columns, "currency": "EUR", "dayfirst": True})


def many_categories(rng: np.random.Generator) -> Shape:
    """A store with 75 product categories, a geography-only customers table."""
    start, span, n = pd.Timestamp("2022-01-01"), 729.0, 380
    buys = buyers(rng, n, span, birth=(0, 650), every_days=60, p_drop=(1.0, 5.0),
                   start=start)
    ids = numbered_ids(n, first=300001)
    cats = [f"Department {chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(75)]
    products = catalog(rng, cats, per_category=3, price_median=15.0)
    log = retail_log(rng, buys, ids, start, products)
    log = log.rename(columns={"order_id": "TransactionID", "customer_id": "CustomerNo",
                              "order_date": "Date", "product_id": "ProductCode",
                              "category": "ProductCategory", "quantity": "Units",
                              "unit_price": "UnitPrice", "channel": "Store"})
    region = pick(rng, ["North", "South", "East", "West"], [0.3, 0.3, 0.2, 0.2], n)
    city = {"North": "Leeds", "South": "Brighton", "East": "Norwich", "West": "Bristol"}
    customers = pd.DataFrame({"customer_id": ids, "country": "United Kingdom",
                              "region": region, "city": [city[r] for r in region]})
    survey = _survey(rng, np.unique(log["CustomerNo"].to_numpy()), ["recommend", "top_need"],
                     start + pd.Timedelta(days=span))
    columns = {"order_id": "TransactionID", "customer_id": "CustomerNo", "order_date": "Date",
               "product_id": "ProductCode", "category": "ProductCategory",
               "quantity": "Units", "unit_price": "UnitPrice", "channel": "Store"}
    return Shape("many_categories", log, customers=customers, survey=survey,
                 params={"columns": columns, "currency": "GBP"})


def subscription(rng: np.random.Generator) -> Shape:
    """Monthly billing: one row per subscriber per month, the same amount each time."""
    n, months = 200, pd.period_range("2022-01", "2023-12", freq="M")
    joined = rng.integers(0, 18, n)
    lasts = rng.geometric(0.05, n)  # months subscribed (5 % churn a month)
    plan = pick(rng, ["Basic", "Plus", "Pro"], [0.5, 0.35, 0.15], n)
    price = {"Basic": 9.99, "Plus": 19.99, "Pro": 49.99}
    bill_day = rng.integers(1, 29, n)
    rows = [(i, months[m].start_time + pd.Timedelta(days=int(bill_day[i]) - 1))
            for i in range(n) for m in range(joined[i], min(joined[i] + lasts[i], len(months)))]
    who = np.array([r[0] for r in rows])
    log = pd.DataFrame({
        "subscriber_id": numbered_ids(n, first=900001)[who],
        "billing_date": [r[1].strftime("%Y-%m-%d") for r in rows],
        "plan": plan[who], "amount": [price[p] for p in plan[who]]})
    columns = {"customer_id": "subscriber_id", "order_date": "billing_date",
               "product_id": "plan", "amount": "amount"}
    return Shape("subscription", log.sort_values("billing_date", kind="stable")
                 .reset_index(drop=True),
                 context=_context("StreamBox Inc.", "USD", "streaming subscriptions"),
                 params={"columns": columns, "currency": "", "non_product_codes": []})


def two_currencies(rng: np.random.Generator) -> Shape:
    """A log mixing pounds and euros in one money column, with a currency column."""
    start, span, n = pd.Timestamp("2023-01-01"), 364.0, 220
    buys = buyers(rng, n, span, birth=(0, 330), every_days=45, p_drop=(1.0, 6.0),
                   start=start)
    ids = numbered_ids(n, first=40001)
    products = catalog(rng, ["Tea", "Coffee", "Cups"], per_category=5)
    log = retail_log(rng, buys, ids, start, products)
    euro = pick(rng, [False, True], [0.65, 0.35], n)[np.searchsorted(ids, log["customer_id"])]
    log["unit_price"] = np.where(euro, np.round(log["unit_price"] * 1.16, 2), log["unit_price"])
    log["currency"] = np.where(euro, "EUR", "GBP")
    return Shape("two_currencies", log, params={"currency": "GBP"},
                 expect_error="column 'currency' holds 2 currencies")
