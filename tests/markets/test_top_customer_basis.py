"""Two "top customer" shares, each shown with what it is a share of.

``dealloop circularity`` reports the top customer's share of a firm's in-network contract
value (full contract values, all years); ``dealloop signals`` reports its share of the
revenue the firm recognised over one stated period. For CoreWeave the two differ (Meta by
contract value, Microsoft by revenue), so every view must say which one it prints, and the
label must match where the number comes from.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

import dealloop as dl
from dealloop.circularity import customer_concentration
from dealloop.cli import app
from dealloop.markets import signals
from dealloop.vocabulary import CONTRACT_SHARE_BASIS, PURCHASE_KINDS, REVENUE_SHARE_BASIS

runner = CliRunner()
FIGURE = re.compile(r"\(figure (F\w+)\)")


@pytest.fixture(scope="module")
def net() -> dl.DealNetwork:
    return dl.load()


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_revenue_basis_names_the_figure_it_reads(net: dl.DealNetwork) -> None:
    """Every top-customer value in signals says "share of recognised revenue", names the
    period, and cites a figure whose metric, period, value and sources are the ones used."""
    figs = net.figures.set_index("id")
    checked = 0
    for day in ("2025-09-30", "2026-02-18", "2026-07-02"):
        sig = signals(net, as_of=day)
        for firm, per in sig.details.items():
            d = per.get("top_customer_share", {})
            if "basis" not in d:
                continue
            basis = d["basis"]
            assert basis.startswith(REVENUE_SHARE_BASIS), basis
            fig = FIGURE.search(basis)
            assert fig, basis
            row = figs.loc[fig.group(1)]
            assert str(row["period"]) in basis
            if "as reported" in basis:   # a reported share: the value is the figure's
                assert row["metric"] == "customer_share" and row["entity"] == firm
                assert d["figure"] == fig.group(1)
                assert d["share"] == pytest.approx(float(row["value"]))
                assert d["sources"] == str(row["sources"]).split(";")
                if not pd.isna(sig.values.at[firm, "top_customer_share"]):
                    assert sig.values.at[firm, "top_customer_share"] == pytest.approx(
                        float(row["value"]))
            else:                        # a lower bound over a reported revenue
                assert "lower bound" in basis
                assert row["metric"] == "revenue" and row["entity"] == firm
                assert d["revenue_figure"] == fig.group(1)
            checked += 1
    assert checked >= 3


def test_coreweave_the_two_shares_differ_and_each_says_why(net: dl.DealNetwork) -> None:
    # Contract value: Meta's full contract values over all of CoreWeave's in-network sales.
    legs = net.legs(statuses=("committed", "reported"), kinds=PURCHASE_KINDS)
    sales = legs[(legs["payee"] == "coreweave") & (legs["payer"] != "coreweave")]
    by_payer = sales.groupby("payer")["value"].sum()
    conc = customer_concentration(net).to_frame().loc["coreweave"]
    assert conc["top_customer"] == by_payer.idxmax() == "meta"
    assert conc["top_share"] == pytest.approx(by_payer.max() / by_payer.sum())
    # Recognised revenue: Microsoft's reported FY2025 share (F111).
    sig = signals(net, as_of="2026-07-02", firms=["coreweave"])
    d = sig.details["coreweave"]["top_customer_share"]
    assert d["top_customer"] == "microsoft" and d["period"] == "FY2025"
    assert sig.values.at["coreweave", "top_customer_share"] == pytest.approx(0.67)
    assert type(customer_concentration(net)).BASIS == CONTRACT_SHARE_BASIS


def test_both_commands_print_their_basis() -> None:
    circ = runner.invoke(app, ["circularity", "--firm", "coreweave"], terminal_width=100)
    assert circ.exit_code == 0, circ.output
    out = _flat(circ.output)
    assert "meta" in out and "56.4%" in out
    assert _flat(CONTRACT_SHARE_BASIS) in out and "recognised revenue instead" in out
    sig = runner.invoke(app, ["signals", "--as-of", "2026-07-02"], terminal_width=100)
    assert sig.exit_code == 0, sig.output
    out = _flat(sig.output)
    assert "coreweave top cust (microsoft) = share of recognised revenue, FY2025, as " \
           "reported (figure F111)" in out
    wide = _flat(runner.invoke(app, ["signals", "--as-of", "2026-07-02", "--wide"],
                               terminal_width=200).output)
    assert "top cust = the top customer's share of recognised revenue" in wide
    assert "share of contract value (all years)" in wide


def test_json_and_report_carry_the_basis(net: dl.DealNetwork) -> None:
    res = runner.invoke(app, ["signals", "--as-of", "2026-07-02", "--json"])
    assert res.exit_code == 0, res.output
    crossed = json.loads(res.output)["crossed"]
    top = [c for c in crossed if c["indicator"] == "top_customer_share"]
    assert top and all(c["basis"].startswith(REVENUE_SHARE_BASIS) for c in top)
    assert all(c["basis"] is None for c in crossed
               if c["indicator"] in ("implied_pd_1y", "equity_drawdown"))
    from dealloop.report.measures import measures_part

    cols = measures_part(net)["columns"]
    top_share = next(c for c in cols if c["key"] == "customer_concentration.top_share")
    assert CONTRACT_SHARE_BASIS in top_share["description"]
    assert "contract value" in top_share["label"]
