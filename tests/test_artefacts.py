"""The files a run hands on: saved, listed in the manifest, read back, written atomically."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from custlib.errors import ParameterError, SourceError
from custlib.run import artefacts
from custlib.run.config import run_folder


@pytest.fixture
def run(tmp_path):
    return run_folder("r", tmp_path)


@pytest.fixture
def table():
    return pd.DataFrame({"customer_id": ["a", "b", "c"], "revenue": [1.5, 2.0, 30.25],
                         "segment": ["新客户", "Champions", None]})


def test_table_round_trip_and_manifest(run, table):
    path = artefacts.save_table(table, run, "customer_things", written_by="02_segmentation",
                                csv=True)
    assert path == run.data / "customer_things.parquet"
    pd.testing.assert_frame_equal(artefacts.load_table(run, "customer_things"), table)
    entry = artefacts.read_manifest(run)["customer_things"]
    assert entry["path"] == "data/customer_things.parquet"
    assert entry["csv"] == "data/customer_things.csv"
    assert entry["written_by"] == "02_segmentation"
    assert entry["rows"] == 3 and entry["columns"] == ["customer_id", "revenue", "segment"]
    # the CSV copy: UTF-8 with BOM, no index for a plain range
    assert (run.data / "customer_things.csv").read_bytes().startswith(
        b"\xef\xbb\xbfcustomer_id,revenue,segment\n")


def test_a_named_index_is_kept(run, table):
    indexed = table.set_index("customer_id")
    artefacts.save_table(indexed, run, "by_id", csv=True)
    pd.testing.assert_frame_equal(artefacts.load_table(run, "by_id"), indexed)
    assert (run.data / "by_id.csv").read_text(encoding="utf-8-sig").startswith(
        "customer_id,revenue,segment\na,1.5,")


def test_csv_for_people_same_bytes_as_pandas(run, table):
    path = artefacts.save_csv(table.set_index("segment"), run, "profile_cards",
                              written_by="02_segmentation", index=True)
    expected = run.root / "expected.csv"
    table.set_index("segment").to_csv(expected, encoding="utf-8-sig")
    assert path == run.tables / "profile_cards.csv"
    assert path.read_bytes() == expected.read_bytes()
    entry = artefacts.read_manifest(run)["profile_cards"]
    assert entry["path"] == "tables/profile_cards.csv" and entry["format"] == "csv"
    assert entry["rows"] == 3
    with pytest.raises(SourceError, match="'profile_cards' of run 'r' is profile_cards.csv, "
                                          "a table for people"):
        artefacts.load_table(run, "profile_cards")
    artefacts.save_csv(table, run, "plain", index=False)
    assert (run.tables / "plain.csv").read_text(encoding="utf-8-sig").startswith(
        "customer_id,revenue")


def test_input_tables_without_index(run, table):
    part = table.iloc[[2, 0]]  # a filtered log keeps its row labels: not written
    path = artefacts.save_table(part, run, "transactions", kind="input", index=False,
                                written_by="custlib run --each")
    assert path == run.root / "input" / "transactions.parquet"
    assert list(pd.read_parquet(path).index) == [0, 1]
    with pytest.raises(ParameterError, match="kind is 'figures'"):
        artefacts.save_table(table, run, "x", kind="figures")


def test_missing_artefact_names_the_notebook_that_makes_it(run):
    with pytest.raises(SourceError) as err:
        artefacts.load_table(run, "customer_segments")
    assert str(err.value) == (
        f"run 'r' has no 'customer_segments' table ({run.data / 'customer_segments.parquet'}); "
        "run notebook 02_segmentation first, e.g. custlib run --run-name r --only 02")
    with pytest.raises(SourceError, match="run notebook 01_data_cleaning first, .* --only 01"):
        artefacts.load_table(run, "transactions_clean")
    with pytest.raises(SourceError, match="'mystery' table .*; run the notebook that writes "
                                          "it first"):
        artefacts.load_table(run, "mystery")


def test_json_figure_text_and_file_are_listed(run):
    artefacts.save_json({"n": pd.Series([3]).iloc[0], "day": pd.Timestamp("2024-01-02")},
                        run, "settings", written_by="03_clv")
    assert json.loads((run.data / "settings.json").read_text()) == \
        {"n": 3, "day": "2024-01-02T00:00:00"}
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    paths = artefacts.save_figure(fig, run, "curve", written_by="04_lifecycle")
    plt.close(fig)
    assert [p.name for p in paths] == ["curve.png", "curve.svg"]
    assert paths[0].read_bytes().startswith(b"\x89PNG") and b"<svg" in paths[1].read_bytes()
    artefacts.save_text("<p>hi</p>", run, "report.html", written_by="05_report")
    artefacts.save_file(run, "report.pdf", lambda tmp: tmp.write_bytes(b"%PDF-1.7"),
                        written_by="05_report")
    manifest = artefacts.read_manifest(run)
    assert manifest["settings"]["written_by"] == "03_clv"
    assert manifest["curve"]["files"] == ["figures/curve.png", "figures/curve.svg"]
    assert manifest["report.html"]["path"] == "report.html"
    assert (run.root / "report.pdf").read_bytes() == b"%PDF-1.7"
    assert not list(run.root.rglob("*.tmp"))  # no temporary file left behind


def test_a_figure_saved_twice_is_the_same_bytes(run, tmp_path):
    """No date in the SVG and the same clip-path ids (matplotlib draws them from a random
    salt unless told otherwise): two saves of one figure, in two runs, are equal files."""
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [3, 4])
    ax.set_title("two saves")
    first = artefacts.save_figure(fig, run, "bars")
    again = artefacts.save_figure(fig, run_folder("other", tmp_path), "bars")
    plt.close(fig)
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    svg = first[1].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and 'clip-path="url(#p' in svg


def test_png_text_chunks_are_where_matplotlib_writes_them():
    """The PNG's font record added after the draw gives the bytes matplotlib gives when it
    is passed as metadata (a figure without a layout engine draws the same both times)."""
    import io

    from custlib.plots.legibility import SMALLEST_FONT_KEY, png_bytes, png_metadata, with_png_text

    fig, ax = plt.subplots(layout="none")
    ax.plot([1, 2], [3, 4])
    ax.tick_params(labelsize=7.5)
    own = io.BytesIO()
    fig.savefig(own, format="png", dpi=80, metadata={SMALLEST_FONT_KEY: "7.5", "b": "c"})
    plain = io.BytesIO()
    fig.savefig(plain, format="png", dpi=80)
    assert with_png_text(plain.getvalue(), {SMALLEST_FONT_KEY: "7.5", "b": "c"}) == \
        own.getvalue()
    assert png_metadata(fig) == {SMALLEST_FONT_KEY: "7.5"}
    own = io.BytesIO()
    fig.savefig(own, format="png", dpi=80, metadata=png_metadata(fig))
    assert png_bytes(fig, dpi=80) == own.getvalue()
    plt.close(fig)
    with pytest.raises(ValueError, match="not a PNG file"):
        with_png_text(b"GIF89a", {"k": "v"})


def test_a_failed_write_leaves_no_partial_file_and_the_old_one_intact(run, table):
    artefacts.save_table(table, run, "t")
    before = (run.data / "t.parquet").read_bytes()

    class Boom(Exception):
        pass

    def half(tmp):
        tmp.write_bytes(b"PAR1 half a file")
        raise Boom("disk full")

    with pytest.raises(Boom):
        artefacts.atomic_write(run.data / "t.parquet", half)
    assert (run.data / "t.parquet").read_bytes() == before
    assert sorted(p.name for p in run.data.iterdir()) == ["t.parquet"]
    with pytest.raises(Boom):
        artefacts.atomic_write(run.data / "new.csv", half)
    assert not (run.data / "new.csv").exists()
    assert sorted(p.name for p in run.data.iterdir()) == ["t.parquet"]


def test_records_are_not_listed_and_notes_accumulate(run):
    artefacts.write_text(run.root / "run.json", "{}\n")
    assert artefacts.read_manifest(run) == {}
    assert artefacts.read_notes(run) == []
    artefacts.add_note(run, "segments", "computed here", notebook="02_segmentation")
    artefacts.add_note(run, "cleaning", "cleaned here", parameters={"lang": "en"})
    notes = artefacts.read_notes(run)
    assert [n["step"] for n in notes] == ["segments", "cleaning"]
    assert notes[0]["text"] == "computed here" and notes[0]["notebook"] == "02_segmentation"
    assert notes[1]["parameters"] == {"lang": "en"} and "written_at" in notes[1]


def test_a_big_table_is_written_in_batches_and_reads_back_the_same(run, monkeypatch):
    """Past TABLE_BATCH_ROWS rows a frame is written a batch at a time: it reads back as
    the frame written whole, its ``text`` columns as text."""
    import numpy as np
    import pyarrow.parquet as pq

    n = 23
    frame = pd.DataFrame({
        "snapshot": pd.to_datetime("2024-01-31") + pd.to_timedelta(np.arange(n) // 5, unit="D"),
        "customer_id": pd.Categorical(["b", "a", "客户", "b", None] * 4 + ["a"] * 3,
                                      categories=["b", "a", "客户", "unused"]),
        "stage": pd.Categorical(["new", "loyal"] * 11 + ["new"]),
        "revenue": np.linspace(0, 1, n),
    })
    whole = artefacts.save_table(frame, run, "whole", text=("customer_id", "stage"))
    monkeypatch.setattr(artefacts, "TABLE_BATCH_ROWS", 7)
    batched = artefacts.save_table(frame, run, "batched", text=("customer_id", "stage"))
    assert pq.ParquetFile(whole).metadata.num_row_groups == 1
    assert pq.ParquetFile(batched).metadata.num_row_groups == 4  # 7 + 7 + 7 + 2 rows
    want = frame.astype({"customer_id": "str", "stage": "str"})
    assert want["customer_id"].isna().sum() == 4
    for path, name in ((whole, "whole"), (batched, "batched")):
        pd.testing.assert_frame_equal(pd.read_parquet(path), want)
        pd.testing.assert_frame_equal(artefacts.load_table(run, name), want)
    assert artefacts.read_manifest(run)["batched"]["rows"] == n
    # an index worth keeping: written whole, with it
    indexed = frame.set_axis(pd.Index([f"c{i}" for i in range(n)], name="who"))
    path = artefacts.save_table(indexed, run, "indexed")
    assert pq.ParquetFile(path).metadata.num_row_groups == 1
    pd.testing.assert_frame_equal(pd.read_parquet(path), indexed)
