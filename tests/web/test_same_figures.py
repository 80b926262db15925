"""The same figure in the library, the CLI (text and ``--json``), the report and the web API.

A reporter quotes a figure from whichever surface is in front of them; each must give the
same number (the text to display rounding). ``test_one_number.py`` covers the cycling
index, commitments, loop counts, money totals and three stress headlines; this module adds
the rest of the headlines: self-financed revenue and double counting (system and per firm),
customer concentration, every stress figure per firm (waves, equity and market value lost,
what goes unpaid), the holders layer (households, retirement accounts, banks, sectors), the
years and the history comparison, Monte Carlo quantiles at a fixed seed, and the systemic
ranking. It also holds the web API's answers to bad input found by the same audit.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dealloop.cli import app

runner = CliRunner()
SCENARIO = "coreweave-default"
DRAWS, SEED = 40, 11


def cli(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.stdout


def cli_json(*args: str) -> Any:
    return json.loads(cli(*args, "--json"))


def same(a: Any, b: Any, where: str) -> None:
    """Equal to float noise, recursively (NaN and None are the same unknown)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float | int) and isinstance(b, float | int) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), where
        else:
            assert a == pytest.approx(b, rel=1e-9, abs=1e-9), where
    else:
        unknown = (None, "n/a")
        if a in unknown or b in unknown or (isinstance(a, float) and math.isnan(a)):
            assert (a in unknown or (isinstance(a, float) and math.isnan(a))) and \
                (b in unknown or (isinstance(b, float) and math.isnan(b))), where
        else:
            assert a == b, where


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out: Path = tmp_path_factory.mktemp("report") / "report.html"
    cli("report", "-s", SCENARIO, "--no-band", "-n", str(DRAWS), "--seed", str(SEED),
        "-o", str(out))
    html = out.read_text(encoding="utf-8")
    block = re.search(r'<script[^>]*id="dealloop-data"[^>]*>(.*?)</script>', html, re.S)
    assert block is not None
    data: dict[str, Any] = json.loads(block.group(1))
    return data


@pytest.fixture(scope="module")
def library(net: Any) -> dict[str, Any]:
    """Each figure from the library, as a notebook user gets it."""
    from dealloop import holders, scenarios
    from dealloop.circularity import circularity
    from dealloop.holders.draws import FOLLOW
    from dealloop.holders.systemic import systemic
    from dealloop.jsonutil import jsonable

    sc = scenarios.load(SCENARIO)
    return {
        "circularity": circularity(net),
        "stress": jsonable(holders.result_dict(scenarios.run(sc, net, band=False), net, sc)),
        "simulate": scenarios.simulate(sc, net, draws=DRAWS, seed=SEED, workers=0,
                                       follow=FOLLOW).to_dict(),
        "systemic": systemic("baseline", net).to_dict(),
    }


@pytest.fixture(scope="module")
def circ() -> dict[str, Any]:
    return cli_json("circularity")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def stress() -> dict[str, Any]:
    return cli_json("stress", SCENARIO, "--no-band")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def simulated() -> dict[str, Any]:
    return cli_json("simulate", SCENARIO, "-n", str(DRAWS), "--seed",  # type: ignore[no-any-return]
                    str(SEED), "--workers", "0")


def test_circularity_system(circ: dict[str, Any], report: dict[str, Any], client: Any,
                            library: dict[str, Any]) -> None:
    lib = library["circularity"].to_dict()["system"]
    for key in ("self_financed_revenue", "self_financed_share", "revenue_in_network",
                "double_count", "double_count_share", "fci_all_money", "n_loops",
                "largest_bottleneck"):
        same(lib[key], circ["system"][key], key)
    for part in (report["measures"]["system"], client.get("/api/measures").json()["system"]):
        same(part["firm"]["fci"], lib["fci_all_money"], "fci")
        same(part["firm"]["tst"], lib["tst_all_money"], "tst")
    text = cli("circularity")
    for label, value in (
            ("self-financed revenue, 2026-2030", f"${lib['self_financed_revenue']:,.1f}bn"),
            ("value double-counted via stakes", f"${lib['double_count']:,.1f}bn"),
            ("money loops", f"{lib['n_loops']}")):
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(label))
        assert line.split()[-1] == value, (label, line)


#: CLI ``circularity --json`` firm key -> the report's and the API's measure column.
FIRM_MEASURES = {
    "self_financed": "self_financed_revenue.self_financed",
    "self_financed_share": "self_financed_revenue.share",
    "top_customer": "customer_concentration.top_customer",
    "top_share": "customer_concentration.top_share",
    "hhi": "customer_concentration.hhi",
    "commitments": "commitment_coverage.commitments",
    "coverage": "commitment_coverage.coverage",
    "n_loops": "loops",
    "loop_money": "loop_money",
}


