"""Teaching: the exercise checks (right, wrong with a hint, never the answer, unanswered,
not applicable), the exercises in every notebook, and the student and teacher copies."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from custlib import check
from custlib.data.cleaning import Extremes, clean_transactions
from custlib.lifecycle.cohorts import kaplan_meier
from custlib.report.strategy import swot_facts
from custlib.run.cli import main
from custlib.run.params import discover_notebooks
from custlib.segments.rfm import RFMScorer
from custlib.teaching import copies
from custlib.teaching.check import Feedback

ROOT = Path(__file__).resolve().parents[1]


def shown(value: float) -> list[str]:
    """Ways a message could give ``value`` away."""
    out = {f"{value:g}", f"{value:.2f}", f"{value:.1f}", f"{value:,.0f}", str(round(value))}
    if abs(value) <= 1:
        out |= {f"{value:.0%}", f"{value:.1%}", f"{100 * value:.1f}", f"{100 * value:.0f}"}
    return sorted(out)


def hides(feedback: Feedback, *values: object) -> bool:
    """Whether none of ``values`` appears in the message (numbers in any usual format)."""
    assert isinstance(feedback, Feedback)
    text = feedback.message
    for v in values:
        forms = shown(float(v)) if isinstance(v, (int, float, np.number)) else [str(v)]
        for form in forms:
            if len(form) > 1 and form in text:
                return False
    return True


def right(feedback: Feedback) -> bool:
    return feedback.ok and feedback.status == "right"


def wrong(feedback: Feedback) -> bool:
    return not feedback.ok and feedback.status == "wrong"


# --- data the checks judge against --------------------------------------------------------


@pytest.fixture(scope="module")
def cleaned():
    """60 lines: a duplicate, a postage line, 3 anonymous lines, three large quantities."""
    big = {5: 30, 25: 60, 45: 400}  # flagged: 2 with extreme_factor 3, 3 with 2
    rows = [(str(1 + i % 12), str(1000 + i), f"2023-{1 + i % 12:02d}-{1 + i % 27:02d} 10:00",
             str(big.get(i, 1 + i % 4)), f"{2 + i % 5}.50", "A") for i in range(60)]
    rows[10] = ("", "1010", "2023-11-11 10:00", "2", "3.50", "A")
    rows[11] = ("", "1011", "2023-12-12 10:00", "10", "4.50", "A")
    rows[12] = ("", "1012", "2023-01-13 10:00", "20", "5.50", "A")
    rows.append(rows[0])  # an exact duplicate
    rows.append(("3", "2000", "2023-05-05 10:00", "1", "9.00", "POST"))
    raw = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "quantity",
                                      "unit_price", "product_id"]).astype(str)
    raw["source_row"] = np.arange(len(raw), dtype="int64")
    return clean_transactions(raw)


def summary() -> pd.DataFrame:
    days = [1, 5, 10, 20, 40, 60, 90, 120, 200, 300]
    orders = [9, 7, 5, 4, 3, 2, 2, 1, 1, 1]
    revenue = [900.0, 500, 300, 250, 120, 80, 60, 40, 20, 10]
    s = pd.DataFrame({"days_since_last_purchase": days, "n_orders": orders,
                      "total_revenue": revenue}, index=[f"c{i}" for i in range(10)])
    s["avg_order_value"] = s["total_revenue"] / s["n_orders"]
    return s


# --- the result object --------------------------------------------------------------------


def test_feedback_shows_in_a_notebook_escaped():
    fb = Feedback(ok=False, status="wrong", message="Not yet. <b>*x*</b> & [a](b)")
    assert "&lt;b&gt;" in fb._repr_html_() and "<b>" not in fb._repr_html_()
    assert "&amp;" in fb._repr_html_()
    assert 'class="custlib-check custlib-check-wrong"' in fb._repr_html_()
    md = fb._repr_markdown_()
    assert "\\<b\\>" in md and "\\*x\\*" in md and "\\[a\\]\\(b\\)" in md
    assert str(fb).startswith("❌ Not yet.") and not fb
    assert Feedback(ok=True, status="right", message="Right.")


# --- every check: unanswered does not raise, right passes, wrong is rejected, hidden -----


def test_kept_rows(cleaned):
    n = len(cleaned.transactions)
    assert right(check.kept_rows(n, cleaned)) and right(check.kept_rows(str(n), cleaned))
    for bad in (n + 1, n - 1, 0, cleaned.raw_rows):
        fb = check.kept_rows(bad, cleaned)
        assert wrong(fb) and hides(fb, n)
    assert "too high" in check.kept_rows(n + 1, cleaned).message
    assert "too low" in check.kept_rows(n - 1, cleaned).message
    assert wrong(check.kept_rows(n + 0.5, cleaned))  # a whole number of rows
    assert "整数" in check.kept_rows("x", cleaned, lang="zh").message


def test_top_rule(cleaned):
    log = cleaned.log.set_index("rule")
    assert log.loc["missing_customer", "rows"] == 3  # the most rows taken: set aside
    assert log.loc["duplicates", "rows"] == 1 and log.loc["non_product", "rows"] == 1
    for said in ("missing_customer", "Missing customer", " MISSING-customer "):
        assert right(check.top_rule(said, cleaned)), said
    from custlib.data.cleaning.result import rule_label
    assert right(check.top_rule(rule_label("missing_customer", "en"), cleaned))
    assert right(check.top_rule(rule_label("missing_customer", "zh"), cleaned, lang="zh"))
    fb = check.top_rule("duplicates", cleaned)
    assert wrong(fb) and hides(fb, "missing_customer", rule_label("missing_customer", "en"))
    unknown = check.top_rule("shipping", cleaned)
    assert wrong(unknown) and "first column" in unknown.message
    assert hides(unknown, "missing_customer", rule_label("missing_customer", "en"))
    tidy = clean_transactions(pd.DataFrame({
        "customer_id": ["1", "2"], "order_id": ["1", "2"], "order_date": ["2023-01-02"] * 2,
        "quantity": ["1", "2"], "unit_price": ["3.0", "4.0"], "product_id": ["A", "K"]}))
    assert check.top_rule("duplicates", tidy).status == "not_applicable"


def test_extreme_lines(cleaned):
    flagged = int(Extremes(factor=2.0).limits(cleaned.transactions)[0].sum())
    at3 = int(cleaned.transactions["is_extreme"].sum())
    assert (flagged, at3) == (3, 2)  # a lower limit flags more lines
    assert right(check.extreme_lines(flagged, cleaned, factor=2.0))
    fb = check.extreme_lines(at3, cleaned, factor=2.0)
    assert wrong(fb) and hides(fb, flagged) and "too low" in fb.message
    assert right(check.extreme_lines(at3, cleaned, factor=3.0))


def test_revenue_share(cleaned):
    share = cleaned.anonymous["amount"].sum() / cleaned.raw_revenue
    assert share == pytest.approx(162 / 2032.5)  # 3 anonymous lines of 2,032.50 raw revenue
    args = (cleaned.anonymous["amount"], cleaned.raw_revenue)
    assert right(check.revenue_share(share, *args))
    assert right(check.revenue_share(round(share, 2), *args))  # a share to the percent
    for bad in (share + 0.02, share - 0.02, 1 - share):
        fb = check.revenue_share(bad, *args)
        assert wrong(fb) and hides(fb, share)
    fb = check.revenue_share(100 * share, *args)  # a percentage, not a fraction
    assert wrong(fb) and "fraction" in fb.message
    assert check.revenue_share(0.1, [], 0).status == "not_applicable"


def test_rfm_score():
    s = summary()
    scorer = RFMScorer().fit(s)
    code = scorer.transform(s).loc["c4", "rfm_code"]
    assert code == "333"
    assert right(check.rfm_score("333", "c4", scorer, s))
    assert right(check.rfm_score(333, "c4", scorer, s))
    assert right(check.rfm_score((3, 3, 3), "c4", scorer, s))
    fb = check.rfm_score("343", "c4", scorer, s)
    assert wrong(fb) and "Look again at F:" in fb.message and hides(fb, code)
    fb = check.rfm_score("444", "c4", scorer, s)
    assert wrong(fb) and "R, F, M" in fb.message
    assert wrong(check.rfm_score("high", "c4", scorer, s))


def test_pareto_share():
    revenue = summary()["total_revenue"]  # 900+500+300+250 = 1950 of 2280: 4 customers reach 80%
    assert right(check.pareto_share(0.4, revenue))
    assert right(check.pareto_share(0.395, revenue))  # within one point
    for bad in (0.2, 0.3, 0.5, 0.8):
        fb = check.pareto_share(bad, revenue)
        assert wrong(fb) and hides(fb, 0.4)
    assert right(check.pareto_share(0.2, revenue, share=0.6))  # 1400 of 2280 = 61%


@pytest.mark.parametrize(("said", "ok"), [("up", True), ("more", True), ("上升", True),
                                          ("down", False), ("same", False)])
def test_direction(said, ok):
    fb = check.direction(said, 10, 12)
    assert fb.ok is ok and hides(fb, 12)
    assert right(check.direction("same", 3, 3)) and right(check.direction("fewer", 3, 2))
    assert "up" in check.direction("sideways", 1, 2).message


def test_repeat_buyers():
    ch = pd.DataFrame({"frequency": [0, 0, 1, 3, 0, 2]})
    assert right(check.repeat_buyers(3, ch))
    fb = check.repeat_buyers(6, ch)
    assert wrong(fb) and hides(fb, 3)
    assert check.repeat_buyers(3, None).status == "not_applicable"


def test_model_choice():
    comparison = SimpleNamespace(ranked_first_="pareto", models_={"bgnbd": 0, "pareto": 0,
                                                                   "mbgnbd": 0})
    for said in ("pareto", "Pareto/NBD", "pareto nbd", "PARETO/NBD"):
        assert right(check.model_choice(said, comparison)), said
    fb = check.model_choice("BG/NBD", comparison)
    assert wrong(fb) and hides(fb, "Pareto", "pareto")
    unknown = check.model_choice("random forest", comparison)
    assert wrong(unknown) and "comparison table" in unknown.message
    assert hides(unknown, "Pareto", "pareto")
    assert check.model_choice("pareto", None).status == "not_applicable"


def test_p_alive_direction():
    from custlib.value.purchase import BTYDModel

    rng = np.random.default_rng(0)
    n = 300
    T = rng.uniform(20, 52, n)
    freq = rng.poisson(2, n).astype(float)
    rec = np.where(freq > 0, T * rng.uniform(0.2, 1, n), 0.0)
    s = pd.DataFrame({"frequency": freq, "recency": rec, "T": T},
                     index=[f"c{i}" for i in range(n)])
    s.loc["one", ["frequency", "recency", "T"]] = [0, 0, 30]
    s.loc["many", ["frequency", "recency", "T"]] = [6, 25, 30]
    model = BTYDModel("bgnbd").fit(s)
    fb = check.p_alive_direction("down", model, s, "many", later=8)
    assert right(fb)
    assert wrong(check.p_alive_direction("up", model, s, "many", later=8))
    # BG/NBD: a customer who bought once is alive for sure, however long the silence
    assert right(check.p_alive_direction("same", model, s, "one", later=8))
    assert wrong(check.p_alive_direction("down", model, s, "one", later=8))
    assert check.p_alive_direction("down", None, s, "many", later=8).status == "not_applicable"


def test_top_share():
    values = pd.Series(np.arange(1.0, 21.0))  # top 10% = the 2 largest: 39 of 210
    assert right(check.top_share(39 / 210, values))
    for bad in (0.1, 0.5, 39 / 210 + 0.02):
        fb = check.top_share(bad, values)
        assert wrong(fb) and hides(fb, 39 / 210)
    assert right(check.top_share(20 / 210, pd.Series(np.arange(1.0, 21.0)), top=0.05))
    assert check.top_share(0.5, None).status == "not_applicable"


def state() -> pd.DataFrame:
    return pd.DataFrame({"stage": pd.Categorical(["active", "dormant", "dormant", "churned",
                                                  "at_risk"])},
                        index=["a", "b", "c", "d", "e"])


def test_stage_count_and_stage_of():
    st = state()
    assert right(check.stage_count(2, st, "dormant"))
    fb = check.stage_count(3, st, "dormant")
    assert wrong(fb) and hides(fb, 2)
    for said in ("at_risk", "At risk", "at risk", "风险客户"):
        assert right(check.stage_of(said, "e", st)), said
    fb = check.stage_of("dormant", "e", st)
    assert wrong(fb) and hides(fb, "at_risk", "At risk")
    unknown = check.stage_of("sleepy", "e", st)
    assert wrong(unknown) and "stage guide" in unknown.message
    assert hides(unknown, "at_risk", "At risk")


def test_median_lifetime():
    curve = kaplan_meier(pd.Series([10.0, 20, 30, 40, 50, 60]), pd.Series([True] * 6))
    # six churned at 10..60 days: survival 3/6 = 0.5 at day 30
    assert right(check.median_lifetime(30, curve)) and right(check.median_lifetime(32, curve))
    for bad in (20, 40, 60):
        fb = check.median_lifetime(bad, curve)
        assert wrong(fb) and hides(fb, 30)
    never = kaplan_meier(pd.Series([10.0, 20, 30]), pd.Series([True, False, False]))
    assert check.median_lifetime(10, never).status == "not_applicable"


def test_nps():
    survey = pd.DataFrame({"recommend": [10, 9, 9, 8, 7, 6, 3, np.nan, 10, 0]})
    # 9 answers: 4 promoters, 2 passives, 3 detractors: NPS = 100 x (4 - 3) / 9 = 11.1
    assert right(check.nps(100 / 9, survey)) and right(check.nps(11, survey))
    for bad in (10, 40, -11):
        fb = check.nps(bad, survey)
        assert wrong(fb) and hides(fb, 100 / 9)
    assert "points" in check.nps(0.11, survey).message
    assert check.nps(10, None).status == "not_applicable"
    assert check.nps(10, survey.drop(columns="recommend")).status == "not_applicable"


def test_top_priority():
    priorities = pd.DataFrame({"customers": [10, 300], "value_at_stake": [900.0, 500.0]},
                              index=pd.Index(["Champions", "Hibernating"], name="segment"))
    assert right(check.top_priority("Champions", priorities))
    assert right(check.top_priority("champions", priorities))
    fb = check.top_priority("Hibernating", priorities)
    assert wrong(fb) and hides(fb, "Champions") and "value at stake" in fb.message
    assert wrong(check.top_priority("Unknown", priorities))


def test_swot_item():
    measured = {"repeat_rate": 0.22, "top10_share": 0.61, "nps": 12.0}
    facts = swot_facts(measured)
    assert sorted(facts["quadrant"]) == ["threats", "weaknesses"]
    for _, fact in facts.iterrows():  # the kit's own facts pass
        assert right(check.swot_item((fact["quadrant"], fact["item"]), measured))
    assert right(check.swot_item(("weakness", "Only 22% of customers came back"), measured))
    assert right(check.swot_item(("劣势", "只有 22% 的客户再次购买"), measured, lang="zh"))
    assert right(check.swot_item(("threats", "The top tenth brings 0.61 of revenue"), measured))
    cases = {
        ("strengths", "Only 22% of customers came back"): "quadrant",  # wrong quadrant
        ("strengths", "NPS is 12"): "no rule",  # in the analysis, but no rule fires
        ("weaknesses", "Only 35% of customers came back"): "not one of",  # not measured
        ("weaknesses", "Few customers came back"): "cites its number",
    }
    for answer, says in cases.items():
        fb = check.swot_item(answer, measured)
        assert wrong(fb) and says in fb.message, (answer, fb)
        assert hides(fb, "weaknesses", "threats", "Weakness", "Threat")
    assert wrong(check.swot_item("weaknesses: 22%", measured))  # not a pair
    assert wrong(check.swot_item(("problems", "22%"), measured))
    assert check.swot_item(("weaknesses", "22%"), {"repeat_rate": 0.3}).status == \
        "not_applicable"


UNANSWERED = [
    lambda a, c: check.kept_rows(a, c),
    lambda a, c: check.top_rule(a, c),  # a log with rows removed
    lambda a, c: check.extreme_lines(a, c, factor=2.0),
    lambda a, c: check.revenue_share(a, c.anonymous["amount"], c.raw_revenue),
    lambda a, c: check.rfm_score(a, "c1", RFMScorer().fit(summary()), summary()),
    lambda a, c: check.pareto_share(a, summary()["total_revenue"]),
    lambda a, c: check.direction(a, 1, 2),
    lambda a, c: check.repeat_buyers(a, pd.DataFrame({"frequency": [0, 1]})),
    lambda a, c: check.model_choice(a, SimpleNamespace(ranked_first_="bgnbd",
                                                       models_={"bgnbd": 0})),
    lambda a, c: check.top_share(a, summary()["total_revenue"]),
    lambda a, c: check.stage_count(a, state(), "dormant"),
    lambda a, c: check.stage_of(a, "a", state()),
    lambda a, c: check.median_lifetime(a, kaplan_meier(pd.Series([1.0, 2, 3]),
                                                       pd.Series([True] * 3))),
    lambda a, c: check.nps(a, pd.DataFrame({"recommend": [9, 3]})),
    lambda a, c: check.top_priority(a, pd.DataFrame(index=["x"])),
    lambda a, c: check.swot_item(a, {"repeat_rate": 0.1}),
]


@pytest.mark.parametrize("call", UNANSWERED, ids=range(len(UNANSWERED)))
@pytest.mark.parametrize("answer", [..., None, "", (..., ...)], ids=repr)
def test_unanswered_says_so_and_does_not_raise(call, answer, cleaned):
    fb = call(answer, cleaned)
    assert fb.status == "unanswered" and not fb.ok
    assert "Not answered yet" in fb.message


def test_every_check_is_tested_and_speaks_chinese():
    tested = Path(__file__).read_text(encoding="utf-8")
    for name in check.__all__:
        if name[0].islower():
            assert f"check.{name}(" in tested, name
    zh = check.direction("up", 2, 1, lang="zh")
    assert zh.message.startswith("还不对。") and " " not in zh.message.split("。")[1][:3]
    assert check.direction(..., 1, 2, lang="zh").message.startswith("尚未作答")


def test_every_message_a_check_names_is_in_the_catalogs():
    from custlib import i18n

    source = "".join((ROOT / "custlib" / "teaching" / name).read_text(encoding="utf-8")
                     for name in ("check_data.py", "check_value.py", "feedback.py"))
    hints = set(re.findall(r'\blang, "([a-z_]+)"', source))  # _wrong(lang, "hint"), ...
    whys = set(re.findall(r'_not_applicable\(lang, "([a-z_]+)"\)', source))
    hints -= whys
    assert len(hints) >= 25 and len(whys) >= 6
    for lang in i18n.LANGS:
        assert {f"teaching.hint.{h}" for h in hints} <= set(i18n.catalog(lang)), lang
        assert {f"teaching.why.{w}" for w in whys} <= set(i18n.catalog(lang)), lang


# --- the exercises in the notebooks -------------------------------------------------------


@pytest.fixture(params=discover_notebooks(), ids=lambda p: p.name)
def book(request):
    return request.param, json.loads(request.param.read_text(encoding="utf-8"))


def test_every_notebook_has_four_exercises_each_with_its_solution(book):
    path, nb = book
    found = copies.exercises(nb)
    assert len(found) >= 4, path.name
    cells = nb["cells"]
    starts = ["".join(c["source"]).split("\n")[0] for c in cells]
    heading, learned = starts.index("## Exercises"), starts.index("## What we learned")
    for ex, sol in found:
        assert sol == ex + 1, f"{path.name}: exercise cell {ex} has no solution after it"
        assert heading < ex < learned and cells[ex - 1]["cell_type"] == "markdown"
        exercise, solution = "".join(cells[ex]["source"]), "".join(cells[sol]["source"])
        assert "= ...  # " in exercise or "(..., ...)" in exercise, exercise
        called = exercise.splitlines()[-1].split("(")[0]
        assert called.startswith("check.") and solution.splitlines()[-1].startswith(called)
        assert "..." not in solution.replace("(..., ...)", "")


# --- the copies ---------------------------------------------------------------------------


def test_student_and_teacher_copies(tmp_path):
    assert main(["student", "--out", str(tmp_path / "build")]) == 0
    for path in discover_notebooks():
        original = json.loads(path.read_text(encoding="utf-8"))
        student = json.loads((tmp_path / "build" / "student" / path.name).read_text("utf-8"))
        teacher = json.loads((tmp_path / "build" / "teacher" / path.name).read_text("utf-8"))
        tags = [t for c in student["cells"] for t in c["metadata"].get("tags", [])]
        assert "solution" not in tags and tags.count("exercise") >= 4
        n_solutions = sum("solution" in c["metadata"].get("tags", []) for c in original["cells"])
        assert len(student["cells"]) == len(original["cells"]) - n_solutions
        assert [c["id"] for c in teacher["cells"]] == [c["id"] for c in original["cells"]]
        assert all(not c.get("outputs") and c.get("execution_count") is None
                   for c in student["cells"] + teacher["cells"] if c["cell_type"] == "code")
        intro = "".join(student["cells"][0]["source"])
        link = re.search(r"\[glossary\]\(([^)]+)\)", intro).group(1)  # found from the copy
        assert (tmp_path / "build" / "student" / link).resolve() == ROOT / "docs" / "glossary.md"
    readme = (tmp_path / "build" / "student" / "README.md").read_text(encoding="utf-8")
    assert "Student copies" in readme and "jupyter lab" in readme and "学生版" in readme
    assert "solution" in (tmp_path / "build" / "teacher" / "README.md").read_text("utf-8")


def test_copies_strip_outputs_and_replace_an_old_copy(tmp_path):
    nb = {"cells": [{"cell_type": "code", "id": "a", "metadata": {"tags": ["exercise"],
                                                                   "execution": {"x": 1}},
                     "execution_count": 3, "outputs": [{"output_type": "stream"}],
                     "source": "answer = ...  # x"},
                    {"cell_type": "code", "id": "b", "metadata": {"tags": ["solution"]},
                     "execution_count": 4, "outputs": [], "source": "answer = 1"}],
          "metadata": {"papermill": {}}, "nbformat": 4, "nbformat_minor": 5}
    out = copies.student_copy(nb)
    assert [c["id"] for c in out["cells"]] == ["a"]
    assert out["cells"][0]["outputs"] == [] and out["cells"][0]["execution_count"] is None
    assert "execution" not in out["cells"][0]["metadata"] and "papermill" not in out["metadata"]
    assert nb["cells"][0]["outputs"]  # the original is untouched
    assert copies.exercises(nb) == [(0, 1)]
    page = {"cells": [{"cell_type": "markdown", "source": "[a](../docs/x.md#y) [b](https://e.org)"
                       " [c](#top) [d](mailto:x@e.org)"}]}
    copies.relink(page, tmp_path / "nb", tmp_path / "out" / "student")
    assert "".join(page["cells"][0]["source"]) == \
        "[a](../../docs/x.md#y) [b](https://e.org) [c](#top) [d](mailto:x@e.org)"
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "old.ipynb").write_text("{}")
    copies.write_copies(tmp_path)
    assert not (tmp_path / "student" / "old.ipynb").exists()


# --- the copies run under nbval (make test-full) ------------------------------------------


@pytest.mark.fullrun
@pytest.mark.notebooks
@pytest.mark.parametrize("kind", ["student", "teacher"])
def test_copies_run_under_nbval(kind, tmp_path):
    """Every cell of every copy runs, in order (02 reads what 01 wrote), on the demo data."""
    folders = copies.write_copies(tmp_path / "build")
    env = {**os.environ, "CUSTLIB_REPORTS_DIR": str(tmp_path / "reports"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", "--rootdir", str(folders[kind]), str(folders[kind])],
        cwd=folders[kind], env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert (tmp_path / "reports" / "demo" / "report.html").exists()
