"""A seeded generator of the demo business bundled in ``data/raw/demo``.

*Hearth & Home* is a mid-sized retailer of home and lifestyle goods selling online (web,
app), in its stores and, to organisations, through a phone and sales team. It serves
individual consumers (about 80% of customers) and organisations: SMEs, large
enterprises, government bodies, education institutions and non-profits. Most customers
are in the United Kingdom; some are international.

How the data is made (all from one ``numpy.random.default_rng(seed)``, so the same seed
gives the same bytes):

* **customers**: attributes drawn per customer type; signup dates spread over the
  period; about 12% register and never buy (the method's *potential* customers);
* **purchases**: a buy-till-you-die process close to the BG/NBD story: each buyer has a
  purchase rate (gamma-distributed across customers; organisations buy more often) and,
  after every purchase, a chance to drop out for good (beta-distributed). Purchase times
  follow a Poisson process thinned by a seasonal curve (a November-December peak and a
  summer dip), on weekdays and shop hours;
* **orders**: 1-6 lines, products drawn from the customer's favourite categories,
  quantities larger for organisations, a spend level per customer (gamma);
* **survey**: about a fifth of buyers answer; satisfaction, recommendation and
  repurchase intention rise with the number of orders the customer placed;
* **context**: company profile, competitors, SWOT, TOWS and the Business Model Canvas.

Then real-world dirt is injected on purpose, with the counts kept in
:attr:`DemoData.dirt`: anonymous lines (no customer id), exact duplicate lines,
cancellations (``C`` invoices) that reverse all or part of an earlier line of the same
customer and product, cancellations that match nothing in the data, returns (negative
lines on normal invoices), zero and negative prices, non-product codes (``POST``,
``DOT``, ``M``, ``BANK CHARGES``, ``FEE``), extreme quantities (typos) and impossible
dates (``1970-01-01`` and dates in 2099).

Regenerate the bundled files with ``python -m custlib.data.demo`` (or ``make demo-data``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from custlib.errors import ParameterError
from custlib.run.config import DEMO_DATA_DIR

__all__ = ["DemoData", "generate_demo", "write_demo", "main"]

DEFAULT_SEED = 20240601

CATEGORIES: dict[str, list[tuple[str, str, float]]] = {
    "Kitchen": [("KT01", "ENAMEL MILK PAN", 14.5), ("KT02", "CERAMIC MIXING BOWL", 9.95),
                ("KT03", "BAMBOO UTENSIL SET", 7.5), ("KT04", "CAST IRON CASSEROLE", 59.0),
                ("KT05", "GLASS STORAGE JAR", 4.25), ("KT06", "CHEF KNIFE", 32.0),
                ("KT07", "TEA TOWEL SET", 6.5), ("KT08", "COFFEE PRESS", 24.0),
                ("KT09", "SPICE RACK", 18.0)],
    "Tableware": [("TB01", "STONEWARE DINNER PLATE", 8.5), ("TB02", "LINEN NAPKIN PACK", 11.0),
                  ("TB03", "TUMBLER GLASS SET", 15.0), ("TB04", "SERVING PLATTER", 22.0),
                  ("TB05", "CUTLERY SET 24 PIECE", 45.0), ("TB06", "MUG WITH SAUCER", 5.95),
                  ("TB07", "TABLE RUNNER", 13.5), ("TB08", "BUTTER DISH", 9.0)],
    "Textiles": [("TX01", "WOOL THROW", 39.0), ("TX02", "CUSHION COVER", 12.0),
                 ("TX03", "COTTON BATH TOWEL", 9.5), ("TX04", "DUVET COVER SET", 49.0),
                 ("TX05", "DOOR MAT", 16.0), ("TX06", "BLACKOUT CURTAIN PAIR", 55.0),
                 ("TX07", "RUG 120X170", 89.0), ("TX08", "HOT WATER BOTTLE", 8.0)],
    "Decor": [("DC01", "SCENTED CANDLE", 6.95), ("DC02", "PHOTO FRAME", 8.95),
              ("DC03", "WALL CLOCK", 24.95), ("DC04", "CERAMIC VASE", 19.5),
              ("DC05", "MIRROR ROUND", 45.0), ("DC06", "FAIRY LIGHTS", 4.95),
              ("DC07", "ARTIFICIAL PLANT", 14.0), ("DC08", "WALL ART PRINT", 29.0),
              ("DC09", "CHRISTMAS BAUBLE SET", 7.5)],
    "Storage": [("ST01", "WOVEN BASKET", 15.0), ("ST02", "SHOE RACK", 29.0),
                ("ST03", "UNDERBED BOX", 12.5), ("ST04", "COAT HOOKS", 9.0),
                ("ST05", "BOOKSHELF 5 TIER", 79.0), ("ST06", "LAUNDRY HAMPER", 18.0),
                ("ST07", "DRAWER ORGANISER", 6.0)],
    "Garden": [("GD01", "TERRACOTTA POT", 7.0), ("GD02", "SOLAR LANTERN", 12.0),
               ("GD03", "GARDEN KNEELER", 8.5), ("GD04", "BIRD FEEDER", 14.0),
               ("GD05", "PATIO CHAIR", 65.0), ("GD06", "WATERING CAN", 11.0),
               ("GD07", "HERB PLANTER", 9.5)],
    "Office": [("OF01", "DESK LAMP", 27.0), ("OF02", "NOTEBOOK A5 PACK", 5.5),
               ("OF03", "PEN POT", 4.5), ("OF04", "ERGONOMIC CHAIR", 149.0),
               ("OF05", "FILING BOX", 6.75), ("OF06", "WHITEBOARD", 35.0),
               ("OF07", "MONITOR STAND", 22.0), ("OF08", "DESK ORGANISER", 11.5)],
}

UK_REGIONS: dict[str, list[str]] = {
    "London": ["London"], "South East": ["Brighton", "Oxford", "Reading"],
    "South West": ["Bristol", "Exeter"], "Midlands": ["Birmingham", "Nottingham", "Leicester"],
    "North West": ["Manchester", "Liverpool"], "North East": ["Newcastle", "Leeds", "York"],
    "Scotland": ["Edinburgh", "Glasgow"], "Wales": ["Cardiff", "Swansea"],
}
UK_REGION_WEIGHTS = [0.24, 0.16, 0.10, 0.15, 0.12, 0.10, 0.08, 0.05]
INTERNATIONAL: dict[str, tuple[str, str]] = {
    "Ireland": ("Leinster", "Dublin"), "France": ("Ile-de-France", "Paris"),
    "Germany": ("Berlin", "Berlin"), "Netherlands": ("North Holland", "Amsterdam"),
    "Spain": ("Catalonia", "Barcelona"), "United States": ("New York", "New York"),
    "China": ("Shanghai", "Shanghai"),
}
INTERNATIONAL_WEIGHTS = [0.25, 0.2, 0.18, 0.12, 0.1, 0.1, 0.05]
SEASON = np.array([0.85, 0.75, 0.9, 0.95, 1.0, 0.8, 0.7, 0.75, 1.0, 1.1, 1.7, 2.0])
HOUR_WEIGHTS = np.array([1, 2, 4, 6, 7, 7, 6, 6, 6, 5, 4, 3, 2], float)  # 8:00-20:00
WEEKDAY_WEIGHTS = np.array([1.0, 1.0, 1.05, 1.05, 1.15, 1.3, 0.9])


@dataclass(frozen=True)
class DemoData:
    """The demo business.

    Attributes
    ----------
    transactions, customers, survey : pandas.DataFrame
        As written to CSV (transactions with UCI-like column names).
    context : dict
        The business-context YAML content.
    dirt : dict
        How many lines of each kind of dirt were injected.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    survey: pd.DataFrame
    context: dict[str, Any]
    dirt: dict[str, int] = field(default_factory=dict)


