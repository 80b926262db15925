"""The macro panel: capex against GDP, history in nominal/real/%GDP, and the capex pullback
through a Leontief input-output table, checked by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import dealloop as dl
from dealloop.cli import app
from dealloop.data.problems import DataError
from dealloop.macro import (
    BUNDLED_IO,
    IOTable,
    bundled_io,
    capex_table,
    comparisons,
    macro_panel,
    pullback,
    read_io,
)
from dealloop.macro.pullback import gdp_effect

ROOT = Path(__file__).resolve().parents[1]

TWO = "sector,a,b,output,capex_share,sources\na,10,20,100,0,s1\nb,30,40,200,1,s1\n"


@pytest.fixture(scope="module")
def net():
    return dl.load()


def test_two_sector_leontief_by_hand() -> None:
    """A = Z / x by column = [[.1, .1], [.3, .2]]; (I - A)^-1 = [[.8, .1], [.3, .9]] / .69.
    A cut of 13 in b's final demand: dx = [-1.3, -11.7] / .69; value added per unit of
    output is [.6, .7], so GDP falls by .6 dx_a + .7 dx_b = -13 (a closed table's GDP change
    equals its final-demand change)."""
    t = IOTable(("a", "b"), np.array([[10.0, 20.0], [30.0, 40.0]]),
                np.array([100.0, 200.0]), np.array([60.0, 140.0]), np.array([0.0, 1.0]))
    dx, dgdp = gdp_effect(t, -13.0)
    assert dx == pytest.approx([-1.3 / 0.69, -11.7 / 0.69])
    assert dgdp == pytest.approx(0.6 * (-1.3 / 0.69) + 0.7 * (-11.7 / 0.69))
    assert dgdp == pytest.approx(-13.0)
    # with imported inputs (value added below output less domestic inputs) GDP falls less
    t2 = IOTable(t.sectors, t.Z, t.x, np.array([50.0, 100.0]), t.capex_share)
    assert gdp_effect(t2, -13.0)[1] == pytest.approx(0.5 * dx[0] + 0.5 * dx[1])


def test_read_io_and_pullback_through_the_table(tmp_path: Path, net) -> None:
    p = tmp_path / "io.csv"
    p.write_text(TWO)
    t = read_io(p)
    assert t.sectors == ("a", "b") and t.va.tolist() == [60.0, 140.0] and t.sources == ("s1",)
    res = pullback(net, cut=0.5, year=2026, import_share=0.75, io=t)
    capex = float(macro_panel(net).totals.loc[2026, "total"])
    assert res.domestic_cut == pytest.approx(0.5 * capex * 0.25)
    assert res.gdp_change == pytest.approx(-res.domestic_cut)
    assert res.sectors["value_added_change"].sum() == pytest.approx(res.gdp_change)
    assert res.io_used == "io.csv (s1)"
    # all the demand on b: output moves by (1.3 + 11.7) / .69 per 13 of demand
    assert res.output_multiplier == pytest.approx(1 / 0.69)
    assert res.output_change == pytest.approx(-res.domestic_cut / 0.69)
    assert res.gdp_multiplier == pytest.approx(1.0)
    first = pullback(net, cut=0.5, year=2026, import_share=0.75)
    assert first.io_used is None and first.gdp_change == pytest.approx(-first.domestic_cut)
    assert math.isnan(first.output_multiplier) and first.sectors.empty


@pytest.mark.parametrize(("text", "expected"), [
    ("sector,a,b,output\na,1,2,10\nb,1,2,10\n", "io.csv:1: capex_share: missing column"),
    ("sector,a,b,output,capex_share\na,x,2,10,0.5\nb,1,2,10,0.5\n",
     "io.csv:2: a: expected a number >= 0"),
    ("sector,a,b,output,capex_share\na,1,2,10,0.5\nb,1,2,10,0.4\n",
     "io.csv: capex_share: shares add up to 0.9, not 1"),
    ("sector,a,b,output,capex_share\nb,1,2,10,0.5\na,1,2,10,0.5\n",
     "io.csv: sector: rows must name the sector columns in the same order"),
    # comment lines count: the bad cell is on line 4 of the file
    ("# title: t\n# year: 2020\nsector,a,b,output,capex_share\na,x,2,10,0.5\nb,1,2,10,0.5\n",
     "io.csv:4: a: expected a number >= 0"),
    ("# year: 20x0\nsector,a,output,capex_share\na,1,10,1\n", "io.csv: year: expected a year"),
])
def test_bad_io_tables_are_located(tmp_path: Path, text: str, expected: str) -> None:
    p = tmp_path / "io.csv"
    p.write_text(text)
    with pytest.raises(DataError) as e:
        read_io(p)
    assert any(str(x).startswith(expected) for x in e.value.problems), e.value.problems


def test_capex_prefers_reported_over_guidance(net) -> None:
    t = capex_table(net)
    alph = t[(t["firm"] == "alphabet") & (t["year"] == 2025)]
    assert set(alph["basis"]) == {"reported", "guidance"}
    totals = macro_panel(net).totals
    y25 = t[t["year"] == 2025]
    rep = y25[y25["basis"] == "reported"]
    assert totals.loc[2025, "total"] == pytest.approx(rep["value"].sum())
    assert totals.loc[2025, "share_of_gdp"] == pytest.approx(totals.loc[2025, "total"]
                                                            / 29184.89)


def test_history_in_real_dollars_and_shares_of_gdp_by_hand(net) -> None:
    c = comparisons(net).set_index("label")
    tarp = c.loc["TARP authorised"]
    assert tarp["real"] == pytest.approx(700 * 315.605 / 219.086)
    assert tarp["share_of_gdp"] == pytest.approx(700 / 14441.4)
    assert (tarp["cpi_row"], tarp["gdp_row"]) == ("H948", "H953")
    dot = c.loc["market value lost, 2000-2002"]
    assert dot["real"] == pytest.approx(5000 * 315.605 / 179.9)
    assert dot["share_of_gdp"] == pytest.approx(5000 / 10642.3)
    assert set(c["episode"]) >= {"dot-com 2000-02", "telecom 2000-02", "2008 crisis",
                                 "AI 2025-28"}


def test_pullback_refuses_bad_input(net) -> None:
    with pytest.raises(ValueError, match="cut"):
        pullback(net, cut=1.5)
    with pytest.raises(ValueError, match="year: no capex figures for 1999"):
        pullback(net, year=1999)


def test_cli_macro_text_json_and_bad_io(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["macro"])
    assert r.exit_code == 0, r.output
    assert "AI capex by firm and year" in r.output and "Capex pullback 2026" in r.output
    r = CliRunner().invoke(app, ["macro", "--json", "--cut", "0.5"])
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["pullback"]["cut"] == 0.5 and doc["comparisons"]
    assert all(not (isinstance(v, float) and math.isnan(v)) for v in doc["pullback"].values())
    bad = tmp_path / "io.csv"
    bad.write_text("sector,a,output,capex_share\na,-1,10,1\n")
    r = CliRunner().invoke(app, ["macro", "--io", str(bad)])
    assert r.exit_code == 1 and "io.csv:2: a: expected a number >= 0" in r.output
    assert "Traceback" not in r.output
    r = CliRunner().invoke(app, ["macro", "--io", str(bad), "--first-round"])
    assert r.exit_code == 2 and "exclude each other" in r.output


def test_cli_macro_reports_through_the_shipped_table() -> None:
    r = CliRunner().invoke(app, ["macro"], terminal_width=400)
    assert r.exit_code == 0, r.output
    assert "through the input-output table BEA 1997 benchmark" in r.output
    assert "output multiplier" in r.output and "Pullback by sector" in r.output
    assert "Computer and electronic products (NAICS 334)" in r.output
    doc = json.loads(CliRunner().invoke(app, ["macro", "--json"]).stdout)["pullback"]
    assert doc["output_multiplier"] >= 1 and len(doc["sectors"]) == 7 and doc["notes"]
    r = CliRunner().invoke(app, ["macro", "--first-round"], terminal_width=400)
    assert r.exit_code == 0 and "first round only" in r.output


def test_io_table_metadata_lines() -> None:
    t = read_io(BUNDLED_IO)
    assert t.title.startswith("BEA 1997 benchmark") and t.year == 1997
    assert len(t.notes) == 3 and any("Bernstein" in n for n in t.notes)
    assert t.labels[2] == "Construction (NAICS 23)"


def test_shipped_table_is_read_balanced_and_its_multipliers_at_least_one() -> None:
    """The bundled BEA table: every column's intermediate inputs plus value added make its
    output (to the rounding of the file), output multipliers (column sums of the Leontief
    inverse) are at least 1, and value added per dollar of final demand is 1 in every column
    (BEA's use-based table counts imported inputs among intermediate ones)."""
    t = bundled_io()
    assert t.sectors[-1] == "rest_of_economy" and len(t.sectors) == 7
    assert t.Z.sum(axis=0) + t.va == pytest.approx(t.x, abs=0.01)
    # 1997 value added summed over the table: the BEA lines typed in add up to 8,345.6 bn
    assert t.va.sum() == pytest.approx(8345.6, abs=0.1)
    A = t.Z / t.x
    L = np.linalg.inv(np.eye(len(t.sectors)) - A)
    assert (L.sum(axis=0) >= 1.0).all() and (L >= -1e-12).all()
    assert (t.va / t.x) @ L == pytest.approx(np.ones(len(t.sectors)), abs=1e-4)
    assert t.capex_share.sum() == pytest.approx(1.0)
    assert {s for s, c in zip(t.sectors, t.capex_share, strict=True) if c} == {
        "computer_electronic", "construction"}


def test_shipped_table_rebuilds_from_the_typed_bea_lines() -> None:
    """Traceability: the shipped CSV is exactly what scripts/build_io_table.py makes of the
    BEA lines under scripts/data/bea1997 (a hand edit of the CSV fails here)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_io_table",
                                                  ROOT / "scripts" / "build_io_table.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.build() == BUNDLED_IO.read_text()
    # Bernstein's rack: 3.4 of compute, 2.5 of physical infrastructure (USD million)
    assert mod.CAPEX_SHARE == {"computer_electronic": round(3.4 / 5.9, 4),
                               "construction": round(2.5 / 5.9, 4)}


def test_shipped_table_sources_are_in_the_dataset(net) -> None:
    t = bundled_io()
    assert set(t.sources) <= set(net.sources["id"]) and len(t.sources) == 3
    src = net.sources.set_index("id")
    assert [src.loc[s, "original_publisher"] for s in t.sources] == [
        "Bureau of Economic Analysis", "Bureau of Economic Analysis", "Bernstein Research"]


def test_pullback_through_the_shipped_table(net) -> None:
    res = pullback(net, cut=0.3, year=2026, io=bundled_io())
    assert res.io_used is not None and res.io_used.startswith("BEA 1997 benchmark")
    assert res.gdp_change == pytest.approx(-res.domestic_cut, rel=1e-4)
    assert res.sectors["value_added_change"].sum() == pytest.approx(res.gdp_change)
    assert res.output_multiplier >= 1.0 and res.gdp_multiplier == pytest.approx(1.0, abs=1e-4)
    assert res.output_change == pytest.approx(res.sectors["output_change"].sum())
    assert (res.sectors["output_change"] <= 0).all()
    assert "output multiplier" in res.summary() and len(res.notes) == 3
