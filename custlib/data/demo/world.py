"""The demo world before any dirt: customers, their purchases, orders and survey answers.

Everything is drawn from the one random generator the caller passes, in a fixed order,
so the same seed gives the same data (see :mod:`custlib.data.demo`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CATEGORIES", "customers", "orders", "pick", "product_table", "survey",
           "timestamps"]

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


def pick(rng: np.random.Generator, options: list[Any], p: list[float] | np.ndarray,
          size: int) -> np.ndarray:
    """Draw ``size`` of ``options`` with weights ``p`` (normalised)."""
    p = np.asarray(p, float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p / p.sum())]


def customers(rng: np.random.Generator, n: int, start: pd.Timestamp,
               end: pd.Timestamp) -> pd.DataFrame:
    """Registered customers: type, demographics or firmographics, place, signup, channel."""
    ids = np.array([f"{10001 + i}" for i in range(n)])
    is_org = rng.random(n) < 0.2
    subtype = pick(rng, ["SME", "large enterprise", "government", "education", "non-profit"],
                    [0.55, 0.15, 0.1, 0.12, 0.08], n)
    industry = pick(rng, ["retail", "hospitality", "professional services", "manufacturing",
                           "healthcare", "technology", "real estate"],
                     [0.2, 0.2, 0.18, 0.12, 0.1, 0.12, 0.08], n)
    industry = np.where(subtype == "government", "public administration",
                        np.where(subtype == "education", "education",
                                 np.where(subtype == "non-profit", "charity", industry)))
    size = np.where(subtype == "SME", pick(rng, ["1-9", "10-49", "50-249"], [0.5, 0.35, 0.15], n),
                    np.where(subtype == "large enterprise", "250+",
                             pick(rng, ["10-49", "50-249", "250+"], [0.3, 0.4, 0.3], n)))
    ownership = np.where(np.isin(subtype, ["government", "education"]), "state-owned",
                         pick(rng, ["private", "foreign"], [0.85, 0.15], n))
    age = np.clip(np.round(rng.normal(42, 13, n)), 18, 85)
    gender = pick(rng, ["female", "male"], [0.56, 0.44], n)
    occupation = pick(rng, ["professional", "office worker", "manager", "teacher", "student",
                             "self-employed", "retired", "service worker"],
                       [0.2, 0.18, 0.12, 0.08, 0.08, 0.1, 0.12, 0.12], n)
    occupation = np.where(age > 66, "retired", np.where(age < 23, "student", occupation))
    income_by_occ = {"professional": [0.05, 0.25, 0.45, 0.25], "manager": [0.02, 0.2, 0.43, 0.35],
                     "student": [0.8, 0.15, 0.05, 0.0], "retired": [0.3, 0.4, 0.25, 0.05],
                     "service worker": [0.45, 0.4, 0.13, 0.02]}
    bands = ["low", "lower-middle", "upper-middle", "high"]
    income = np.array([pick(rng, bands, income_by_occ.get(o, [0.2, 0.4, 0.3, 0.1]), 1)[0]
                       for o in occupation], dtype=object)
    international = rng.random(n) < np.where(is_org, 0.08, 0.12)
    country = np.where(international, pick(rng, list(INTERNATIONAL), INTERNATIONAL_WEIGHTS, n),
                       "United Kingdom")
    uk_region = pick(rng, list(UK_REGIONS), UK_REGION_WEIGHTS, n)
    region = np.array([INTERNATIONAL[c][0] if c in INTERNATIONAL else r
                       for c, r in zip(country, uk_region)], dtype=object)
    city = np.array([INTERNATIONAL[c][1] if c in INTERNATIONAL else
                     UK_REGIONS[r][int(rng.integers(len(UK_REGIONS[r])))]
                     for c, r in zip(country, uk_region)], dtype=object)
    span = (end - start).days
    signup = start + pd.to_timedelta(rng.integers(-120, span - 20, n), unit="D")
    channel = np.where(is_org, pick(rng, ["sales team", "trade fair", "referral", "search"],
                                     [0.4, 0.2, 0.2, 0.2], n),
                       pick(rng, ["search", "social media", "referral", "store", "email"],
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


def product_table() -> pd.DataFrame:
    """The product range: code, description, category, price."""
    rows = [(code, desc, cat, price) for cat, items in CATEGORIES.items()
            for code, desc, price in items]
    return pd.DataFrame(rows, columns=["StockCode", "Description", "Category", "Price"])


def orders(rng: np.random.Generator, customers: pd.DataFrame, start: pd.Timestamp,
            end: pd.Timestamp) -> pd.DataFrame:
    """Order lines of every buyer (day from the start, channel, product, quantity)."""
    products = product_table()
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


def timestamps(rng: np.random.Generator, days: np.ndarray, start: pd.Timestamp) -> pd.Series:
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


def survey(rng: np.random.Generator, tx: pd.DataFrame, customers: pd.DataFrame,
            end: pd.Timestamp) -> pd.DataFrame:
    """Survey answers of a fifth of buyers; scores rise with the orders they placed."""
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
    need_ind = pick(rng, ["price", "quality", "product range", "delivery speed", "service"],
                     [0.32, 0.28, 0.16, 0.14, 0.10], n)
    need_org = pick(rng, ["service", "delivery speed", "price", "quality", "product range"],
                     [0.3, 0.25, 0.2, 0.15, 0.1], n)
    need = np.where(ctype == "organisation", need_org, need_ind)
    complaint = rng.random(n) < np.where(sat <= 2, 0.55, 0.06)
    texts = ["Delivery arrived late", "Item arrived damaged", "Hard to reach customer service",
             "Website checkout failed", "Product not as described", "Refund took too long"]
    text = np.where(complaint, pick(rng, texts, np.ones(len(texts)), n), "")
    return pd.DataFrame({
        "customer_id": s.index.to_numpy(), "survey_date": date.dt.strftime("%Y-%m-%d"),
        "satisfaction": sat, "recommend": rec, "repurchase_intention": rep,
        "top_need": need, "complaint": complaint.astype(int), "complaint_text": text,
    })
