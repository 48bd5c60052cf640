"""One source of truth for what data a run has: no section contradicts another (issue 14,
point 6: section 4 said "this run has no survey" while section 5 showed it)."""

from __future__ import annotations

import pandas as pd
import pytest

from custlib.errors import ParameterError
from custlib.report import needs
from custlib.report.availability import RunData

SEG = pd.Series({"a": "Champions", "b": "Lost", "c": "Champions"})


def _survey(**cols) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["a", "b", "c"], **cols})


SURVEYS = {
    "none": None,
    "empty": _survey().iloc[:0],
    "nps only": _survey(recommend=[10, 3, 9]),
    "needs, no answers": _survey(recommend=[10, 3, 9], top_need=[None, None, None]),
    "full": _survey(recommend=[10, 3, 9], top_need=["price", "speed", "price"],
                    satisfaction=[5, 1, 4], complaint=[0, 1, 0]),
}


@pytest.mark.parametrize("name", list(SURVEYS))
def test_the_parts_drawn_are_exactly_those_the_run_data_says(name):
    survey = SURVEYS[name]
    have = RunData.of(survey=survey)
    assert have.has("needs") == (needs.top_needs(survey) is not None)
    assert have.has("nps") == (needs.nps(survey, SEG) is not None)
    assert have.has("satisfaction") == (needs.satisfaction_distribution(survey) is not None)
    for part in ("needs", "nps", "attitudes", "satisfaction"):
        assert (have.skipped(part) == "") == have.has(part)


def test_a_survey_without_a_needs_question_is_never_called_missing():
    have = RunData.of(survey=SURVEYS["nps only"])
    assert have.has("survey") and have.has("nps") and not have.has("needs")
    section4, section5 = have.skipped("needs"), have.skipped("nps")
    assert section4 == ("*The survey has no answers to the needs question (top_need): "
                        "this part is skipped.*")
    assert section5 == ""
    assert "no survey" not in section4
    assert have.skipped("attitudes", "zh") == (
        "*调查数据中没有满意度、复购意愿或投诉的回答(satisfaction, repurchase_intention, "
        "complaint),此部分跳过。*")


def test_without_a_survey_every_survey_part_says_the_same():
    have = RunData.of(transactions=pd.DataFrame({"category": ["a"], "channel": [None]}))
    notes = {have.skipped(p) for p in ("needs", "nps", "attitudes", "satisfaction")}
    assert notes == {"*This run has no survey: this section is skipped.*"}
    assert have.has("categories") and not have.has("channels")
    assert have.skipped("channels") == ("*The transaction log has no sales channels "
                                        "(channel): this part is skipped.*")


def test_context_without_competitors_is_not_a_missing_context():
    have = RunData.of(business={"company": {"name": "Acme"}, "competitors": []})
    assert have.has("context") and not have.has("competitors")
    assert have.skipped("competitors") == ("*The business-context file has no competitors "
                                           "(competitors): this part is skipped.*")
    assert RunData.of().skipped("competitors", "zh") == "*本次运行没有业务背景文件,本节跳过。*"
    with pytest.raises(ParameterError, match="unknown part 'survy'"):
        RunData.of().has("survy")
