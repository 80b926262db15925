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


# ------------------------------------------------------------------ method next to the numbers
def test_data_basis_is_read_from_the_csv_files() -> None:
    """Which rows, dates and bases stand behind each split, read here from holders.csv with
    the csv module: the table the report shows is the data's."""
    import csv

    from dealloop import holders
    from dealloop.holders.layer import data_basis

    path = Path(dl.__file__).parent / "datasets" / "ai2026" / "holders.csv"
    with path.open(encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    rows = {r["what"]: r for r in data_basis(holders.layer(dl.load()))}
    for holds in {r["holds"] for r in table}:
        mine = [r for r in table if r["holds"] == holds]
        got = rows[holds]
        assert got["rows"] == [r["id"] for r in mine], holds
        assert got["as_of"] == sorted({r["as_of"] for r in mine if r["as_of"]}), holds
        assert got["basis"] == sorted({r["basis"] for r in mine}), holds
    assert rows["bank_capital"]["as_of"] == ["2025-03-31", "2025-09-30", "2025-12-31"]
    assert [rows[f"capital:{k}"]["rows"] for k in ("banks", "insurers", "private_credit")] == \
        [["H943"], ["H992"], ["H993"]]


def test_method_text_matches_the_data() -> None:
    """Every year the method statement names is the year of the data it names, and debt is
    measured at book, equity at market, as it says."""
    from dealloop import holders
    from dealloop.holders.layer import data_basis
    from dealloop.holders.results import METHOD

    rows = {r["what"]: r for r in data_basis(holders.layer(dl.load()))}
    text = " ".join(METHOD.split())
    claims = {"corporate bonds from Z.1 via a 2017 reading": ("corporate_bond", "2017"),
              "private credit from Form PF 2021": ("private_credit", "2021"),
              "listed equity from the Tax Policy Center's 2019": ("listed_equity", "2019"),
              "(ICI, Q3 2025)": ("retirement", "2025-09-30"),
              "(history.csv, end-2024)": ("capital:insurers", "2024-12-31"),
              "(derived from Form PF, Q4 2021": ("capital:private_credit", "2021-12-31")}
    for phrase, (what, when) in claims.items():
        assert phrase in text, phrase
        assert rows[what]["as_of"] and all(d.startswith(when) for d in rows[what]["as_of"]), \
            (phrase, rows[what]["as_of"])
    assert "Debt losses are book losses" in text and "equity losses are market value" in text
    assert {rows[k]["measure"] for k in ("corporate_bond", "bank_loan", "private_credit")} \
        == {"book"}
    assert {rows[k]["measure"] for k in ("listed_equity", "private_equity")} == {"market"}


def test_stress_and_simulate_print_the_method_and_its_data() -> None:
    run = CliRunner()
    for args in (["stress", "coreweave-default", "--no-band"],
                 ["simulate", "coreweave-default", "-n", "20", "--workers", "0"]):
        r = run.invoke(app, args, env={"COLUMNS": "400"})
        assert r.exit_code == 0, r.output
        assert "Method: Debt losses are book losses" in r.stdout, args
        line = " ".join(r.stdout.split("Which shares, which year:")[1].split())
        assert "who holds corporate bonds 2017-06-30 (HD01-HD06; derived, reported; book)" \
            in line, args
        assert "named banks' CET1 capital (banks.csv) 2025-03-31 to 2025-12-31 (8 banks" \
            in line, args


# ------------------------------------------------------------------ the Monte Carlo section by hand
def test_monte_carlo_section_by_hand() -> None:
    """Four draws of hand-made losses, folded in two chunks: every figure of the section
    computed by hand. Bank b1 has CET1 12% of RWA 50 (capital 6) and needs 10%, so a loss
    above 1 puts it below: draws 3 and 4 of 4."""
    import numpy as np

    from dealloop.holders import Layer, SectorCapital, allocate, sector_lines
    from dealloop.holders.draws import Routes, Stats, Summary, figures
    from dealloop.scenarios.sketch import Figure

    cols = ("banks", "holder:b1", "households", "line:insurers", "line:private_credit",
            "rest_of_world", "retirement_ira")
    lay = Layer({}, capitals={
        "banks": SectorCapital("us_banks_tangible_common_equity", 2000.0, "2025-06-30", "H1",
                               ("s1",)),
        "insurers": SectorCapital("us_insurers_capital_surplus", 1500.0, "2024-12-31", "H2",
                                  ("s2",))})
    empty = np.zeros((0, len(cols)))
    r = Routes(columns=cols, rows=np.zeros(0, int), debt=empty, equity=empty,
               stake_firm=np.zeros(0, int), stake_frac=np.zeros(0), stake=empty,
               held_issuer=np.zeros(0, int), held_frac=np.zeros(0), held_deal=np.zeros(0, int),
               banks=("b1",), cet1=np.array([6.0]), rwa=np.array([50.0]),
               min_ratio=np.array([0.10]), households=1e6,
               bank_info=(("Bank One", 0.12, "2025-12-31", "s9"),), retirement_assets=600.0,
               sector_capital=(2000.0, "2025-06-30", "H1", "s1"),
               lines=tuple(sector_lines(allocate([], lay), lay).items()))
    #                  banks  b1   hh  ins  pc  abroad ira
    losses = np.array([[0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                       [2.0, 0.5, 10., 1.0, 4.0, 0.0, 2.0],
                       [4.0, 1.5, 20., 2.0, 8.0, 0.0, 4.0],
                       [8.0, 3.0, 30., 3.0, 12., 0.0, 6.0]])
    out = Summary(r, lambda: Figure(4))
    for part in (losses[:2], losses[2:]):
        fig = figures(r, part)
        out.add(Stats(draws={m: fig[m] for m in ("households", "retirement", "banks",
                                                 "bank_capital", "insurers", "private_credit")},
                      sums=part.sum(axis=0), bank_sum=fig["bank_loss"].sum(axis=0),
                      bank_max=fig["bank_loss"].max(axis=0),
                      bank_below=fig["below_min"].sum(axis=0),
                      any_below=int(fig["below_min"].any(axis=1).sum())))
    s = out.result()
    f = s["figures"]
    assert s["draws"] == 4
    # households: direct plus IRA, 0, 12, 24, 36
    assert f.loc["households", "mean"] == pytest.approx(18.0)
    assert f.loc["households", "q50"] == pytest.approx(18.0)
    assert f.loc["households", "max"] == pytest.approx(36.0)
    assert f.loc["households", "p_positive"] == pytest.approx(0.75)
    assert f.loc["retirement", "mean"] == pytest.approx(3.0)
    assert f.loc["banks", "mean"] == pytest.approx(3.5)
    assert f.loc["bank_capital", "mean"] == pytest.approx(1.25)
    assert f.loc["insurers", "mean"] == pytest.approx(1.5)
    assert f.loc["private_credit", "mean"] == pytest.approx(6.0)
    assert s["per_household"]["mean"] == pytest.approx(18e9 / 1e6)
    assert s["share_of_retirement"]["mean"] == pytest.approx(3.0 / 600)
    assert s["banking_share"]["mean"] == pytest.approx(3.5 / 2000)
    assert s["banking_share"]["max"] == pytest.approx(8.0 / 2000)
    assert s["capital"]["insurers"]["share"]["mean"] == pytest.approx(1.5 / 1500)
    assert s["capital"]["private_credit"]["share"] is None       # no capital: no share, not 0
    assert s["capital"]["private_credit"]["no_data"]
    b = s["banks"].loc["b1"]
    assert (b["loss_mean"], b["loss_max"]) == pytest.approx((1.25, 3.0))
    assert b["p_below_min"] == pytest.approx(0.5) and s["p_any_bank_below_min"] == 0.5
    assert s["sectors"].loc["households", "mean"] == pytest.approx(15.0)
    assert s["sectors"].loc["rest_of_world", "mean"] == pytest.approx(0.25)
    assert "holder:b1" not in s["sectors"].index and "line:insurers" not in s["sectors"].index


def test_default_draws_are_said_as_they_are() -> None:
    """The report's default number of draws, as README, the cookbook and --help say it."""
    from dealloop.report.simulation import DEFAULT_REPORT_DRAWS

    root = Path(__file__).resolve().parent.parent
    said = f"{DEFAULT_REPORT_DRAWS:,}"
    assert f"over {said} Monte Carlo draws" in " ".join(
        (root / "README.md").read_text(encoding="utf-8").split())
    assert f"({said} draws unless" in " ".join(
        (root / "docs" / "cookbook" / "where-losses-land.md").read_text(encoding="utf-8").split())
    r = CliRunner().invoke(app, ["report", "--help"], env={"COLUMNS": "400"})
    assert f"Default: {said}" in " ".join(r.stdout.split())


def test_capital_as_known_then_is_flagged_against_the_figures_known_then() -> None:
    """As of 2024-12-31 the banking figure (2025-06-30) is not known yet: private credit's
    Q4 2021 is then 36 months (1,096 days) before the insurers' (2024-12-31); as of
    2022-06-30 it is the only figure, older than nothing."""
    from dealloop import holders

    lay = holders.layer(dl.load())
    then = holders.capitals(lay, "2024-12-31")
    assert then["banks"]["capital"] is None and then["banks"]["stale"] == ""
    assert then["private_credit"]["stale"] == ("at 2021-12-31, 36 months before the newest "
                                               "sector's (2024-12-31)")
    assert then["insurers"]["stale"] == ""
    early = holders.capitals(lay, "2022-06-30")
    assert early["private_credit"]["capital"] == 990.0 and early["private_credit"]["stale"] == ""
    assert "42 months before" in holders.capital_text(holders.capitals(lay)["private_credit"])


def test_an_as_of_report_names_the_as_of_simulate_line() -> None:
    """A report of the network as of a date (``dealloop report --as-of``) runs the Monte
    Carlo on that view, and ``dealloop simulate --as-of`` with the same draws and seed prints
    the same figures."""
    net = dl.load().as_of("2026-03-31")
    part = simulation_part("coreweave-default", net, draws=16, seed=4)
    assert part["command"] == "dealloop simulate coreweave-default -n 16 --seed 4 --as-of " \
        "2026-03-31"
    r = CliRunner().invoke(app, ["simulate", "coreweave-default", "-n", "16", "--seed", "4",
                                 "--workers", "0", "--as-of", "2026-03-31", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["holders"] == json.loads(json.dumps(part["holders"]))
