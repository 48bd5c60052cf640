"""The message catalogs: every language has every key with the same fields, every key the
code asks for exists, and adding a language is adding a folder of catalogs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from custlib import i18n
from custlib.errors import CustlibError, ParameterError

ROOT = Path(__file__).resolve().parents[1]
# t("domain.key" ...), i18n.t("domain.key" ...), label("domain", "key" ...)
T_CALL = re.compile(r"""\bt\(\s*["']([a-z0-9_]+(?:\.[A-Za-z0-9_]+)+)["']""")


def _sources() -> dict[str, str]:
    out = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
           for p in (ROOT / "custlib").rglob("*.py")
           if p != ROOT / "custlib" / "i18n" / "__init__.py"}  # its examples are made up
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        out[str(nb.relative_to(ROOT))] = "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return out


def test_there_are_two_languages_english_first():
    assert i18n.LANGS[:1] == ("en",) and "zh" in i18n.LANGS


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGS if lang != "en"])
def test_every_language_has_every_key_with_the_same_fields(lang):
    en, other = i18n.catalog("en"), i18n.catalog(lang)
    missing = sorted(set(en) - set(other))
    extra = sorted(set(other) - set(en))
    assert not missing, f"keys missing from the {lang} catalogs: {missing[:20]}"
    assert not extra, f"keys in the {lang} catalogs that English lacks: {extra[:20]}"
    fields = [k for k in en if i18n.fields_of(en[k]) != i18n.fields_of(other[k])]
    assert not fields, f"messages whose {{fields}} differ between en and {lang}: {fields[:20]}"
    empty = [k for k in other if not other[k].strip()]
    assert not empty, f"empty messages in {lang}: {empty[:20]}"


def test_every_key_the_code_asks_for_exists():
    en = i18n.catalog("en")
    asked = {(where, key) for where, text in _sources().items()
             for key in T_CALL.findall(text)}
    assert asked, "the scan found no t(...) call: the pattern is wrong"
    unknown = sorted(f"{where}: {key}" for where, key in asked if key not in en)
    assert not unknown, "keys asked for but in no catalog:\n" + "\n".join(unknown)


def test_lookup_fill_fall_back_and_errors():
    assert i18n.t("common.customers", "zh") == "客户数"
    assert i18n.label("nowhere", "customers", "zh") == "客户数"  # common as fallback
    assert i18n.label("common", "Kenya", "zh") == "Kenya"  # data values pass through
    assert i18n.labels("common", "en")["orders"] == "orders"
    with pytest.raises(CustlibError, match="no message 'common.nope'"):
        i18n.t("common.nope", "en")
    with pytest.raises(ParameterError, match="parameter 'lang' is 'fr'"):
        i18n.check_lang("fr")


def test_adding_a_language_is_adding_a_folder(tmp_path, monkeypatch):
    """A copy of the English catalogs under another code is a working language."""
    shutil.copytree(i18n.CATALOG_DIR, tmp_path / "catalogs")
    shutil.copytree(tmp_path / "catalogs" / "en", tmp_path / "catalogs" / "fr")
    (tmp_path / "catalogs" / "fr" / "common.yaml").write_text(
        (tmp_path / "catalogs" / "en" / "common.yaml").read_text(encoding="utf-8")
        .replace("customers: customers", "customers: clients"), encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOG_DIR", tmp_path / "catalogs")
    monkeypatch.setattr(i18n, "LANGS", i18n._languages(tmp_path / "catalogs"))
    i18n.catalog.cache_clear()
    try:
        assert "fr" in i18n.LANGS
        assert i18n.t("common.customers", "fr") == "clients"
    finally:
        i18n.catalog.cache_clear()


def test_a_field_left_unfilled_is_named(tmp_path, monkeypatch):
    monkeypatch.setitem(i18n.catalog("en"), "common.x_test", "{n} customers")  # type: ignore
    try:
        assert i18n.t("common.x_test", "en", n="3") == "3 customers"
        with pytest.raises(CustlibError, match="needs the field 'n'"):
            i18n.t("common.x_test", "en", m=1)
    finally:
        i18n.catalog.cache_clear()