def test_circularity_per_firm(circ: dict[str, Any], report: dict[str, Any],
                              client: Any) -> None:
    api = {r["id"]: r for r in client.get("/api/measures").json()["rows"]}
    rep = {r["id"]: r for r in report["measures"]["rows"]}
    assert {r["firm"] for r in circ["firms"]} == set(api) == set(rep)
    for row in circ["firms"]:
        for mine, theirs in FIRM_MEASURES.items():
            same(row[mine], api[row["firm"]][theirs], f"api {row['firm']} {mine}")
            same(row[mine], rep[row["firm"]][theirs], f"report {row['firm']} {mine}")
    one = client.get("/api/entities/oracle").json()["measures"]["rows"][0]
    same(one["self_financed_revenue.self_financed"],
         api["oracle"]["self_financed_revenue.self_financed"], "entity page")


def test_stress_everywhere(stress: dict[str, Any], report: dict[str, Any], client: Any,
                           library: dict[str, Any]) -> None:
    """Every figure of the run (firms, waves, unpaid, years, history, holders) is the same in
    the library, ``stress --json``, the report and ``POST /api/scenarios/{name}/run``."""
    lib = library["stress"]
    (run,) = report["stress"]
    api = client.post(f"/api/scenarios/{SCENARIO}/run", json={"band": False}).json()
    for name, other in (("cli", stress), ("report", run["result"]), ("api", api["result"])):
        for key in ("system", "firms", "unpaid", "years", "comparison", "backstops"):
            same(lib[key], other[key], f"{name} {key}")
        for key in ("sectors", "households", "banks", "banking", "capital", "named"):
            same(lib["holders"][key], other["holders"][key], f"{name} holders.{key}")


def test_stress_text_is_the_json(stress: dict[str, Any]) -> None:
    """The text shows the JSON's figures, to display rounding."""
    text = cli("stress", SCENARIO, "--no-band")
    flat = " ".join(text.split())
    s, h = stress["system"], stress["holders"]["households"]
    for label, key in (("Payment shortfall", "payment_shortfall"),
                       ("Equity lost (book where reported)", "equity_loss")):
        assert f"{label} {s[key]:,.1f}" in flat, label
    assert f"US households {h['total']:,.1f} bn; ${h['per_household']:,.0f} per US household" \
        in flat
    assert f"retirement accounts {h['retirement']:,.1f} bn" in flat
    for f in stress["firms"]:
        if f["defaulted"]:
            assert re.search(rf"^{re.escape(f['firm'])}\s+{f['default_year']} \({f['wave']}\)",
                             text, re.M), f["firm"]


def test_simulate_everywhere(simulated: dict[str, Any], report: dict[str, Any], client: Any,
                             library: dict[str, Any]) -> None:
    """Monte Carlo at a fixed seed: the same quantiles in the library, ``simulate --json``,
    the dashboard's simulate and (where the losses land) the report."""
    lib = library["simulate"]
    api = client.post(f"/api/scenarios/{SCENARIO}/simulate",
                      json={"draws": DRAWS, "seed": SEED}).json()["result"]
    for name, other in (("cli", simulated), ("api", api)):
        for key in ("system", "firms", "drivers"):
            same(lib[key], other[key], f"{name} {key}")
        same(lib["holders"]["figures"], other["holders"]["figures"], f"{name} holders")
    (run,) = report["stress"]
    same(lib["holders"]["figures"], run["simulation"]["holders"]["figures"], "report holders")
    text = " ".join(cli("simulate", SCENARIO, "-n", str(DRAWS), "--seed", str(SEED),
                        "--workers", "0").split())
    row = next(r for r in lib["system"] if r["metric"] == "payment_shortfall")
    assert "Payment shortfall " + " ".join(f"{row[q]:,.1f}" for q in (
        "mean", "q05", "q50", "q95", "q99", "max")) in text


def test_systemic_everywhere(report: dict[str, Any], library: dict[str, Any]) -> None:
    lib = library["systemic"]
    cli_out = cli_json("systemic")
    same(lib["firms"], cli_out["firms"], "cli")
    same(lib["firms"], report["systemic"]["firms"], "report")
    assert [f["firm"] for f in lib["firms"]] == [f["firm"] for f in cli_out["firms"]]


# -- bad input at the API's edges -------------------------------------------------------------

