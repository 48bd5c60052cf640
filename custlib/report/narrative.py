"""Words for people: the interpretations the notebooks print after a result.

Each function turns a computed result into a short Markdown paragraph or a small table
in English or Chinese, with the numbers in it, so a notebook says what its result means
rather than leaving the reader to guess. Every value that comes from the data or the
parameters (currency, segment and group names, model names) is escaped with
:func:`custlib.safety.escape_markdown`, so it is shown as typed, never as markup.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from custlib.data.contract import TRANSACTIONS
from custlib.i18n import check_lang
from custlib.safety import code_span, escape_markdown

__all__ = ["cleaning_summary", "clv_summary", "customer_basics", "customer_coverage",
           "format_money",
           "lifecycle_summary", "mapping_table", "model_choice_summary", "not_run",
           "segmentation_summary", "skipped", "spend_check"]


def format_money(value: float, currency: str = "") -> str:
    """Format an amount for text: ``£1,234,567`` or ``1,234,567 CNY``.

    Parameters
    ----------
    value : float
    currency : str
        An ISO code or a symbol; symbols go in front.
    """
    symbols = {"GBP": "£", "USD": "$", "EUR": "€", "CNY": "¥", "RMB": "¥", "JPY": "¥"}
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,.0f}"
    sym = symbols.get(currency.upper(), currency if len(currency) == 1 else "")
    if sym:
        return f"{sign}{sym}{text}"
    return f"{sign}{text} {currency}".strip()


def mapping_table(raw: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Which of the user's columns feeds each contract column, with its meaning.

    Parameters
    ----------
    raw : pandas.DataFrame
        As returned by :func:`custlib.data.loading.load_transactions`.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        contract column, source column, description; unmapped optional fields shown as
        not found.
    """
    check_lang(lang)
    mapping = raw.attrs.get("column_mapping", {})
    rows = []
    for f in TRANSACTIONS:
        src = mapping.get(f.name)
        if src is None:
            src = "—" if lang == "en" else "—"
        rows.append((f.name, src, f.description))
    heads = {"en": ["contract column", "your column", "what it holds"],
             "zh": ["契约字段", "源数据列", "含义"]}[lang]
    return pd.DataFrame(rows, columns=heads)


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _money(value: float, currency: str = "") -> str:
    """:func:`format_money` escaped for Markdown (the currency is a parameter)."""
    return escape_markdown(format_money(value, currency))


def cleaning_summary(result: Any, lang: str = "en", currency: str = "") -> str:
    """A paragraph interpreting a cleaning result.

    Parameters
    ----------
    result : custlib.data.cleaning.CleaningResult
    lang : {'en', 'zh'}
    currency : str

    Returns
    -------
    str
        Markdown.
    """
    check_lang(lang)
    s = result.summary()
    raw_rows, raw_rev = s["raw_rows"], s["raw_revenue"]
    kept_rows, kept_rev = s["kept_rows"], s["kept_revenue"]
    anon_rows, anon_rev = s["set_aside_rows"], s["set_aside_revenue"]
    log = result.log
    removed = log[log["action"].isin(["removed"])]
    top = removed.sort_values("rows", ascending=False).head(1)
    flagged = int(log.loc[log["action"] == "flagged", "rows"].sum())
    kept_share = kept_rows / raw_rows if raw_rows else 0.0
    rev_share = kept_rev / raw_rev if raw_rev else 0.0
    m = lambda v: _money(v, currency)  # noqa: E731
    if lang == "zh":
        text = (f"原始数据共 **{_n(raw_rows)}** 行,收入 **{m(raw_rev)}**。清洗后保留 "
                f"**{_n(kept_rows)}** 行({kept_share:.1%}),收入 **{m(kept_rev)}**"
                f"({rev_share:.1%}),涉及 **{_n(s['kept_customers'])}** 位客户;"
                f"匿名销售 {_n(anon_rows)} 行({m(anon_rev)})单独存放,只计入收入总额。")
        if len(top):
            text += (f" 剔除行数最多的规则是 {code_span(top['rule'].iloc[0])}"
                     f"({_n(top['rows'].iloc[0])} 行)。")
        if flagged:
            text += f" 另有 {_n(flagged)} 行被标记为极端值(未删除),建议逐一核查。"
        return text
    text = (f"The raw log has **{_n(raw_rows)}** lines worth **{m(raw_rev)}**. Cleaning keeps "
            f"**{_n(kept_rows)}** lines ({kept_share:.1%}) worth **{m(kept_rev)}** "
            f"({rev_share:.1%}) from **{_n(s['kept_customers'])}** customers; "
            f"{_n(anon_rows)} anonymous lines ({m(anon_rev)}) are set aside and count only in "
            "revenue totals.")
    if len(top):
        text += (f" The rule that removed most lines is {code_span(top['rule'].iloc[0])} "
                 f"({_n(top['rows'].iloc[0])} lines).")
    if flagged:
        text += (f" {_n(flagged)} lines are flagged as extreme (kept): check them before "
                 "trusting any ranking of customers.")
    return text


