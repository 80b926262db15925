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
from dealloop.macro import IOTable, capex_table, comparisons, macro_panel, pullback, read_io
from dealloop.macro.pullback import gdp_effect

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
    assert res.io_used == "io.csv"
    first = pullback(net, cut=0.5, year=2026, import_share=0.75)
    assert first.io_used is None and first.gdp_change == pytest.approx(-first.domestic_cut)


@pytest.mark.parametrize(("text", "expected"), [
    ("sector,a,b,output\na,1,2,10\nb,1,2,10\n", "io.csv:1: capex_share: missing column"),
    ("sector,a,b,output,capex_share\na,x,2,10,0.5\nb,1,2,10,0.5\n",
     "io.csv:2: a: expected a number >= 0"),
    ("sector,a,b,output,capex_share\na,1,2,10,0.5\nb,1,2,10,0.4\n",
     "io.csv: capex_share: shares add up to 0.9, not 1"),
    ("sector,a,b,output,capex_share\nb,1,2,10,0.5\na,1,2,10,0.5\n",
     "io.csv: sector: rows must name the sector columns in the same order"),
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
