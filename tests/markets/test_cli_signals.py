"""``dealloop signals`` as a user runs it: lights in words, JSON, located config errors."""

from __future__ import annotations

import json
from pathlib import Path

from ..conftest import Ran, cli


def run(*args: str) -> Ran:
    """``dealloop ARGS`` in this process, 120 columns wide."""
    return cli(*args, env={"COLUMNS": "120"})


def test_table_says_the_lights_in_words(toy_dir: Path) -> None:
    res = run("signals", "--data", str(toy_dir), "--as-of", "2026-01-31")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "As of 2026-01-31" in out
    assert "ALERT b" in " ".join(out.split())         # the crossed list names the firm
    assert "WATCH" in out and "Traceback" not in res.stderr
    wide = run("signals", "--data", str(toy_dir), "--as-of", "2026-01-31", "--wide").stdout
    assert "ALERT" in wide and "+200 bp" in wide        # Beta's 3-month widening
    assert "ALERT b spread 3m +200 bp >= 150 bp" in " ".join(out.split())  # crossed, a row


def test_json_and_one_firm_series(toy_dir: Path) -> None:
    res = run("signals", "--data", str(toy_dir), "--as-of", "2026-01-31", "--firm", "b",
              "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["as_of"] == "2026-01-31"
    ind = d["firms"][0]["indicators"]
    assert ind["debt_due_to_cash"]["label"] == "ALERT"
    assert ind["debt_due_to_cash"]["value"] == 1.6
    assert [r["date"] for r in d["history"]][-1] == "2026-01-31"
    assert d["config"]["indicators"]["equity_drawdown"]["red"] == 0.5


def test_config_changes_the_light(toy_dir: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "mine.yaml"
    cfg.write_text("indicators:\n  debt_due_to_cash: {amber: 2, red: 3}\n")
    res = run("signals", "--data", str(toy_dir), "--as-of", "2026-01-31", "--firm", "b",
              "--json", "--config", str(cfg))
    ind = json.loads(res.stdout)["firms"][0]["indicators"]
    assert ind["debt_due_to_cash"]["label"] == "OK"


def test_bad_config_is_refused_with_its_line(toy_dir: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("recovery: 0.4\nindicators:\n  payment_coverage:\n    amber: lots\n")
    res = run("signals", "--data", str(toy_dir), "--config", str(cfg))
    assert res.returncode == 1
    assert f"{cfg}:4: indicators.payment_coverage.amber:" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_usage_errors_exit_2(toy_dir: Path) -> None:
    res = run("signals", "--data", str(toy_dir), "--as-of", "2026-13")
    assert res.returncode == 2 and "--as-of" in res.stderr
    res = run("signals", "--data", str(toy_dir), "--firm", "bb")
    assert res.returncode == 2 and "did you mean b" in res.stderr


def test_against_a_scenario_puts_the_model_beside_the_market() -> None:
    res = run("signals", "--against", "market-implied-defaults", "--draws", "200", "--json",
              "--as-of", "2025-12-31")
    assert res.returncode == 0, res.stderr
    comp = json.loads(res.stdout)["comparison"]
    assert comp["scenario"] == "market-implied-defaults" and comp["draws"] == 200
    rows = {r["firm"]: r for r in comp["firms"]}
    assert rows["coreweave"]["engine_defaulted"] is True      # its 13.7% > 5%: it fails
    assert rows["coreweave"]["mc_pd"] == 1.0
    assert rows["oracle"]["engine_defaulted"] is False        # 2.1%: only drawn in MC
    bad = run("signals", "--against", "no-such-scenario")
    assert bad.returncode == 1 and "no such scenario" in bad.stderr


def test_a_date_before_any_data_says_no_data_not_no_alert() -> None:
    # Before the bundled data's first figure every light is n/a: the headline and the
    # crossed list must say there is no data, not "0 firms show an ALERT" / "No threshold
    # crossed".
    res = run("signals", "--as-of", "2020-01-01")
    assert res.returncode == 0, res.stderr
    out = " ".join(res.stdout.split())
    assert "NO DATA - none of the" in out and "show at least one ALERT" not in out
    assert "No threshold crossed" not in out and "no threshold can be read" in out
    doc = json.loads(run("signals", "--as-of", "2020-01-01", "--json").stdout)
    assert doc["headline"].startswith("As of 2020-01-01: NO DATA")
    assert not doc["crossed"]
    assert all(i["light"] == "n/a" for f in doc["firms"] for i in f["indicators"].values())


def test_some_data_keeps_the_count_headline(toy_dir: Path) -> None:
    # a date where only structural indicators have values still counts the lights
    out = " ".join(run("signals", "--data", str(toy_dir), "--as-of", "2000-01-31").stdout
                   .split())
    assert "0 of 2 firms show at least one ALERT" in out and "NO DATA - none" not in out


def test_the_library_reads_the_dataset_as_known_on_as_of() -> None:
    # signals()/signals_bundle() with as_of cut the network themselves, as the CLI and the
    # API do: no later figure lights a firm (before, debt/cash was OK in 2020 from later
    # figures)
    import dealloop as dl
    from dealloop.markets import signals_bundle

    b = signals_bundle(dl.load(), as_of="2020-01-01")
    assert all(i["light"] == "n/a" for f in b["firms"] for i in f["indicators"].values())
    cli_json = json.loads(run("signals", "--as-of", "2020-01-01", "--json").stdout)
    assert b["headline"] == cli_json["headline"]
