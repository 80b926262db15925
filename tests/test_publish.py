"""Outputs ready to publish: dataset export round trip, citation, charts from the CLI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import dealloop as dl
from dealloop.cite import citation
from dealloop.cli import app
from dealloop.export import export_dataset

runner = CliRunner()
TABLES = ("entities", "deals", "sources", "figures", "history")


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Values with every missing cell as None (an all-empty column may load as text or as
    object, NaN or None)."""
    return frame.astype(object).where(frame.notna(), None)


def _same(a: dl.DealNetwork, b: dl.DealNetwork) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(_cells(getattr(a, name)), _cells(getattr(b, name)))
    for name, frame in a.tables.items():
        pd.testing.assert_frame_equal(_cells(frame), _cells(b.tables[name]))
    pd.testing.assert_frame_equal(_cells(a.provenance), _cells(b.provenance))


def test_export_dataset_round_trip(tmp_path: Path) -> None:
    net = dl.load()
    back = dl.load(export_dataset(net, tmp_path / "copy"))
    _same(net, back)
    assert back.meta["version"] == net.meta["version"]
    # Same tables, and the same numbers out of them.
    assert back.legs(horizon=(2026, 2030))["value_in_horizon"].sum() == pytest.approx(
        net.legs(horizon=(2026, 2030))["value_in_horizon"].sum())


def test_export_as_of_round_trip_is_valid(tmp_path: Path) -> None:
    then = dl.load(as_of="2025-09-30")
    folder = export_dataset(then, tmp_path / "then")
    assert [p for p in dl.validate(folder) if p.severity == "error"] == []
    back = dl.load(folder)
    _same(then, back)
    assert back.meta["as_of"] == "2025-09-30"
    assert "2025-09-30" in citation(back)["text"]


def test_export_never_overwrites_a_dataset(tmp_path: Path) -> None:
    net = dl.load()
    folder = export_dataset(net, tmp_path / "copy")
    before = (folder / "deals.csv").read_bytes()
    with pytest.raises(ValueError, match="not empty"):
        export_dataset(dl.load(as_of="2025-01"), folder)
    assert (folder / "deals.csv").read_bytes() == before
    out = runner.invoke(app, ["export", "--format", "dataset", "-o", str(folder)])
    assert out.exit_code == 1 and "not empty" in out.output and "Traceback" not in out.output


def test_cite_names_version_hash_and_licence() -> None:
    net = dl.load()
    c = citation(net)
    assert c["version"] == net.meta["version"]
    assert c["content_hash"] == net.meta["content_hash"] and c["content_hash"] in c["text"]
    assert c["licence"]["name"] == "CC-BY-4.0" and "CC-BY-4.0" in c["bibtex"]
    assert c["bibtex"].startswith("@misc{") and c["bibtex"].rstrip().endswith("}")
    out = runner.invoke(app, ["cite", "--json"])
    assert out.exit_code == 0 and json.loads(out.output)["content_hash"] == c["content_hash"]
    text = runner.invoke(app, ["cite"])
    assert "How to cite" in text.output and net.meta["version"] in text.output


def test_a_modified_copy_says_so(tmp_path: Path) -> None:
    folder = export_dataset(dl.load(), tmp_path / "copy")
    deals = folder / "deals.csv"
    deals.write_text(deals.read_text().replace("Headline letter of intent",
                                               "Letter of intent"))
    c = citation(dl.load(folder))
    assert c["release_status"] == "modified" and "Modified copy" in c["text"]


@pytest.mark.parametrize("name,args", [("calendar", ["--firm", "openai"]), ("timeline", []),
                                       ("network", [])])
def test_chart_writes_svg_and_png(tmp_path: Path, name: str, args: list[str]) -> None:
    pytest.importorskip("matplotlib")
    svg, png = tmp_path / f"{name}.svg", tmp_path / f"{name}.png"
    for path in (svg, png):
        out = runner.invoke(app, ["chart", name, "-o", str(path), *args])
        assert out.exit_code == 0, out.output
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_is_reproducible(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    for path in (a, b):
        assert runner.invoke(app, ["chart", "calendar", "-o", str(path)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_chart_refuses_bad_input(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["chart", "calender", "-o", str(tmp_path / "x.svg")])
    assert bad.exit_code == 2 and "did you mean 'calendar'" in bad.output
    bad = runner.invoke(app, ["chart", "calendar", "-o", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 2 and ".svg or .png" in bad.output
    bad = runner.invoke(app, ["chart", "calendar", "--firm", "opnai", "-o",
                              str(tmp_path / "x.svg")])
    assert bad.exit_code == 2 and not (tmp_path / "x.svg").exists()
    assert "--firm: unknown firm 'opnai'; did you mean openai" in bad.output