def _pick(rng: np.random.Generator, options: list[Any], p: list[float] | np.ndarray,
          size: int) -> np.ndarray:
    p = np.asarray(p, float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p / p.sum())]


def _customers(rng: np.random.Generator, n: int, start: pd.Timestamp,
               end: pd.Timestamp) -> pd.DataFrame:
    ids = np.array([f"{10001 + i}" for i in range(n)])
    is_org = rng.random(n) < 0.2
    subtype = _pick(rng, ["SME", "large enterprise", "government", "education", "non-profit"],
                    [0.55, 0.15, 0.1, 0.12, 0.08], n)
    industry = _pick(rng, ["retail", "hospitality", "professional services", "manufacturing",
                           "healthcare", "technology", "real estate"],
                     [0.2, 0.2, 0.18, 0.12, 0.1, 0.12, 0.08], n)
    industry = np.where(subtype == "government", "public administration",
                        np.where(subtype == "education", "education",
                                 np.where(subtype == "non-profit", "charity", industry)))
    size = np.where(subtype == "SME", _pick(rng, ["1-9", "10-49", "50-249"], [0.5, 0.35, 0.15], n),
                    np.where(subtype == "large enterprise", "250+",
                             _pick(rng, ["10-49", "50-249", "250+"], [0.3, 0.4, 0.3], n)))
    ownership = np.where(np.isin(subtype, ["government", "education"]), "state-owned",
                         _pick(rng, ["private", "foreign"], [0.85, 0.15], n))
    age = np.clip(np.round(rng.normal(42, 13, n)), 18, 85)
    gender = _pick(rng, ["female", "male"], [0.56, 0.44], n)
    occupation = _pick(rng, ["professional", "office worker", "manager", "teacher", "student",
                             "self-employed", "retired", "service worker"],
                       [0.2, 0.18, 0.12, 0.08, 0.08, 0.1, 0.12, 0.12], n)
    occupation = np.where(age > 66, "retired", np.where(age < 23, "student", occupation))
    income_by_occ = {"professional": [0.05, 0.25, 0.45, 0.25], "manager": [0.02, 0.2, 0.43, 0.35],
                     "student": [0.8, 0.15, 0.05, 0.0], "retired": [0.3, 0.4, 0.25, 0.05],
                     "service worker": [0.45, 0.4, 0.13, 0.02]}
    bands = ["low", "lower-middle", "upper-middle", "high"]
    income = np.array([_pick(rng, bands, income_by_occ.get(o, [0.2, 0.4, 0.3, 0.1]), 1)[0]
                       for o in occupation], dtype=object)
    international = rng.random(n) < np.where(is_org, 0.08, 0.12)
    country = np.where(international, _pick(rng, list(INTERNATIONAL), INTERNATIONAL_WEIGHTS, n),
                       "United Kingdom")
    uk_region = _pick(rng, list(UK_REGIONS), UK_REGION_WEIGHTS, n)
    region = np.array([INTERNATIONAL[c][0] if c in INTERNATIONAL else r
                       for c, r in zip(country, uk_region)], dtype=object)
    city = np.array([INTERNATIONAL[c][1] if c in INTERNATIONAL else
                     UK_REGIONS[r][int(rng.integers(len(UK_REGIONS[r])))]
                     for c, r in zip(country, uk_region)], dtype=object)
    span = (end - start).days
    signup = start + pd.to_timedelta(rng.integers(-120, span - 20, n), unit="D")
    channel = np.where(is_org, _pick(rng, ["sales team", "trade fair", "referral", "search"],
                                     [0.4, 0.2, 0.2, 0.2], n),
                       _pick(rng, ["search", "social media", "referral", "store", "email"],
                             [0.3, 0.25, 0.15, 0.2, 0.1], n))
    df = pd.DataFrame({
        "customer_id": ids,
        "customer_type": np.where(is_org, "organisation", "individual"),
        "org_subtype": np.where(is_org, subtype, ""),
        "industry": np.where(is_org, industry, ""),
        "company_size": np.where(is_org, size, ""),
        "ownership": np.where(is_org, ownership, ""),
        "age": np.where(is_org, "", age.astype(int).astype(str)),
        "gender": np.where(is_org, "", gender),
        "occupation": np.where(is_org, "", occupation),
        "income_band": np.where(is_org, "", income),
        "country": country, "region": region, "city": city,
        "signup_date": signup.strftime("%Y-%m-%d"),
        "acquisition_channel": channel,
    })
    return df


