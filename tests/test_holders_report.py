"""The report's Monte Carlo holders section: the same numbers ``dealloop simulate`` prints,
and the command it names to print them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import dealloop as dl
from dealloop.cli import app
from dealloop.report.simulation import simulate_command, simulation_part

ARGS = ["coreweave-default", "-n", "48", "--seed", "5"]


@pytest.fixture(scope="module")
def simulated() -> tuple[dict, str]:
    """``dealloop simulate`` as JSON and as text (wide enough not to wrap)."""
    run = CliRunner()
    js = run.invoke(app, ["simulate", *ARGS, "--workers", "0", "--json"])
    assert js.exit_code == 0, js.output
    text = run.invoke(app, ["simulate", *ARGS, "--workers", "0"], env={"COLUMNS": "250"})
    assert text.exit_code == 0, text.output
    return json.loads(js.stdout), text.stdout


def test_simulation_part_is_what_simulate_prints(simulated) -> None:
    out, text = simulated
    part = simulation_part("coreweave-default", dl.load(), draws=48, seed=5)
    assert part["command"] == "dealloop simulate " + " ".join(ARGS)
    assert (part["draws"], part["seed"]) == (out["draws"], out["seed"]) == (48, 5)
    # the JSON twin: every figure, bank and sector line as `simulate --json` writes it
    assert json.loads(json.dumps(part["holders"])) == out["holders"]
    # the text: every line the report keeps is printed by `simulate`, in the same order
    printed = [line.strip() for line in text.splitlines()]
    assert part["lines"] and len(part["lines"]) >= 8
    at = [printed.index(line) for line in part["lines"]]
    assert at == sorted(at)
    assert any(line.startswith("US households (total): mean") for line in part["lines"])


def test_report_command_embeds_the_section(simulated, tmp_path: Path) -> None:
    out, _ = simulated
    html_file = tmp_path / "r.html"
    r = CliRunner().invoke(app, ["report", "-s", "coreweave-default", "--no-band", "--draws",
                                 "48", "--seed", "5", "-o", str(html_file)])
    assert r.exit_code == 0, r.output
    block = re.search(r'<script[^>]*id="dealloop-data"[^>]*>(.*?)</script>',
                      html_file.read_text(encoding="utf-8"), re.S)
    assert block is not None
    (entry,) = json.loads(block.group(1))["stress"]
    sim = entry["simulation"]
    assert sim["holders"] == out["holders"]
    assert sim["command"] == "dealloop simulate " + " ".join(ARGS)


def test_bundle_without_draws_has_no_simulation() -> None:
    from dealloop.report.bundle import stress_part

    assert "simulation" not in stress_part("baseline", dl.load(), band=False)


def test_simulate_command_names_the_file_or_the_dataset(tmp_path: Path) -> None:
    from dealloop import scenarios
    from dealloop.scenarios.library import path

    copy = tmp_path / "mine.yaml"
    shutil.copy(path("softbank-fails"), copy)
    mine = scenarios.load(copy)
    assert mine.name == "softbank-fails"  # a copy keeps the name but is not the shipped file
    assert simulate_command(mine, 10, 2) == f"dealloop simulate {copy} -n 10 --seed 2"
    shipped = scenarios.load("softbank-fails")
    assert simulate_command(shipped, 10, 2) == "dealloop simulate softbank-fails -n 10 --seed 2"
    assert simulate_command(shipped, 10, 2, dl.load().path) == \
        "dealloop simulate softbank-fails -n 10 --seed 2"
    assert simulate_command(shipped, 10, 2, tmp_path) == \
        f"dealloop simulate softbank-fails -n 10 --seed 2 --data {tmp_path}"


def test_report_refuses_negative_draws(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["report", "--draws", "-1", "-o", str(tmp_path / "x.html")])
    assert r.exit_code == 2
    assert not (tmp_path / "x.html").exists()


def test_dashboard_simulate_answers_the_holders_section() -> None:
    from fastapi.testclient import TestClient

    from dealloop.web import create_app

    net = dl.load()
    client = TestClient(create_app(net), base_url="http://127.0.0.1")
    res = client.post("/api/scenarios/coreweave-default/simulate", json={"draws": 30,
                                                                         "seed": 2})
    assert res.status_code == 200, res.text
    part = simulation_part("coreweave-default", net, draws=30, seed=2)
    assert res.json()["result"]["holders"] == json.loads(json.dumps(part["holders"]))


# ------------------------------------------------------------------ dates of capital figures
def test_stale_dates_by_hand() -> None:
    from dealloop.holders.layer import stale_dates

    # 92 days apart is a normal reporting lag; 93 is flagged, in months rounded
    assert stale_dates({"a": "2025-12-31", "b": "2025-09-30"}) == {}
    got = stale_dates({"a": "2025-12-31", "b": "2025-09-29"}, what="bank's")
    assert got == {"b": "at 2025-09-29, 3 months before the newest bank's (2025-12-31)"}
    assert stale_dates({"a": "2025-12-31", "b": "2025-06-30"}, after_days=366) == {}
    assert set(stale_dates({"a": "2025-12-31", "b": "", "c": "n/a"})) == {"b", "c"}
    assert stale_dates({}) == {} and stale_dates({"a": ""}) == {}


def test_shipped_goldman_and_private_credit_are_flagged_as_older() -> None:
    """Goldman's CET1 (2025-03-31) is nine months older than the newest bank figures
    (2025-12-31); the private-credit capital (2021-12-31) three and a half years older than
    the banking sector's (2025-06-30). Each says so next to its date, everywhere it shows."""
    from dealloop import holders, scenarios
    from dealloop.holders.draws import FOLLOW

    net = dl.load()
    lay = holders.layer(net)
    assert lay.banks["goldman-sachs"].as_of == "2025-03-31"
    assert max(b.as_of for b in lay.banks.values()) == "2025-12-31"
    where = holders.follow(scenarios.run("oracle-cannot-refinance", net, band=False), net)
    stale = where.banks["stale"]
    assert stale["goldman-sachs"].startswith("at 2025-03-31, 9 months before")
    assert (stale.drop(["goldman-sachs"]) == "").all()
    assert any("goldman-sachs" in t and "9 months before the newest bank's (2025-12-31)" in t
               for t in where.lines())
    caps = holders.capitals(lay)
    assert caps["private_credit"]["stale"].startswith("at 2021-12-31, 42 months before")
    assert caps["banks"]["stale"] == caps["insurers"]["stale"] == ""
    res = scenarios.simulate("oracle-cannot-refinance", net, draws=20, seed=1, workers=0,
                             follow=FOLLOW)
    banks = res.holders["banks"]
    assert banks.loc["goldman-sachs", "stale"] == stale["goldman-sachs"]
    assert (banks.drop(["goldman-sachs"])["stale"] == "").all()
