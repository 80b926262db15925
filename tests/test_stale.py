"""Company figures flagged as superseded, stale or behind a newer filing."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from dealloop.cli import app
from dealloop.data.stale import figure_flags


def _figs(rows: list[tuple[str, str, str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "entity", "metric", "period", "as_of", "sources"]
                        ).assign(unit="usd_bn", value=1.0)


def test_annual_and_quarterly_flows_do_not_supersede_each_other() -> None:
    f = _figs([("A", "x", "revenue", "FY2025", "2025-05-31", "s"),
               ("Q", "x", "revenue", "Q3 FY2026", "2026-02-28", "s"),
               ("Q0", "x", "revenue", "Q2 FY2026", "2025-11-30", "s")])
    flags = figure_flags(f)
    assert "A" not in flags                      # no later annual revenue
    assert flags["Q0"] == ("superseded by Q (2026-02-28)",)


def test_stale_counts_from_the_cutoff_and_undated_figures_are_left_alone() -> None:
    f = _figs([("old", "x", "cash", "", "2024-12-31", "s"),
               ("new", "y", "cash", "", "2026-01-01", "s"),
               ("nodate", "x", "debt", "", "", "s")])
    assert figure_flags(f)["old"][0].startswith("stale: 2024-12-31")
    assert figure_flags(f, cutoff=pd.Timestamp("2025-06-30").date()) == {}
    assert "nodate" not in figure_flags(f)


def test_behind_filing_needs_a_primary_source_of_the_same_firm() -> None:
    f = _figs([("agg", "x", "cash", "", "2025-03-31", "s-agg"),
               ("filed", "x", "debt", "", "2025-09-30", "s-sec"),
               ("other", "y", "debt", "", "2025-12-31", "s-sec")])
    s = pd.DataFrame({"id": ["s-agg", "s-sec"], "tier": ["aggregator", "primary"]})
    flags = figure_flags(f, s)
    assert flags["agg"] == ("behind filing: x reported to 2025-09-30 (filed)",)
    assert "filed" not in flags and "other" not in flags
    assert "agg" not in figure_flags(f)          # no tiers given: no filing check


def test_explain_json_names_the_flags_of_the_cited_figures() -> None:
    res = CliRunner().invoke(app, ["stress", "openai-no-new-money", "--no-band",
                                   "--explain", "openai", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)["explain"]
    cited = {f for line in out["lines"] for f in str(line["figures"]).split(";") if f}
    assert set(out["figure_flags"]) <= cited
    for why in out["figure_flags"].values():
        assert why and all(w.split(":")[0].split(" ")[0] in {"superseded", "stale", "behind"}
                           for w in why)


def test_a_reported_period_counts_as_a_report_but_a_run_rate_does_not() -> None:
    f = _figs([("cash", "x", "cash", "", "2025-06-30", "s"),
               ("rev", "x", "revenue", "2025", "2025", "s"),
               ("rr", "y", "revenue_run_rate", "run-rate 2026-02", "2026-02", "s"),
               ("ycash", "y", "cash", "", "2025-06-30", "s"),
               ("guide", "y", "other", "FY2026", "2026-03-10", "s")])
    flags = figure_flags(f)
    # x reported its 2025 revenue (to 2025-12-31): its mid-2025 cash is behind that report
    assert flags["cash"] == ("behind filing: x reported to 2025-12-31 (rev)",)
    # a run-rate or guidance is not a report, and flows with a period are never 'behind filing'
    assert "ycash" not in flags and "rev" not in flags
