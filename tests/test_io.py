"""Loaders: files in three formats, presets, mapping, and errors for bad sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from custlib.data.loading import (
    PRESETS,
    load_context,
    load_table,
    load_transactions,
    read_table,
)
from custlib.errors import ColumnError, DataError, ParameterError, SourceError
from custlib.run.config import resolve_path


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_formats_load_to_the_same_contract_frame(tmp_path, uci_like, fmt):
    path = tmp_path / f"log.{fmt}"
    if fmt == "csv":
        uci_like.to_csv(path, index=False)
    elif fmt == "parquet":
        uci_like.to_parquet(path)
    else:
        uci_like.to_excel(path, index=False)
    tx = load_transactions(path)
    assert len(tx) == 5
    assert tx["source_row"].tolist() == [0, 1, 2, 3, 4]
    assert tx["order_id"].astype(str).tolist()[3] == "C489436"
    assert tx.attrs["column_mapping"]["unit_price"] == "Price"


def test_csv_is_read_as_text_so_ids_keep_leading_zeros(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("customer,date,amount\n007,2020-01-01,5\n", encoding="utf-8")
    tx = load_transactions(path)
    assert tx["customer_id"].tolist() == ["007"]


def test_relative_paths_are_read_from_the_project_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the working directory must not matter
    assert resolve_path("data/raw/demo").parent.name == "raw"
    tx = load_transactions("cdnow_sample")
    assert len(tx) == 6919


def test_cdnow_presets_match_the_published_sizes():
    sample = load_transactions("cdnow_sample")
    assert (len(sample), sample["customer_id"].nunique()) == (6919, 2357)
    master = load_transactions("cdnow_master")
    assert (len(master), master["customer_id"].nunique()) == (69659, 23570)
    assert set(sample.columns) == {"customer_id", "order_date", "quantity", "amount",
                                   "source_row"}
    assert sample["order_date"].iloc[0] == "19970101"


def test_mapping_overrides_a_preset():
    tx = load_transactions("cdnow_sample", columns={"quantity": None})
    assert "quantity" not in tx.columns


def test_missing_file_is_one_clear_message(tmp_path):
    with pytest.raises(SourceError, match="file not found"):
        load_transactions(tmp_path / "nope.csv")


def test_unknown_preset_lists_the_presets():
    with pytest.raises(SourceError) as err:
        load_transactions("cdnow_full")
    assert "'cdnow_sample'" in str(err.value)


def test_unknown_suffix(tmp_path):
    p = tmp_path / "log.json"
    p.write_text("{}")
    with pytest.raises(SourceError, match="cannot tell the format"):
        read_table(p)


def test_misnamed_column_message_lists_columns(tmp_path, uci_like):
    path = tmp_path / "log.csv"
    uci_like.rename(columns={"Customer ID": "Kunde"}).to_csv(path, index=False)
    with pytest.raises(ColumnError) as err:
        load_transactions(path)
    assert "'customer_id'" in str(err.value) and "'Kunde'" in str(err.value)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("Invoice,Customer ID,InvoiceDate,Quantity,Price\n")
    with pytest.raises(SourceError, match="no transactions rows"):
        load_transactions(p)


def test_optional_tables_may_be_absent():
    assert load_table("customers", "") is None
    assert load_context("") == {}


def test_one_loader_for_every_table_of_the_contract():
    assert load_table("survey", None) is None and load_table("customers", "") is None
    survey = load_table("survey", "demo")
    assert {"customer_id", "satisfaction", "source_row"} <= set(survey.columns)
    assert len(load_table("transactions", "cdnow_sample")) == 6919
    with pytest.raises(ParameterError, match="parameter 'table' is 'orders'"):
        load_table("orders", "demo")
    with pytest.raises(SourceError, match="neither a file nor a preset"):
        load_table("transactions", "")


def test_context_rejects_unknown_keys_and_bad_yaml(tmp_path):
    p = tmp_path / "ctx.yaml"
    p.write_text("company: {name: X}\ncompetitor: []\n")
    with pytest.raises(DataError, match="'competitor'"):
        load_context(p)
    p.write_text("company: [unclosed\n")
    with pytest.raises(DataError, match="not valid YAML"):
        load_context(p)


def test_context_picks_one_language_and_loses_nothing(tmp_path):
    p = tmp_path / "ctx.yaml"
    p.write_text("company: {name: Acme, name_zh: 艾克米, founded: 2001}\n"
                 "analysis: {purpose: Know them, purpose_zh: 了解客户, background_zh: 只有中文}\n"
                 "swot: {strengths: [Fast], strengths_zh: [快], threats: [Rivals]}\n",
                 encoding="utf-8")
    en, zh = load_context(p), load_context(p, lang="zh")
    assert en["company"] == {"name": "Acme", "founded": 2001}
    assert zh["company"] == {"name": "艾克米", "founded": 2001}
    assert en["analysis"] == {"purpose": "Know them", "background": "只有中文"}
    assert zh["analysis"] == {"purpose": "了解客户", "background": "只有中文"}
    assert zh["swot"] == {"strengths": ["快"], "threats": ["Rivals"]}
    assert load_context("demo", lang="zh")["company"]["name"] == "暖家生活有限公司"
    with pytest.raises(ParameterError, match="'lang'"):
        load_context(p, lang="fr")


def test_context_labels_name_the_data_values_per_language(tmp_path):
    import pandas as pd

    from custlib.data.context import check_labels, data_labels, relabel
    from custlib.run.workflow import CleanTables

    p = tmp_path / "ctx.yaml"
    p.write_text("company: {name: Acme}\n"
                 "labels: {zh: {web: 网店, store: 门店, price_zh: 价格后缀, 7: 七号}}\n",
                 encoding="utf-8")
    ctx = load_context(p, lang="zh")
    # labels is read as written: keys ending in _zh are data values, not twins
    assert data_labels(ctx, "zh") == {"web": "网店", "store": "门店", "price_zh": "价格后缀",
                                      "7": "七号"}
    assert data_labels(load_context(p), "en") == {} and data_labels({}, "zh") == {}
    tx = pd.DataFrame({"customer_id": ["web", "b"], "channel": ["web", "fax"],
                       "category": pd.Categorical(["store", "store"]), "amount": [1.0, 2.0]})
    clean = CleanTables(tx, pd.DataFrame({"customer_id": ["a"], "region": [7]}),
                        pd.DataFrame({"customer_id": ["a"], "top_need": ["store"]}), {})
    named = clean.relabelled(data_labels(ctx, "zh"))
    assert named.transactions["channel"].tolist() == ["网店", "fax"]
    assert named.transactions["category"].tolist() == ["门店", "门店"]
    assert named.transactions["customer_id"].tolist() == ["web", "b"]  # ids never renamed
    assert named.survey["top_need"].tolist() == ["门店"]
    assert tx["channel"].tolist() == ["web", "fax"]  # the clean tables are not changed
    assert clean.relabelled({}) is clean
    recorded = CleanTables(tx, None, None, {"labels": check_labels({"zh": {"web": "网店"}})})
    assert recorded.data_labels("zh") == {"web": "网店"} and recorded.data_labels("en") == {}
    assert clean.data_labels("zh") == {}  # notebook 01 recorded none
    assert relabel(named.customers, {"7": "x"}) is named.customers  # numbers are not names
    assert relabel(named.customers, {"7": "x"}, ["region"])["region"].tolist() == ["x"]
    demo = data_labels(load_context("demo", lang="zh"), "zh")
    assert demo["web"] == "网店" and demo["Kitchen"] == "厨具" and demo["price"] == "价格"


@pytest.mark.parametrize(("labels", "message"), [
    ("[a, b]", "'labels' is a list; expected a mapping of report languages"),
    ("{fr: {web: site}}", "'labels.fr' is not a report language; expected 'en', 'zh'"),
    ("{zh: [网店]}", "'labels.zh' is a list; expected a mapping of data values"),
    ("{zh: {web: [网店]}}", "'labels.zh.web' is \\['网店'\\]; expected the text shown"),
    ("{zh: {web: ''}}", "'labels.zh.web' is ''; expected the text shown for the data value"),
])
def test_context_labels_of_the_wrong_shape_name_the_key(tmp_path, labels, message):
    p = tmp_path / "ctx.yaml"
    p.write_text(f"labels: {labels}\n", encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_context(p, lang="zh")


def test_presets_are_documented():
    for name, preset in PRESETS.items():
        assert preset.name == name and preset.description


def test_loader_never_modifies_the_file(tmp_path, uci_like):
    path = tmp_path / "log.csv"
    uci_like.to_csv(path, index=False)
    before = path.read_bytes()
    load_transactions(path)
    assert path.read_bytes() == before


def test_demo_preset_loads_all_tables():
    assert Path(PRESETS["demo"].transactions).exists()
    tx = load_transactions("demo")
    assert {"customer_id", "order_id", "order_date", "quantity", "unit_price",
            "product_id", "category", "channel", "country"} <= set(tx.columns)
    cust = load_table("customers", "demo")
    assert cust["customer_id"].is_unique
    assert load_context("demo")["company"]["name"]


@pytest.mark.fullrun  # a fresh interpreter importing lifetimes (4 s): in make test-full
def test_loading_cdnow_leaves_warning_filters_alone():
    # in a fresh interpreter, where lifetimes has not been imported yet
    import subprocess
    import sys

    code = ("import warnings\n"
            "from custlib.data.loading import load_transactions\n"
            "before = list(warnings.filters)\n"
            "load_transactions('cdnow_sample')\n"
            "import sys; assert 'lifetimes' in sys.modules\n"
            "assert warnings.filters == before, 'filters changed'\n"
            "assert not any(f[2] is FutureWarning for f in warnings.filters)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("separator", ["tab", "TAB", "\t", "\\t"])
def test_tab_separator_is_accepted_as_params_allow_it(tmp_path, separator):
    path = tmp_path / "log.txt"
    path.write_text("customer\tdate\tamount\n7\t2020-01-01\t5;5\n", encoding="utf-8")
    df = read_table(path, separator=separator)
    assert df.columns.tolist() == ["customer", "date", "amount"]
    assert df["amount"].tolist() == ["5;5"] and df.attrs["read_options"]["separator"] == "\t"
    with pytest.raises(ParameterError, match="parameter 'separator' is 'tabs'"):
        read_table(path, separator="tabs")