def customer_coverage(transactions: pd.DataFrame, customers: pd.DataFrame | None,
                      lang: str = "en") -> pd.DataFrame:
    """How buyers and registered customers overlap (the method's potential customers).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean transactions.
    customers : pandas.DataFrame or None
        The prepared customers table.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        Counts of buyers, registered customers, registered buyers, registered
        non-buyers (potential customers) and buyers missing from the customers table.
    """
    check_lang(lang)
    buyers = set(transactions["customer_id"].dropna().unique())
    labels = {
        "en": ["customers who bought", "registered customers", "registered and bought",
               "registered, never bought (potential)", "bought, not in customers table"],
        "zh": ["有购买的客户", "注册客户", "注册且有购买", "注册但未购买(潜在客户)",
               "有购买但不在客户表中"],
    }[lang]
    if customers is None:
        values = [len(buyers), None, None, None, None]
    else:
        registered = set(customers["customer_id"].dropna().unique())
        values = [len(buyers), len(registered), len(buyers & registered),
                  len(registered - buyers), len(buyers - registered)]
    head = {"en": "customers", "zh": "客户数"}[lang]
    return pd.DataFrame({head: values}, index=labels)


def segmentation_summary(summary: pd.DataFrame, value: pd.Series, importance: pd.Series,
                         relationship: pd.Series, lang: str = "en", currency: str = "") -> str:
    """A paragraph interpreting the value, importance and relationship classes.

    Parameters
    ----------
    summary : pandas.DataFrame
        Customer summary with ``total_revenue``.
    value, importance, relationship : pandas.Series
        Labels (English or Chinese) from :mod:`custlib.segments.schemes`.
    lang : {'en', 'zh'}
    currency : str

    Returns
    -------
    str
        Markdown.
    """
    check_lang(lang)
    rev = summary["total_revenue"]
    first = value.cat.categories[0]  # the high tier, whatever the language
    high = value == first
    share_c, share_r = high.mean(), rev[high.reindex(rev.index, fill_value=False)].sum() / rev.sum()
    lost_label = relationship.cat.categories[-1]
    lost = float((relationship == lost_label).mean())
    potential_label = importance.cat.categories[-1]
    potential = int((importance == potential_label).sum())
    top = _money(float(rev[high].mean()), currency)
    if lang == "zh":
        return (f"**{share_c:.0%}** 的客户(高价值客户)贡献了 **{share_r:.0%}** 的收入,"
                f"人均 {top}。按关系分类,**{lost:.0%}** 的客户(含已注册未购买者)已流失;"
                f"潜在客户共 **{potential:,}** 位,是获客与转化工作的对象。")
    return (f"**{share_c:.0%}** of customers (the high-value tier) make **{share_r:.0%}** of "
            f"revenue, {top} each on average. By relationship, **{lost:.0%}** of customers "
            f"(registered non-buyers included) are lost; **{potential:,}** are potential "
            "customers, the target of acquisition and conversion.")


def skipped(table: str, lang: str = "en") -> str:
    """The note shown where a section needs an optional table the run does not have.

    Parameters
    ----------
    table : {'customers', 'survey', 'context', 'customer_clv'}
    lang : {'en', 'zh'}
    """
    check_lang(lang)
    names = {"customers": ("customers table", "客户属性表"), "survey": ("survey", "调查数据"),
             "context": ("business-context file", "业务背景文件"),
             "customer_clv": ("CLV table of notebook 03 (run 03 first)",
                              "笔记本 03 的 CLV 结果(请先运行 03)")}
    en, zh = names.get(table, (table, table))
    if lang == "zh":
        return f"*本次运行没有{zh},本节跳过。*"
    return f"*This run has no {en}: this section is skipped.*"