def _purchase_times(rng: np.random.Generator, birth: float, rate: float, p_drop: float,
                    horizon: float, season_of: Any) -> list[float]:
    """Days (from the start) of one customer's purchases: thinned Poisson, BG dropout."""
    times = [birth]
    t = birth
    peak = SEASON.max()
    while True:
        if rng.random() < p_drop:
            break
        # next purchase by thinning a Poisson process of rate rate * peak (per day)
        while True:
            t += rng.exponential(1.0 / (rate * peak))
            if t > horizon or rng.random() < season_of(t) / peak:
                break
        if t > horizon:
            break
        times.append(t)
    return times


def _product_table() -> pd.DataFrame:
    rows = [(code, desc, cat, price) for cat, items in CATEGORIES.items()
            for code, desc, price in items]
    return pd.DataFrame(rows, columns=["StockCode", "Description", "Category", "Price"])


def _orders(rng: np.random.Generator, customers: pd.DataFrame, start: pd.Timestamp,
            end: pd.Timestamp) -> pd.DataFrame:
    products = _product_table()
    cats = list(CATEGORIES)
    horizon = float((end - start).days) + 0.999
    months = pd.date_range(start, end + pd.Timedelta(days=1), freq="D").month.to_numpy()

    def season_of(t: float) -> float:
        day = min(max(int(t), 0), len(months) - 1)
        return float(SEASON[months[day] - 1])

    n = len(customers)
    is_org = customers["customer_type"].eq("organisation").to_numpy()
    buyer = rng.random(n) > 0.12
    rate = rng.gamma(0.6, 1.0, n) / 40.0 * np.where(is_org, 2.0, 1.0)  # per day
    p_drop = rng.beta(2.0, 2.6, n)
    spend = rng.gamma(4.0, 0.25, n) * np.where(is_org, 1.6, 1.0)
    signup = (pd.to_datetime(customers["signup_date"]) - start).dt.days.to_numpy()
    fav = rng.dirichlet(np.ones(len(cats)) * 0.6, n)
    org_channels = ["phone", "sales team", "web"]
    ind_channels = ["web", "app", "store"]
    pref_org = rng.choice(3, n, p=[0.3, 0.3, 0.4])
    pref_ind = rng.choice(3, n, p=[0.5, 0.2, 0.3])
    codes_by_cat = [products.loc[products["Category"] == c, "StockCode"].tolist() for c in cats]
    ids = customers["customer_id"].tolist()
    rows: list[tuple[Any, ...]] = []
    for i in range(n):
        if not buyer[i]:
            continue
        birth = float(signup[i]) + rng.exponential(20.0)
        if birth > horizon:
            continue
        # customers who registered before the data starts bought before it too: their
        # earlier purchases are simply not in the log (left-censoring, as in real exports)
        for t in _purchase_times(rng, birth, rate[i], p_drop[i], horizon, season_of):
            if t < 0:
                continue
            n_lines = 1 + int(min(rng.geometric(0.45) - 1, 5)) + (int(rng.integers(0, 3))
                                                                  if is_org[i] else 0)
            chan = (org_channels[pref_org[i]] if is_org[i] else ind_channels[pref_ind[i]]) \
                if rng.random() < 0.8 else ("web" if rng.random() < 0.5 else "store")
            line_cats = rng.choice(len(cats), size=n_lines, p=fav[i])
            for c in line_cats:
                codes = codes_by_cat[c]
                k = int(rng.integers(len(codes)))
                base_q = rng.poisson(spend[i] * (6.0 if is_org[i] else 1.0)) + 1
                rows.append((ids[i], t, chan, codes[k], base_q))
    orders = pd.DataFrame(rows, columns=["customer_id", "day", "Channel", "StockCode", "Quantity"])
    return orders.merge(products, on="StockCode", how="left")


