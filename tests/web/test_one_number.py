"""One number everywhere: a figure the CLI prints is the figure the report and the API show.

Each headline is read from the three places a user meets it (``dealloop ... --json``, the
data block embedded in ``dealloop report``'s HTML, and the dashboard's JSON API) and compared.
A second computation with its own rules in any of them (the cycling index once read 0.01% in
the CLI and 1.7% in the report) fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dealloop.cli import app

runner = CliRunner()
SCENARIO = "coreweave-default"


def cli_json(*args: str) -> Any:
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The data block of a report written by the CLI, as the page's script reads it."""
    out: Path = tmp_path_factory.mktemp("report") / "report.html"
    res = runner.invoke(app, ["report", "-s", SCENARIO, "--no-band", "-o", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    block = re.search(r'<script[^>]*id="dealloop-data"[^>]*>(.*?)</script>', html, re.S)
    assert block is not None, "the report has no data block"
    data: dict[str, Any] = json.loads(block.group(1))
    return data


@pytest.fixture(scope="module")
def circ() -> dict[str, Any]:
    return cli_json("circularity")  # type: ignore[no-any-return]


def test_cycling_index(circ: dict[str, Any], report: dict[str, Any], client: Any) -> None:
    api = client.get("/api/measures").json()["system"]
    for part in (report["measures"]["system"], api):
        assert part["firm"]["fci"] == pytest.approx(circ["system"]["fci_all_money"], rel=1e-12)
        assert part["firm"]["cycled"] == pytest.approx(circ["system"]["tstc_all_money"],
                                                       rel=1e-12)
        assert part["firm"]["apl"] == pytest.approx(circ["system"]["apl_all_money"], rel=1e-12)
        assert part["all"]["fci"] == pytest.approx(
            circ["system"]["fci_all_money_with_conditional"], rel=1e-12)


def test_commitments_and_concentration_per_firm(circ: dict[str, Any], report: dict[str, Any],
                                                client: Any) -> None:
    cli = {r["firm"]: r for r in circ["firms"]}
    api = {r["id"]: r for r in client.get("/api/measures").json()["rows"]}
    rep = {r["id"]: r for r in report["measures"]["rows"]}
    for firm in ("openai", "oracle", "coreweave", "nvidia", "anthropic"):
        for rows in (api, rep):
            assert rows[firm]["commitment_coverage.commitments"] == pytest.approx(
                cli[firm]["commitments"], rel=1e-12), firm
            assert rows[firm]["customer_concentration.top_share"] == pytest.approx(
                cli[firm]["top_share"], rel=1e-12, nan_ok=True), firm
            assert rows[firm]["loop_money"] == pytest.approx(cli[firm]["loop_money"]), firm
    (one,) = client.get("/api/entities/openai").json()["measures"]["rows"]
    assert one["commitment_coverage.commitments"] == pytest.approx(cli["openai"]["commitments"])


def test_loops(circ: dict[str, Any], report: dict[str, Any], client: Any) -> None:
    cyc = cli_json("cycles")
    api = client.get("/api/loops").json()["loops"]
    assert cyc["n_loops"] == circ["system"]["n_loops"] == report["loops"]["n_loops"] \
        == api["n_loops"]
    assert [lp["firms"] for lp in cyc["loops"][:5]] == \
        [lp["firms"] for lp in report["loops"]["loops"][:5]] == \
        [lp["firms"] for lp in api["loops"][:5]]


def test_money_totals(report: dict[str, Any], client: Any) -> None:
    cli = cli_json("summary")["totals_usd_bn"]
    api = client.get("/api/summary").json()["totals_usd_bn"]
    rep = report["summary"]["totals_usd_bn"]
    for column in ("firm", "all", "non_cash", "stock"):
        assert cli["total"][column] == pytest.approx(api["total"][column]) == \
            pytest.approx(rep["total"][column]), column


def test_stress_headlines(report: dict[str, Any], client: Any) -> None:
    cli = cli_json("stress", SCENARIO, "--no-band")["system"]
    (run,) = report["stress"]
    api = client.post(f"/api/scenarios/{SCENARIO}/run", json={"band": False}).json()
    for key in ("defaults", "payment_shortfall", "market_value_lost"):
        assert cli[key] == pytest.approx(run["result"]["system"][key], rel=1e-12) == \
            pytest.approx(api["result"]["system"][key], rel=1e-12), key


def test_report_and_api_name_the_same_dataset(report: dict[str, Any], client: Any) -> None:
    cite = cli_json("cite")
    api = client.get("/api/dataset").json()
    for key in ("name", "version", "content_hash"):
        assert report["dataset"][key] == api[key] == cite[key], key