def not_run(notebooks: list[str], lang: str = "en") -> str:
    """The note shown when notebooks whose results the report uses have not run.

    Parameters
    ----------
    notebooks : list of str
        Their names, as :meth:`custlib.run.workflow.ReportInputs.missing` gives them.
    lang : {'en', 'zh'}

    Examples
    --------
    >>> print(not_run(["03_clv"]))
    *Not run yet, their parts are skipped: 03\\_clv*
    """
    check_lang(lang)
    names = ", ".join(escape_markdown(n) for n in notebooks)
    if lang == "zh":
        return f"*以下笔记本尚未运行,相关部分跳过:{names}*"
    return f"*Not run yet, their parts are skipped: {names}*"


def model_choice_summary(comparison: Any, lang: str = "en") -> str:
    """What the model comparison chose, why, and how far its holdout forecast was off.

    Parameters
    ----------
    comparison : custlib.value.btyd.ModelComparison
        Fitted.
    lang : {'en', 'zh'}

    Returns
    -------
    str
        Markdown.
    """
    check_lang(lang)
    row = comparison.table_.loc[comparison.selected_]
    err = float(row["holdout_error_pct"])
    retried = [escape_markdown(m) for m in
               comparison.table_.loc[comparison.table_["attempts"] > 1, "model"]]
    failed = [escape_markdown(m) for m in comparison.failed_]
    stopped = [escape_markdown(comparison.models_[k].name)
               for k in getattr(comparison, "stopped_", {}) if k in comparison.models_]
    model, reason = escape_markdown(row["model"]), escape_markdown(comparison.reason_)
    if lang == "zh":
        text = (f"选用 **{model}**:{reason}。在留存期它预测 "
                f"**{_n(row['holdout_predicted'])}** 次重复购买,实际 "
                f"**{_n(row['holdout_actual'])}** 次,总量误差 **{err:+.1f}%**,"
                f"每位客户平均绝对误差 {row['holdout_mae']:.2f} 次。")
        if abs(err) > 20:
            text += (" 误差超过 20%:模型假设购买率不随时间变化,季节性、促销或客户结构的变化"
                     "都会使总量偏离;请把预测当作基准,而非精确值。")
        if retried:
            text += f" {'、'.join(retried)} 首次拟合未收敛,已从其他起点重试成功。"
        if failed:
            text += f" 未能收敛的模型:{'、'.join(failed)}(见下表)。"
        if stopped:
            text += (f" **{'、'.join(stopped)} 因达到时间或迭代上限而提前停止**,参数未必是最优值,"
                     "重新运行时可能略有不同:可缩短观察期、改用 `model_time_unit: weeks`,"
                     "或选择其他模型(`model`)。")
        return text
    text = (f"The kit uses **{model}**: {reason}. Over the holdout period it "
            f"predicted **{_n(row['holdout_predicted'])}** repeat purchases against "
            f"**{_n(row['holdout_actual'])}** actual, a total error of **{err:+.1f}%**, and "
            f"missed each customer by {row['holdout_mae']:.2f} purchases on average.")
    if abs(err) > 20:
        direction = "under" if err < 0 else "over"
        text += (f" An error above 20% is large: the model {direction}-predicts. It assumes "
                 "each customer's buying rate is steady and that it sees each customer from their "
                 "first purchase, so seasonality, promotions, a changing customer base or "
                 "customers who bought before the log starts push totals off; read its "
                 "forecasts as a baseline, not a promise.")
    if retried:
        text += (f" {', '.join(retried)} did not converge at first and converged from "
                 "another starting point (see `attempts`).")
    if failed:
        text += f" Did not converge at all: {', '.join(failed)}."
    if stopped:
        text += (f" **{', '.join(stopped)} stopped early at its time or iteration limit**: its "
                 "parameters may not be the best fit and can differ slightly on a rerun; try "
                 "a shorter observation window, `model_time_unit: weeks`, or another `model`.")
    return text


