"""The command line: stress, simulate, scenarios; problems on stderr, exit codes, files."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dealloop.cli import app


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def test_scenarios_lists_the_library(runner) -> None:
    res = runner.invoke(app, ["scenarios", "--json"])
    assert res.exit_code == 0
    names = [s["name"] for s in json.loads(res.stdout)]
    assert "coreweave-default" in names and "openai-no-new-money" in names
    res = runner.invoke(app, ["scenarios"])
    assert res.exit_code == 0 and "coreweave-default" in res.stdout


def test_stress_json_and_explain(runner) -> None:
    res = runner.invoke(app, ["stress", "coreweave-default", "--json", "--no-band",
                              "--explain", "coreweave", "--rank-legs", "3"])
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["scenario"] == "coreweave-default"
    assert out["system"]["defaults"] == 1
    assert out["bands"] == []
    firms = {f["firm"]: f for f in out["firms"]}
    assert firms["coreweave"]["wave"] == 1
    lines = out["explain"]["lines"]
    assert any(line["deals"] == "D14" for line in lines)
    assert len(out["legs"]) == 3


def test_stress_tables(runner) -> None:
    res = runner.invoke(app, ["stress", "openai-no-new-money", "--no-band"],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stderr
    for text in ("Firms hit", "What defaulters fail to pay", "Against history", "H017"):
        assert text in res.stdout
    assert "Balance sheet" not in res.stdout


def test_explain_prints_only_the_balance_sheet(runner) -> None:
    res = runner.invoke(app, ["stress", "openai-no-new-money", "--no-band",
                              "--explain", "OpenAI"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("Balance sheet of openai as built")
    assert "plan:openai" in res.stdout
    for text in ("Firms hit", "What defaulters fail to pay", "Against history", "Note:"):
        assert text not in res.stdout


def test_explain_prints_how_the_equity_line_is_made(runner, stress) -> None:
    """--explain says in numbers what the firms table's equity before and after are: for
    Microsoft (book equity F201) reported book equity + the horizon's earnings = before, and
    the loss, the same figures as the JSON; for Cerebras (no figure) the construct."""
    res = runner.invoke(app, ["stress", "openai-no-new-money", "--no-band",
                              "--explain", "microsoft"], env={"COLUMNS": "400"})
    assert res.exit_code == 0, res.stderr
    f = stress("openai-no-new-money").firms.loc["microsoft"]
    assert f["book_equity"] == pytest.approx(343.479)
    assert f["equity_before"] == pytest.approx(f["book_equity"] + f["horizon_earnings"])
    line = next(x for x in res.stdout.splitlines() if x.startswith("Equity in this run"))
    assert (f"book equity 343.5 + earnings over the horizon {f['horizon_earnings']:,.1f} = "
            f"{f['equity_before']:,.1f} before the shock; {f['equity_after']:,.1f} after the "
            f"shock, {f['equity_loss']:,.1f} ({100 * f['equity_loss_share']:.1f}%) lost") in line
    res = runner.invoke(app, ["stress", "openai-no-new-money", "--no-band",
                              "--explain", "cerebras"], env={"COLUMNS": "400"})
    line = next(x for x in res.stdout.splitlines() if x.startswith("Equity in this run"))
    assert "the model's construct, assumed" in line


def test_bad_scenario_lists_every_problem_and_exits_1(runner, tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: t\nquestion: q\nlegs:\n  evidnce: [A]\nshocks:\n"
                   "  - {type: fail, entity: corewave, recovery: 2}\n", encoding="utf-8")
    out = tmp_path / "out.json"
    for args in (["stress", str(bad)], ["simulate", str(bad), "-n", "10", "-o", str(out)]):
        res = runner.invoke(app, args)
        assert res.exit_code == 1
        assert "Traceback" not in res.stderr
        err = res.stderr.splitlines()
        assert f"{bad}:4: legs.evidnce: unknown key 'evidnce'; did you mean 'evidence'?" in err
        assert any(e.startswith(f"{bad}:6: shocks[0].entity: unknown entity 'corewave'")
                   for e in err)
        assert any(e.startswith(f"{bad}:6: shocks[0].recovery:") for e in err)
        assert res.stdout == ""
    assert not out.exists()


def test_unknown_explain_firm(runner) -> None:
    res = runner.invoke(app, ["stress", "baseline", "--no-band", "--explain", "oracel"])
    assert res.exit_code == 2
    assert res.stderr == ("Error: --explain: unknown firm or holder 'oracel'; did you mean "
                          "oracle (Oracle Corporation)?\n")


def test_simulate_writes_json_atomically(runner, tmp_path) -> None:
    out = tmp_path / "mc.json"
    res = runner.invoke(app, ["simulate", "coreweave-default", "-n", "300", "--seed", "4",
                              "--workers", "0", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["draws"] == 300 and data["seed"] == 4
    assert "Per firm" in res.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["mc.json"]  # no temporary file left
    res = runner.invoke(app, ["simulate", "coreweave-default", "-n", "300", "--seed", "4",
                              "--workers", "0", "--json"])
    assert json.loads(res.stdout)["firms"] == data["firms"]


def test_workers_and_scheduler_exclude_each_other(runner) -> None:
    res = runner.invoke(app, ["simulate", "baseline", "--workers", "2", "--scheduler",
                              "tcp://127.0.0.1:1"])
    assert res.exit_code == 2


def test_stress_tornado_and_assumptions(runner) -> None:
    """--tornado reruns with each assumption low and high; the JSON carries the rows and the
    assumptions box lists the scenario's non-default mapping values."""
    res = runner.invoke(app, ["stress", "ai-demand-shock", "--json", "--no-band",
                              "--tornado"])
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    box = out["assumptions"]
    assert any(a.startswith("demand shock on the AI share of revenue") and "amazon 0.18 (F303)"
               in a for a in box)
    assert any(a.startswith("market value rule contract_pv") for a in box)
    rows = [r for r in out["tornado"] if r["metric"] == "market_value_lost_net"]
    assert {r["assumption"] for r in rows} >= {"revenue growth", "margin", "new money",
                                               "market-value rule"}
    central = out["system"]["market_value_lost_net"]
    for r in rows:
        assert r["central"] == central
        assert r["swing"] == pytest.approx(abs(r["high"] - r["low"]), abs=1e-9)
    rule = next(r for r in rows if r["assumption"] == "market-value rule")
    assert (rule["low_setting"], rule["high_setting"]) == ("$ for $", "P/E (upper bound)")
    assert rule["low"] <= central <= rule["high"]  # contract_pv between $ for $ and P/E
    margin = next(r for r in rows if r["assumption"] == "stranded costs")
    assert margin["low"] < central < margin["high"]  # more of a lost sale lost, more lost
    text = runner.invoke(app, ["stress", "ai-demand-shock", "--no-band", "--tornado"],
                         env={"COLUMNS": "200"})
    assert "Sensitivity to the assumptions" in text.stdout and "Assumptions" in text.stdout
    # asked for with --explain, the tornado is shown after the firm's balance sheet (it was
    # computed and then dropped)
    both = runner.invoke(app, ["stress", "ai-demand-shock", "--no-band", "--tornado",
                               "--explain", "oracle"], env={"COLUMNS": "200"})
    assert both.exit_code == 0, both.stderr
    assert "Sensitivity to the assumptions" in both.stdout
    assert both.stdout.index("oracle") < both.stdout.index("Sensitivity to the assumptions")