@pytest.mark.parametrize("url, name", [
    ("/api/loops?max_length=3", "max_length"),        # a CLI flag the API does not take
    ("/api/measures?firm=openai", "firm"),
    ("/api/calendar?firm=openai", "firm"),
    ("/api/signals?against=coreweave-default", "against"),
    ("/api/network?statuss=committed", "statuss"),    # a misspelt filter
    ("/api/summary?as_of=2025-12-31", "as_of"),
])
def test_unknown_query_parameters_are_refused(client: Any, url: str, name: str) -> None:
    """FastAPI ignores a query parameter a route does not take, so a misspelt or unsupported
    filter answered 200 with the unfiltered figures (failed before the fix: 200)."""
    r = client.get(url)
    assert r.status_code == 422, url
    assert repr(name) in r.json()["message"] and "takes" in r.json()["message"]


def test_known_query_parameters_still_work(client: Any) -> None:
    assert client.get("/api/network?status=committed&evidence=A").status_code == 200
    assert client.get("/api/loops?firm=openai&limit=3&min_amount=1").status_code == 200


@pytest.mark.parametrize("body", [{"draws": True}, {"draws": "50"}, {"draws": 5, "seed": True}])
def test_draws_and_seed_must_be_integers(client: Any, body: dict[str, Any]) -> None:
    """``{"draws": true}`` ran one draw (pydantic's lax bool -> int; failed before the fix)."""
    r = client.post(f"/api/scenarios/{SCENARIO}/simulate", json=body)
    assert r.status_code == 422 and "valid integer" in r.json()["message"]


def test_signals_as_of_uses_the_data_known_then(net: Any, client: Any) -> None:
    """``/api/signals?as_of=D`` must read the dataset as known on D, like ``dealloop signals
    --as-of D``: it used figures published later (NVIDIA's payment coverage read 81.2x from
    a revenue figure not yet known on 2025-12-31, against the CLI's 17.8x; failed before the
    fix)."""
    from dealloop.markets import signals_bundle

    day = "2025-12-31"
    api = client.get("/api/signals", params={"as_of": day}).json()
    cli_out = cli_json("signals", "--as-of", day)
    lib = signals_bundle(net.as_of(day), as_of=__import__("datetime").date(2025, 12, 31))
    for other in (cli_out, lib):
        assert api["headline"] == other["headline"]
        same({f["firm"]: f["indicators"] for f in api["firms"]},
             {f["firm"]: f["indicators"] for f in other["firms"]}, "indicators")


def test_legs_flag_an_assumed_term(net: Any, client: Any, report: dict[str, Any]) -> None:
    """A leg's part in the horizon that rests on an assumed term (no end reported) or on no
    date says so in the report and the API, as the library's ``term_assumed`` and ``dated``
    do (the flags were dropped; D25's $241bn in 2026-2030 showed no flag; failed before the
    fix)."""
    lib = net.legs(statuses=["committed", "reported", "conditional", "superseded",
                             "cancelled"], horizon=(2026, 2030)).set_index("id")
    assumed = set(lib.index[lib["term_assumed"]])
    assert "D25" in assumed and "D03" not in assumed
    api = {leg["id"]: leg for leg in client.get("/api/network").json()["legs"]}
    rep = {leg["id"]: leg for leg in report["legs"]}
    for legs in (api, rep):
        assert {i for i, leg in legs.items() if leg["term_assumed"]} == assumed
        assert {i for i, leg in legs.items() if not leg["dated"]} == \
            set(lib.index[~lib["dated"]])
        assert legs["D25"]["term_note"] == "no end reported: a 5-year term assumed"
        assert legs["D03"]["term_note"] is None


def test_history_sets_household_losses_against_household_losses(
        stress: dict[str, Any], report: dict[str, Any], client: Any, net: Any) -> None:
    """The 2000 loss of US household wealth is set against the loss on US households, not
    against the market value lost by every outside shareholder (rest of the world,
    institutions, not allocated): openai-no-new-money read "49.8%" of 2000 with $1,145.4bn
    where US households lose $312.6bn (13.6%), and "2.4% of US retirement assets" beside the
    holders layer's 0.36% (failed before the fix)."""
    from dealloop import scenarios

    (run,) = report["stress"]
    api = client.post(f"/api/scenarios/{SCENARIO}/run", json={"band": False}).json()
    for result in (stress, run["result"], api["result"]):
        rows = {r["key"]: r for r in result["comparison"]}
        households = result["holders"]["households"]["total"]
        h2000 = rows["household_wealth_2000"]
        assert h2000["ours"] == pytest.approx(households)
        assert h2000["comparison"] == pytest.approx(households / abs(h2000["value"]))
        assert rows["retirement_assets"]["ours"] is None
        assert rows["retirement_assets"]["how"] == "context"
        assert rows["dotcom_value_lost"]["ours"] == pytest.approx(
            result["system"]["market_value_lost_net"])
    bare = scenarios.run(SCENARIO, net, band=False).comparison.set_index("key")
    assert bare.loc["household_wealth_2000", "how"] == "context"  # no holders layer here