def spend_check(spend: Any, lang: str = "en", currency: str = "") -> str:
    """The Gamma-Gamma independence check and the population spend, in words.

    Parameters
    ----------
    spend : custlib.value.btyd.GammaGammaModel
        Fitted.
    lang : {'en', 'zh'}
    currency : str
    """
    check_lang(lang)
    corr = spend.correlation_
    ok = abs(corr) < 0.3
    mean = _money(spend.population_mean_, currency) if spend.population_mean_ >= 100 \
        else escape_markdown(f"{spend.population_mean_:.2f} {currency}".strip())
    if lang == "zh":
        verdict = "可以认为二者独立,模型适用。" if ok else \
            "相关性偏高,模型的独立性假设可疑,消费额预测需谨慎使用。"
        text = (f"在 **{_n(spend.n_customers_)}** 位重复购买客户中,"
                f"购买频次与平均消费额的相关系数为 **{corr:.2f}**:{verdict} "
                f"一位新客户的期望单次消费为 **{mean}**。")
        if getattr(spend, "penalizer_used_", 0.0) > getattr(spend, "penalizer", 0.0):
            text += (f" 消费额模型只有在惩罚系数 {spend.penalizer_used_:g} 下才收敛:"
                     "重复购买客户的平均消费额过于接近,参数无法自由估计。")
        return text
    verdict = ("small enough to treat them as independent, as the model assumes." if ok else
               "large enough to doubt the model's independence assumption: use the spend "
               "forecasts with care.")
    text = (f"Among the **{_n(spend.n_customers_)}** repeat buyers, purchase frequency and "
            f"average spend correlate at **{corr:.2f}**: {verdict} A customer with no repeat "
            f"purchase yet is expected to spend **{mean}** per purchase.")
    if getattr(spend, "penalizer_used_", 0.0) > getattr(spend, "penalizer", 0.0):
        text += (f" The spend model converged only with a penalty of "
                 f"{spend.penalizer_used_:g}, which pulls its parameters towards each other: "
                 "the repeat buyers' average spends are too alike to estimate freely.")
    return text


def clv_summary(table: pd.DataFrame, by_segment: pd.DataFrame | None = None, *,
                horizon_months: int = 12, lang: str = "en", currency: str = "") -> str:
    """Total future value, its concentration, and the segment that carries most of it.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer with ``clv``, ``clv_decile`` and ``p_alive``.
    by_segment : pandas.DataFrame, optional
        From :func:`custlib.value.clv.clv_by_segment` (first row = largest value).
    horizon_months : int
    lang : {'en', 'zh'}
    currency : str
    """
    check_lang(lang)
    total = float(table["clv"].sum())
    top = float(table.loc[table["clv_decile"] == 1, "clv"].sum()) / total if total else 0.0
    alive = float((table["p_alive"] >= 0.5).mean())
    seg = None
    if by_segment is not None and len(by_segment):
        share_col = [c for c in by_segment.columns if c in ("share of CLV", "CLV 占比")][0]
        seg = (escape_markdown(by_segment.index[0]), float(by_segment.iloc[0][share_col]))
    if lang == "zh":
        text = (f"未来 {horizon_months} 个月,全部 **{_n(len(table))}** 位客户的折现利润合计 "
                f"**{_money(total, currency)}**;价值最高的 10% 客户占 **{top:.0%}**。"
                f"**{alive:.0%}** 的客户存活概率不低于 50%。")
        if seg:
            text += f" 价值最大的细分群体是 **{seg[0]}**,占未来价值的 {seg[1]:.0%}。"
        return text
    text = (f"Over the next {horizon_months} months, the **{_n(len(table))}** customers are "
            f"worth **{_money(total, currency)}** in discounted profit; the top 10% "
            f"hold **{top:.0%}** of it. **{alive:.0%}** of customers are at least 50% likely "
            "to be alive.")
    if seg:
        text += (f" The segment worth most is **{seg[0]}**, with {seg[1]:.0%} of the future "
                 "value.")
    return text