def _timestamps(rng: np.random.Generator, days: np.ndarray, start: pd.Timestamp) -> pd.Series:
    """Shift purchase days to plausible weekdays and shop hours."""
    base = start + pd.to_timedelta(np.floor(days), unit="D")
    # move some Sunday/Monday purchases to busier days to give a weekday pattern
    dow = base.day_of_week.to_numpy()
    keep = rng.random(len(days)) < WEEKDAY_WEIGHTS[dow] / WEEKDAY_WEIGHTS.max()
    shift = np.where(keep, 0, rng.integers(1, 3, len(days)))
    hour = 8 + rng.choice(len(HOUR_WEIGHTS), len(days), p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    minute = rng.integers(0, 60, len(days))
    return pd.Series(base + pd.to_timedelta(shift, unit="D") + pd.to_timedelta(hour, unit="h")
                     + pd.to_timedelta(minute, unit="min"))


def _context() -> dict[str, Any]:
    return {
        "company": {
            "name": "Hearth & Home Ltd", "name_zh": "暖家生活有限公司",
            "industry": "home and lifestyle retail", "industry_zh": "家居生活零售",
            "description": "A mid-sized retailer of kitchenware, tableware, textiles, decor, "
                           "storage, garden and office goods, selling online, in 14 stores "
                           "and through a business sales team.",
            "description_zh": "一家中型家居零售商,经营厨具、餐具、家纺、家居装饰、收纳、园艺和"
                              "办公用品,通过网店、14 家门店和企业销售团队销售。",
            "currency": "GBP", "founded": 2012,
            "markets": ["United Kingdom", "Ireland", "EU", "United States", "China"],
        },
        "analysis": {
            "purpose": "Understand who our customers are, which groups are worth most, who "
                       "is drifting away, and where to focus retention and growth budgets "
                       "for the coming year.",
            "purpose_zh": "了解我们的客户是谁、哪些群体价值最高、哪些客户正在流失,以及来年的"
                          "保留与增长预算应投向何处。",
            "background": "Revenue grew in 2022-2023 but repeat purchasing slowed in 2024 "
                          "while acquisition costs rose; the board asked for a customer "
                          "analysis before setting next year's marketing plan.",
            "background_zh": "2022-2023 年收入增长,但 2024 年复购放缓、获客成本上升;董事会要求"
                             "在制定明年营销计划前先做一次客户分析。",
            "target_customers": "Urban households aged 25-55 furnishing their homes, and "
                                "organisations (offices, schools, hospitality) equipping "
                                "their premises.",
            "target_customers_zh": "25-55 岁、正在布置住所的城市家庭,以及为场所采购用品的机构"
                                   "(办公室、学校、酒店餐饮)。",
        },
        "competitors": [
            {"name": "Hearth & Home", "name_zh": "暖家生活", "us": True, "market_share": 0.09,
             "price_level": 3,
             "features": {"quality": 4, "range": 4, "delivery": 3, "service": 4,
                          "online_experience": 3},
             "positioning": {"price": 3.0, "quality": 3.9}},
            {"name": "MegaHome", "us": False, "market_share": 0.24, "price_level": 2,
             "features": {"quality": 3, "range": 5, "delivery": 4, "service": 2,
                          "online_experience": 4},
             "positioning": {"price": 2.0, "quality": 2.8}},
            {"name": "Nordic Living", "us": False, "market_share": 0.16, "price_level": 3,
             "features": {"quality": 4, "range": 4, "delivery": 3, "service": 3,
                          "online_experience": 4},
             "positioning": {"price": 2.8, "quality": 3.6}},
            {"name": "Maison Premium", "us": False, "market_share": 0.07, "price_level": 5,
             "features": {"quality": 5, "range": 2, "delivery": 3, "service": 5,
                          "online_experience": 3},
             "positioning": {"price": 4.7, "quality": 4.8}},
            {"name": "ShopAll Marketplace", "us": False, "market_share": 0.21, "price_level": 1,
             "features": {"quality": 2, "range": 5, "delivery": 5, "service": 2,
                          "online_experience": 5},
             "positioning": {"price": 1.4, "quality": 2.2}},
        ],
        "swot": {
            "strengths": ["Curated own-brand range with good quality for the price",
                          "Stores and a business sales team alongside the web shop",
                          "Loyal core of repeat customers who recommend us"],
            "weaknesses": ["Online experience behind the large platforms",
                           "Slow delivery outside the big cities",
                           "Little use of customer data in marketing so far"],
            "opportunities": ["Growing demand from small offices and hybrid workers",
                              "Sustainable and locally made products",
                              "Cross-selling across categories to existing customers"],
            "threats": ["Marketplaces competing on price and next-day delivery",
                        "Squeezed household budgets",
                        "Rising acquisition costs in paid search and social media"],
            "strengths_zh": ["自有品牌精选商品,质价比高", "网店之外还有门店和企业销售团队",
                             "一批愿意推荐我们的忠实复购客户"],
            "weaknesses_zh": ["线上体验落后于大型平台", "大城市以外配送较慢",
                              "营销中对客户数据的利用还很少"],
            "opportunities_zh": ["小型办公室和混合办公人群的需求增长", "可持续和本地制造的产品",
                                 "向现有客户跨品类交叉销售"],
            "threats_zh": ["电商平台以低价和次日达竞争", "家庭预算收紧",
                           "付费搜索和社交媒体的获客成本上升"],
        },
        "tows": {
            "so": ["Use the loyal core for referral campaigns around the curated range"],
            "wo": ["Invest in the app and delivery partners to serve hybrid workers"],
            "st": ["Compete on quality and service, not on price, against marketplaces"],
            "wt": ["Shift budget from paid acquisition to retention of valuable customers"],
            "so_zh": ["依托忠实客户,围绕精选商品开展推荐计划"],
            "wo_zh": ["投资 App 和配送合作伙伴,服务混合办公人群"],
            "st_zh": ["以质量和服务而非价格与电商平台竞争"],
            "wt_zh": ["把预算从付费获客转向保留高价值客户"],
        },
        "canvas": {
            "key_partners": ["Own-brand manufacturers", "Delivery partners",
                             "Office-fit-out firms"],
            "key_activities": ["Range curation", "Store and online retail",
                               "Business account management"],
            "key_resources": ["Own-brand designs", "14 stores", "Customer data"],
            "value_propositions": ["Quality home goods at a fair price",
                                   "Advice in store and by phone",
                                   "One supplier for offices and schools"],
            "customer_relationships": ["Loyalty club", "Account managers for organisations",
                                       "After-sales service"],
            "channels": ["Web shop", "App", "Stores", "Phone and sales team"],
            "customer_segments": ["Urban households 25-55", "SMEs and offices",
                                  "Schools and public bodies"],
            "cost_structure": ["Cost of goods", "Stores and staff", "Marketing",
                               "Delivery"],
            "revenue_streams": ["Product sales", "Delivery charges", "Business contracts"],
            "key_metrics": ["Repeat-purchase rate", "Customer lifetime value",
                            "Share of customers at risk"],
            "key_partners_zh": ["自有品牌制造商", "配送合作伙伴", "办公装修公司"],
            "key_activities_zh": ["商品精选", "门店与线上零售", "企业客户管理"],
            "key_resources_zh": ["自有品牌设计", "14 家门店", "客户数据"],
            "value_propositions_zh": ["价格公道的优质家居用品", "门店和电话咨询建议",
                                      "办公室和学校的一站式供应商"],
            "customer_relationships_zh": ["会员俱乐部", "机构客户经理", "售后服务"],
            "channels_zh": ["网店", "App", "门店", "电话与销售团队"],
            "customer_segments_zh": ["25-55 岁城市家庭", "中小企业与办公室", "学校与公共机构"],
            "cost_structure_zh": ["商品成本", "门店与员工", "营销", "配送"],
            "revenue_streams_zh": ["商品销售", "配送费", "企业合同"],
            "key_metrics_zh": ["复购率", "客户终身价值", "风险客户占比"],
        },
    }


def _survey(rng: np.random.Generator, tx: pd.DataFrame, customers: pd.DataFrame,
            end: pd.Timestamp) -> pd.DataFrame:
    stats = tx.groupby("customer_id").agg(first=("ts", "min"), orders=("Invoice", "nunique"))
    ids = stats.index.to_numpy()
    take = np.sort(rng.choice(len(ids), size=int(0.2 * len(ids)), replace=False))
    s = stats.iloc[take]
    ctype = customers.set_index("customer_id").loc[s.index, "customer_type"].to_numpy()
    n = len(s)
    span = (end - s["first"]).dt.days.clip(lower=1).to_numpy()
    date = s["first"].dt.normalize() + pd.to_timedelta((rng.random(n) * span).astype(int),
                                                       unit="D")
    latent = 3.0 + 0.45 * np.log(s["orders"].to_numpy()) + rng.normal(0, 0.8, n)
    sat = np.clip(np.round(latent), 1, 5).astype(int)
    rec = np.clip(np.round(2.0 * latent + rng.normal(0, 1.2, n)), 0, 10).astype(int)
    rep = np.clip(np.round(latent + rng.normal(0.2, 0.7, n)), 1, 5).astype(int)
    need_ind = _pick(rng, ["price", "quality", "product range", "delivery speed", "service"],
                     [0.32, 0.28, 0.16, 0.14, 0.10], n)
    need_org = _pick(rng, ["service", "delivery speed", "price", "quality", "product range"],
                     [0.3, 0.25, 0.2, 0.15, 0.1], n)
    need = np.where(ctype == "organisation", need_org, need_ind)
    complaint = rng.random(n) < np.where(sat <= 2, 0.55, 0.06)
    texts = ["Delivery arrived late", "Item arrived damaged", "Hard to reach customer service",
             "Website checkout failed", "Product not as described", "Refund took too long"]
    text = np.where(complaint, _pick(rng, texts, np.ones(len(texts)), n), "")
    return pd.DataFrame({
        "customer_id": s.index.to_numpy(), "survey_date": date.dt.strftime("%Y-%m-%d"),
        "satisfaction": sat, "recommend": rec, "repurchase_intention": rep,
        "top_need": need, "complaint": complaint.astype(int), "complaint_text": text,
    })


def generate_demo(seed: int = DEFAULT_SEED, n_customers: int = 4000,
                  start: str = "2022-01-01", end: str = "2024-12-31") -> DemoData:
    """Generate the demo business.

    Parameters
    ----------
    seed : int, default 20240601
        Seed of the only random generator used.
    n_customers : int, default 4000
        Registered customers (about 88% of them buy).
    start, end : str
        First and last day of trading.

    Returns
    -------
    DemoData
    """
    if not isinstance(n_customers, int) or n_customers < 50:
        raise ParameterError(f"parameter 'n_customers' is {n_customers!r}; expected an "
                             "integer of at least 50")
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if t1 <= t0:
        raise ParameterError(f"parameter 'end' ({end}) must be after 'start' ({start})")
    rng = np.random.default_rng(seed)
    customers = _customers(rng, n_customers, t0, t1)
    lines = _orders(rng, customers, t0, t1)
    lines["ts"] = _timestamps(rng, lines["day"].to_numpy(), t0).to_numpy()
    lines = lines[lines["ts"] <= t1 + pd.Timedelta(hours=23, minutes=59)]
    country = customers.set_index("customer_id")["country"]
    lines["Country"] = lines["customer_id"].map(country).to_numpy()
    dirt: dict[str, int] = {}

    # anonymous sales: store walk-ins with no customer id
    n_anon = int(0.02 * len(lines))
    anon = lines.sample(n=n_anon, random_state=rng.integers(1 << 31)).copy()
    anon["customer_id"] = ""
    anon["Channel"] = "store"
    anon["Country"] = "United Kingdom"
    anon["ts"] = anon["ts"] + pd.to_timedelta(rng.integers(1, 240, n_anon), unit="min")
    anon["anon"] = True
    lines["anon"] = False
    lines = pd.concat([lines, anon], ignore_index=True)
    dirt["anonymous"] = n_anon

    # invoices: one per (customer, timestamp) in time order
    lines = lines.sort_values(["ts", "customer_id", "StockCode"], kind="stable")
    lines = lines.reset_index(drop=True)
    order_key = lines["customer_id"] + "|" + lines["ts"].astype(str)
    codes, _ = pd.factorize(order_key)
    lines["Invoice"] = (500000 + codes).astype(str)
    next_invoice = 500000 + int(codes.max()) + 1

    identified = lines.index[~lines["anon"]].to_numpy()
    extra: list[dict[str, Any]] = []

    def new_line(base: pd.Series, **changes: Any) -> dict[str, Any]:
        row = base.to_dict()
        row.update(changes)
        return row

    # cancellations of earlier lines (full or partial), C-prefixed invoices
    n_cancel = int(0.015 * len(identified))
    for i in rng.choice(identified, size=n_cancel, replace=False):
        base = lines.loc[i]
        q = int(base["Quantity"])
        cq = q if (rng.random() < 0.6 or q == 1) else int(rng.integers(1, q))
        ts = base["ts"] + pd.Timedelta(hours=int(rng.integers(1, 24 * 20)))
        if ts > t1:
            ts = base["ts"] + pd.Timedelta(minutes=30)
        extra.append(new_line(base, Quantity=-cq, ts=ts, Invoice=f"C{next_invoice}"))
        next_invoice += 1
    dirt["cancellations"] = n_cancel

    # cancellations matching nothing (they reverse orders from before the data starts)
    n_unmatched = 12
    for i in rng.choice(identified, size=n_unmatched, replace=False):
        base = lines.loc[i]
        other = "GD05" if base["StockCode"] != "GD05" else "OF04"
        prod = _product_table().set_index("StockCode").loc[other]
        extra.append(new_line(base, StockCode=other, Description=prod["Description"],
                              Category=prod["Category"], Price=prod["Price"], Quantity=-1,
                              ts=t0 + pd.Timedelta(days=int(rng.integers(0, 20)), hours=10),
                              Invoice=f"C{next_invoice}"))
        next_invoice += 1
    dirt["unmatched_cancellations"] = n_unmatched

    # returns: negative lines on ordinary invoices
    n_returns = int(0.005 * len(identified))
    for i in rng.choice(identified, size=n_returns, replace=False):
        base = lines.loc[i]
        q = int(base["Quantity"])
        ts = base["ts"] + pd.Timedelta(days=int(rng.integers(3, 30)))
        if ts > t1:
            ts = base["ts"] + pd.Timedelta(hours=2)
        extra.append(new_line(base, Quantity=-(q if rng.random() < 0.7 else max(1, q // 2)),
                              ts=ts, Invoice=str(next_invoice)))
        next_invoice += 1
    dirt["returns"] = n_returns

    # non-product lines on existing invoices
    def fee_lines(code: str, desc: str, count: int, price: Any, pool: np.ndarray) -> None:
        for i in rng.choice(pool, size=count, replace=False):
            base = lines.loc[i]
            p = float(price()) if callable(price) else float(price)
            extra.append(new_line(base, StockCode=code, Description=desc, Category="",
                                  Price=p, Quantity=1))
        dirt[f"non_product_{code}"] = count

    intl = identified[lines.loc[identified, "Country"].ne("United Kingdom").to_numpy()]
    web = identified[lines.loc[identified, "Channel"].eq("web").to_numpy()]
    fee_lines("POST", "POSTAGE", int(0.08 * len(intl)),
              lambda: float(rng.choice([15.0, 18.0, 40.0])), intl)
    fee_lines("DOT", "DOTCOM POSTAGE", min(len(web), 120), lambda: round(rng.uniform(3, 9), 2), web)
    fee_lines("M", "Manual", 15, lambda: round(rng.uniform(1, 60), 2), identified)
    fee_lines("BANK CHARGES", "Bank Charges", 8, 15.0, identified)
    fee_lines("FEE", "Payment processing fee", 10, 2.5, identified)

    # zero and negative prices
    for i in rng.choice(identified, size=15, replace=False):
        extra.append(new_line(lines.loc[i], Price=0.0,
                              Description=lines.loc[i, "Description"] + " (FREE SAMPLE)"))
    dirt["zero_prices"] = 15
    for i in rng.choice(identified, size=3, replace=False):
        extra.append(new_line(lines.loc[i], StockCode="ADJUST", Description="Adjust bad debt",
                              Category="", Price=-round(float(rng.uniform(50, 500)), 2),
                              Quantity=1))
    dirt["negative_prices"] = 3

    # extreme quantities (typos)
    cheap = identified[lines.loc[identified, "Price"].lt(10).to_numpy()]
    for i in rng.choice(cheap, size=4, replace=False):
        extra.append(new_line(lines.loc[i], Quantity=int(rng.choice([1000, 2000, 5000])),
                              Invoice=str(next_invoice)))
        next_invoice += 1
    dirt["extreme_quantities"] = 4

    # impossible dates
    for i, when in zip(rng.choice(identified, size=6, replace=False),
                       ["1970-01-01 00:00"] * 3 + ["2099-12-31 00:00", "2099-01-01 00:00",
                                                   "2099-06-15 12:00"]):
        extra.append(new_line(lines.loc[i], ts=pd.Timestamp(when), Invoice=str(next_invoice)))
        next_invoice += 1
    dirt["impossible_dates"] = 6

    lines = pd.concat([lines, pd.DataFrame(extra)], ignore_index=True)
    lines = lines.sort_values(["ts", "Invoice", "StockCode"], kind="stable").reset_index(drop=True)

    # exact duplicates, inserted right after their original
    n_dup = int(0.005 * len(lines))
    dup_idx = np.sort(rng.choice(len(lines), size=n_dup, replace=False))
    order = np.concatenate([np.arange(len(lines)), dup_idx])
    position = np.concatenate([np.arange(len(lines)) * 2.0, dup_idx * 2.0 + 1])
    lines = lines.iloc[order[np.argsort(position, kind="stable")]].reset_index(drop=True)
    dirt["duplicates"] = n_dup

    tx = pd.DataFrame({
        "Invoice": lines["Invoice"],
        "StockCode": lines["StockCode"],
        "Description": lines["Description"],
        "Quantity": lines["Quantity"].astype(int),
        "InvoiceDate": lines["ts"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "Price": lines["Price"].astype(float).round(2),
        "Customer ID": lines["customer_id"],
        "Country": lines["Country"],
        "Category": lines["Category"].fillna(""),
        "Channel": lines["Channel"],
    })
    clean_like = lines[~lines["anon"].astype(bool) & lines["Quantity"].gt(0)
                       & lines["ts"].between(t0, t1 + pd.Timedelta(days=1))]
    survey = _survey(rng, clean_like, customers, t1)
    return DemoData(transactions=tx, customers=customers, survey=survey, context=_context(),
                    dirt=dirt)


def write_demo(folder: str | Path | None = None, seed: int = DEFAULT_SEED,
               **kwargs: Any) -> dict[str, Path]:
    """Generate the demo business and write it as CSV files and a YAML file.

    Parameters
    ----------
    folder : path-like, optional
        Default ``data/raw/demo`` in the project.
    seed : int, default 20240601
    **kwargs
        Passed to :func:`generate_demo`.

    Returns
    -------
    dict
        ``{'transactions': path, 'customers': path, 'survey': path, 'context': path}``.
    """
    out = Path(folder) if folder else DEMO_DATA_DIR
    out.mkdir(parents=True, exist_ok=True)
    demo = generate_demo(seed=seed, **kwargs)
    paths = {name: out / f"{name}.csv" for name in ("transactions", "customers", "survey")}
    demo.transactions.to_csv(paths["transactions"], index=False, lineterminator="\n",
                             float_format="%.2f")
    demo.customers.to_csv(paths["customers"], index=False, lineterminator="\n")
    demo.survey.to_csv(paths["survey"], index=False, lineterminator="\n")
    paths["context"] = out / "context.yaml"
    header = ("# Business context of the demo company, generated by custlib.data.demo.\n"
              "# Edit a copy for your own business; see data/README.md for the keys.\n")
    paths["context"].write_text(header + yaml.safe_dump(demo.context, allow_unicode=True,
                                                        sort_keys=False, width=88),
                                encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python -m custlib.data.demo [--out DIR] [--seed N]``: regenerate the demo data."""
    parser = argparse.ArgumentParser(prog="python -m custlib.data.demo",
                                     description="Regenerate the bundled demo data.")
    parser.add_argument("--out", help="folder to write (default data/raw/demo)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    for name, path in write_demo(args.out, seed=args.seed).items():
        print(f"{name:<13} {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