def test_systemic_ranking_has_a_json_twin(client: Any, report: dict[str, Any]) -> None:
    """The report ranks firms by systemic damage; the API had no such figure (no route, and
    ``/api/bundle`` carries an empty ``systemic``; failed before the fix: 404)."""
    api = client.get("/api/systemic").json()
    same(report["systemic"]["firms"], api["firms"], "api systemic")
    assert api["scenario"] == "baseline" and api["rank_by"] == "loss"
    assert client.get("/api/systemic", params={"rank_by": "size"}).status_code == 422
    r = client.get("/api/systemic", params={"scenario": "nope"})
    assert r.status_code == 404 and "unknown scenario" in r.json()["message"]


def test_summary_everywhere(net: Any, report: dict[str, Any], client: Any) -> None:
    """Every total by kind and status, every evidence row and every count: library, ``summary
    --json``, the report and ``/api/summary``; the text's total row to display rounding."""
    from dealloop.summary import summarize

    lib = summarize(net).to_dict()
    cli_out = cli_json("summary")
    for name, other in (("cli", cli_out), ("report", report["summary"]),
                        ("api", client.get("/api/summary").json())):
        for key in ("totals_usd_bn", "evidence", "legs_by_status", "entities_by_kind",
                    "undisclosed_live_legs", "legs", "entities"):
            same(lib[key], other[key], f"{name} {key}")
    total = lib["totals_usd_bn"]["total"]
    row = next(ln for ln in cli("summary").splitlines() if ln.startswith("total "))
    assert row.split()[1:6] == [f"{total[c]:,.1f}" for c in (
        "committed", "reported", "conditional", "firm", "all")]


def test_cycling_index_counts_cash_legs_only(net: Any, circ: dict[str, Any]) -> None:
    """"Cycling index, all money" is labelled "every cash leg"; it counted SpaceX's $250bn
    all-stock takeover of xAI (D80, non-cash) and a debt stock (D94b) as throughflow, which
    read 2.0% (4.1% with conditional legs) where the cash legs give 2.4% (4.8%; failed
    before the fix). Taking the non-cash and stock legs out of the data leaves it as is
    (those that are parts of an aggregate stay: taking one out would raise the aggregate's
    remainder, a cash amount)."""
    from dealloop.circularity import money_cycling
    from dealloop.network import DealNetwork, money_column

    live = net.legs(statuses=["committed", "reported", "conditional"])
    not_cash = set(live["id"][(money_column(live) != "cash_flow").to_numpy()
                              & live["part_of"].isna().to_numpy()])
    assert {"D80", "D94a", "D11"} <= not_cash
    cash_only = DealNetwork(net.entities, net.deals[~net.deals["id"].isin(not_cash)],
                            net.sources, net.figures, net.history, tables=net.tables,
                            meta=net.meta)
    ref = money_cycling(cash_only)
    assert circ["system"]["fci_all_money"] == pytest.approx(ref["firm"].fci, rel=1e-12)
    assert circ["system"]["tst_all_money"] == pytest.approx(ref["firm"].tst, rel=1e-12)
    assert circ["system"]["fci_all_money_with_conditional"] == pytest.approx(
        ref["all"].fci, rel=1e-12)


def test_who_pays_whom_moves_cash_only(net: Any, client: Any, report: dict[str, Any]) -> None:
    """The Sankey's "money falling due" showed SpaceX's $250bn all-stock takeover of xAI
    (D80) as its largest payment, where the summary keeps non-cash legs and stocks apart
    (failed before the fix: firm flows 1,578.9 against 1,327.0 of cash)."""
    from dealloop.network import money_column
    from dealloop.vocabulary import CONTINGENT_KINDS, FIRM_STATUSES

    legs = net.legs(statuses=FIRM_STATUSES, horizon=(2026, 2030))
    cash = legs[(money_column(legs) == "cash_flow").to_numpy()
                & ~legs["kind"].isin(CONTINGENT_KINDS).to_numpy()]
    for flows in (client.get("/api/flows").json(), report["flows"]):
        assert sum(x["amount"] for x in flows["firm"]) == pytest.approx(
            cash["value_in_horizon"].sum())
        assert not any("D80" in x["legs"] for x in flows["firm"])
        (bonds,) = [x for x in flows["firm"] if "D94b" in x["legs"]]
        assert [a["leg"] for a in bonds["apart"]] == ["D94b"]