def lifecycle_summary(state: pd.DataFrame, actions: dict[str, pd.DataFrame], *,
                      lang: str = "en", currency: str = "") -> str:
    """Where the customers stand in their lifecycle, and the size of each action list.

    Parameters
    ----------
    state : pandas.DataFrame
        :meth:`custlib.lifecycle.stages.LifecycleStager.state_at`.
    actions : dict of str to pandas.DataFrame
        From :func:`custlib.lifecycle.stages.action_lists`.
    lang : {'en', 'zh'}
    currency : str
    """
    check_lang(lang)
    buyers = state[state["stage"] != "potential"]
    n = len(buyers)
    share = buyers["stage"].astype(str).value_counts() / n if n else pd.Series(dtype=float)
    healthy = float(share.reindex(["new", "active", "loyal", "reactivated"]).fillna(0).sum())
    risk = float(share.reindex(["at_risk", "dormant"]).fillna(0).sum())
    lost = float(share.get("churned", 0.0))
    rev = float(buyers["revenue"].sum())
    lost_rev = float(buyers.loc[buyers["stage"] == "churned", "revenue"].sum()) / rev if rev \
        else 0.0
    stake = float(actions["win_back"]["value_at_stake"].sum()) if "win_back" in actions and \
        "value_at_stake" in actions["win_back"] else 0.0
    sizes = {k: len(v) for k, v in actions.items()}
    if lang == "zh":
        return (f"在 **{_n(n)}** 位购买过的客户中,**{healthy:.0%}** "
                f"处于新客、活跃、忠诚或回流阶段,**{risk:.0%}** 有风险或已沉睡,"
                f"**{lost:.0%}** 已流失(他们贡献了 "
                f"{lost_rev:.0%} 的历史收入)。行动清单:挽回 {_n(sizes.get('win_back', 0))} 人"
                f"(涉及历史收入约 {_money(stake, currency)}),保持 "
                f"{_n(sizes.get('retention', 0))} 人,成长 {_n(sizes.get('growth', 0))} 人,"
                f"新客培育 {_n(sizes.get('onboarding', 0))} 人。")
    return (f"Of the **{_n(n)}** customers who have bought, **{healthy:.0%}** are new, active, "
            f"loyal or reactivated, **{risk:.0%}** are at risk or dormant and **{lost:.0%}** "
            f"have churned (they brought {lost_rev:.0%} of past revenue). Action lists: "
            f"win-back {_n(sizes.get('win_back', 0))} customers ("
            f"{_money(stake, currency)} of past revenue at stake), retention "
            f"{_n(sizes.get('retention', 0))}, growth {_n(sizes.get('growth', 0))}, "
            f"onboarding {_n(sizes.get('onboarding', 0))}.")


def customer_basics(summary: pd.DataFrame, customers: pd.DataFrame | None = None, *,
                    lang: str = "en", currency: str = "") -> str:
    """Who the customers are, in a paragraph: how many, what they buy, and (with a
    customers table) their largest types and regions.

    Parameters
    ----------
    summary : pandas.DataFrame
        Customer summary (``n_orders``, ``total_revenue``, ``first_purchase``).
    customers : pandas.DataFrame, optional
        The prepared customers table.
    lang : {'en', 'zh'}
    currency : str
    """
    check_lang(lang)
    n = len(summary)
    rev = float(summary["total_revenue"].sum())
    orders = float(summary["n_orders"].mean())
    aov = rev / float(summary["n_orders"].sum()) if summary["n_orders"].sum() else 0.0
    repeat = float((summary["n_orders"] > 1).mean())
    parts = []
    if customers is not None:
        for col in ("customer_type", "region", "age_band"):
            if col in customers and customers[col].notna().any():
                top = customers[col].astype(str).value_counts(normalize=True).head(3)
                parts.append((col, ", ".join(f"{escape_markdown(k)} {v:.0%}"
                                             for k, v in top.items())))
    names = {"customer_type": ("type", "类型"), "region": ("region", "地区"),
             "age_band": ("age", "年龄段")}
    if lang == "zh":
        text = (f"共有 **{_n(n)}** 位客户购买过,收入合计 **{_money(rev, currency)}**;"
                f"人均 {orders:.1f} 笔订单,平均订单金额 {_money(aov, currency)};"
                f"**{repeat:.0%}** 的客户有重复购买。")
        if parts:
            text += " 客户构成:" + ";".join(f"{names[c][1]} {t}" for c, t in parts) + "。"
        return text
    text = (f"**{_n(n)}** customers have bought, for **{_money(rev, currency)}** in "
            f"total: {orders:.1f} orders each on average, {_money(aov, currency)} per "
            f"order; **{repeat:.0%}** bought more than once.")
    if parts:
        text += " Largest groups by " + "; by ".join(f"{names[c][0]}: {t}" for c, t in parts) \
            + "."
    return text
