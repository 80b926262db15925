"""Who is systemic: the batched fail-each-firm runs match single stress runs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import dealloop as dl
from dealloop import holders
from dealloop.cli import app
from dealloop.holders.exposures import sponsor_losses
from dealloop.holders.systemic import systemic
from dealloop.mapping.equity import company_equity
from dealloop.scenarios import runner
from dealloop.scenarios.spec import loads


@pytest.fixture(scope="module")
def net():
    return dl.load()


@pytest.fixture(scope="module")
def res(net):
    return systemic("baseline", net,
                    firms=["coreweave", "vantage-frontier", "openai", "oracle"])


def _alone(net, firm):
    sc = loads(f"name: f\nquestion: q\nshocks: [{{type: fail, entity: {firm}}}]")
    return runner.run(sc, net, band=False)


@pytest.mark.parametrize("firm", ["coreweave", "vantage-frontier", "openai"])
def test_batched_rows_match_single_runs(net, res, firm) -> None:
    one = _alone(net, firm)
    where = holders.follow(one, net)
    row = res.table.loc[firm]
    # plus the sponsor equity a vehicle's outside sponsors lose (Silver Lake's 3.0 in the
    # Frontier campus, D143a, when it fails)
    sponsors = sum(x.amount for x in sponsor_losses(one, net, holders.layer(net)))
    assert sponsors == (pytest.approx(3.0) if firm == "vantage-frontier" else 0.0)
    assert row["total_loss"] == pytest.approx(
        one.system["market_value_lost_net"] + one.system["external_loss"] + sponsors,
        rel=1e-9, abs=1e-9)
    own = where.flows[(where.flows["source"] == firm) & (where.flows["basis"] == "equity")
                      & (where.flows["source_type"] == "firm")]["amount"].sum()
    assert row["loss_to_others"] == pytest.approx(row["total_loss"] - own, abs=1e-9)
    assert row["payment_shortfall"] == pytest.approx(one.system["payment_shortfall"],
                                                     rel=1e-9, abs=1e-9)
    assert row["defaults_caused"] == one.system["defaults"] - 1
    assert row["household_loss"] == pytest.approx(where.households["total"], abs=1e-9)
    assert row["bank_loss"] == pytest.approx(
        float(where.sectors["amount"].get("banks", 0.0)), abs=1e-9)
    assert row["insurer_loss"] == pytest.approx(
        float(where.sectors["amount"].get("insurers", 0.0)), abs=1e-9)
    assert row["private_credit_loss"] == pytest.approx(where.capital["private_credit"]["loss"],
                                                       abs=1e-9)


def test_ranked_and_bank_capital(res) -> None:
    assert list(res.table["total_loss"]) == sorted(res.table["total_loss"], reverse=True)
    # Vantage's Frontier loan: a seventh of D141 is JPMorgan's (holdings.csv), so a failure
    # of the Frontier campus vehicle reaches named bank capital
    assert res.table.loc["vantage-frontier", "bank_capital_loss"] > 0
    assert res.table.loc["vantage-frontier", "bank_loss"] >= res.table.loc[
        "vantage-frontier", "bank_capital_loss"]


def test_debtrank_is_meaningful_with_company_equity(res) -> None:
    """The engine's modelled equity of OpenAI is 0, so the single-run DebtRank reads 0;
    with equity from company figures the failure of OpenAI propagates."""
    assert res.table.loc["openai", "equity_used"] > 0
    assert res.table.loc["openai", "debtrank"] > 0


def test_rank_by_insurers(net) -> None:
    r = systemic("baseline", net, rank_by="insurers", firms=["coreweave", "openai"])
    vals = list(r.table["insurer_loss"])
    assert vals == sorted(vals, reverse=True)
    assert r.table.loc["coreweave", "insurer_loss"] > 0


def test_rank_by_checked(net) -> None:
    with pytest.raises(ValueError, match="rank_by"):
        systemic("baseline", net, rank_by="size")
    with pytest.raises(ValueError, match="not inside the network"):
        systemic("baseline", net, firms=["bank-lenders"])


def test_cli_systemic_json_and_usage_error() -> None:
    r = CliRunner().invoke(app, ["systemic", "--json", "--rank-by", "households"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    vals = [f["household_loss"] for f in data["firms"]]
    assert vals == sorted(vals, reverse=True) and len(vals) > 10
    bad = CliRunner().invoke(app, ["systemic", "--rank-by", "size"])
    assert bad.exit_code == 2
    assert "Traceback" not in bad.output


def test_stress_debtrank_uses_company_equity(net) -> None:
    """The stress run's DebtRank on modelled equity reads 0 when OpenAI defaults (its
    modelled equity is 0); with equity from company figures (the systemic ranking's rule)
    OpenAI starts fully distressed, distress only grows, and R is positive."""
    one = runner.run("openai-no-new-money", net, band=False)
    names = [k for k in one.models if k.startswith("debtrank") and "company figures" in k]
    assert len(names) == 1
    frame = one.models[names[0]]
    assert frame.loc["openai", "h_initial"] == 1.0
    eq, _ = company_equity(net, list(frame.index))
    np.testing.assert_array_equal(frame["equity_from_figures"].to_numpy(), eq)
    assert (frame["h_final"] >= frame["h_initial"] - 1e-12).all()
    assert frame["h_final"].between(0, 1).all()
    assert frame.attrs["debtrank"] > 0
