"""Where the losses land over Monte Carlo draws, in a real Chromium: the report's section and
the dashboard's simulate view show the numbers ``dealloop simulate`` computes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

FIGURES = ["households", "retirement", "banks", "bank_capital", "insurers", "private_credit"]


def _values(loc: Any) -> list[float]:
    return [float(v) for v in loc.evaluate_all("els => els.map(e => e.dataset.value)")]


def _check_section(box: Any, hd: dict[str, Any]) -> None:
    """The table shows every figure's statistics, the bank table every named bank, with the
    exact values of ``hd`` (a simulation's ``holders`` section) in data-value."""
    assert box.get_attribute("data-draws") == str(hd["draws"])
    rows = box.locator("#holders-draws-table tbody tr")
    by = {f["figure"]: f for f in hd["figures"]}
    assert rows.count() == len(by) == len(FIGURES)
    for i, name in enumerate(FIGURES):  # shown in the order dealloop simulate prints them
        got = _values(rows.nth(i).locator("[data-value]"))
        want = [by[name][k] for k in ("mean", "q05", "q50", "q95", "q99", "max", "p_positive")]
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12), name
    banks = box.locator("#holders-draws-banks tbody tr")
    assert banks.count() == len(hd["banks"])
    for b in hd["banks"]:
        row = box.locator("#holders-draws-banks tbody tr", has_text=b["name"])
        got = _values(row.locator("[data-value]"))
        assert got == pytest.approx([b["cet1"], b["loss_mean"], b["loss_max"],
                                     b["p_below_min"]], rel=1e-12, abs=1e-12)
        assert b["as_of"] in row.text_content()
    assert "NaN" not in box.text_content() and "undefined" not in box.text_content()


def test_report_shows_the_monte_carlo_holders_section(watched: Any, report: Path,
                                                       bundle: dict[str, Any]) -> None:
    from dealloop.holders.draws import FOLLOW
    from dealloop.jsonutil import jsonable
    from dealloop.scenarios import simulate

    page = watched.page
    page.goto(report.as_uri())
    page.wait_for_selector('body[data-ready="1"]', timeout=30_000)
    sim = bundle["stress"][0]["simulation"]
    box = page.locator('.dl-stress[data-scenario="coreweave-default"] '
                       '[data-section="holders-draws"]')
    assert box.count() == 1
    _check_section(box, sim["holders"])
    # the command it names prints the same figures: the library run behind it agrees
    assert sim["command"] in box.text_content()
    again = simulate("coreweave-default", None, draws=200, seed=1, workers=0, follow=FOLLOW)
    assert jsonable(again.holders)["figures"] == sim["holders"]["figures"]
    # the run's caveats (a figure with several modes: report the modes, not the median), as
    # `dealloop simulate` prints them, in view
    assert sim["notes"] == list(again.notes) and any("modes" in n for n in sim["notes"])
    notes = box.locator('[data-part="simulation-notes"] li')
    assert [t.strip() for t in notes.all_text_contents()] == sim["notes"]
    assert notes.first.is_visible()
    # households lose in every draw of a CoreWeave default; per household is total / count
    hh = {f["figure"]: f for f in sim["holders"]["figures"]}["households"]
    assert hh["min"] > 0
    per = box.locator('[data-part="draws-lines"] [data-value]').first
    assert float(per.get_attribute("data-value")) == pytest.approx(
        hh["mean"] * 1e9 / sim["holders"]["households"])
    # capital figures older than the others say so next to their date: Goldman's CET1
    # (2025-03-31) in both bank tables, private credit's capital (2021-12-31) in both lines
    stress = page.locator('.dl-stress[data-scenario="coreweave-default"]')
    for table in ("#holders-banks-table", "#holders-draws-banks"):
        row = stress.locator(f"{table} tbody tr", has_text="Goldman")
        assert "2025-03-31, older than the others" in row.locator(".dl-flag").text_content()
        ok = stress.locator(f"{table} tbody tr", has_text="JPMorgan")
        assert ok.locator(".dl-flag").count() == 0 and "2025-12-31" in ok.text_content()
    for part in ('[data-part="sector-lines"]', '[data-part="draws-lines"]'):
        flag = stress.locator(f'{part} [data-stale="2021-12-31"]')
        assert flag.count() == 1 and "42 months before" in flag.text_content()
    # the method next to both sections: which shares, which year, market or book, as the data
    # says (holders.csv and the capital rows), the same table in both
    basis = bundle["stress"][0]["result"]["holders"]["basis"]
    assert basis == sim["holders"]["basis"]
    for table in ("#holders-basis-table", "#holders-draws-basis-table"):
        rows = stress.locator(f"{table} tbody tr")
        assert rows.count() == len(basis)
        bonds = stress.locator(f"{table} tbody tr", has_text="who holds corporate bonds")
        cells = bonds.locator("td").all_text_contents()
        assert cells[1:4] == ["2017-06-30", "book", "derived, reported"], cells
        equity = stress.locator(f"{table} tbody tr", has_text="who owns listed shares")
        assert equity.locator("td").all_text_contents()[1:3] == ["2019-12-31", "market"]
    watched.assert_clean()


def test_dashboard_simulate_shows_where_the_losses_land(watched: Any, server: Any) -> None:
    import httpx

    page = watched.page
    page.goto(server.url + "/scenarios/coreweave-default")
    page.wait_for_selector('body[data-ready="1"]', timeout=30_000)
    page.wait_for_selector('#result[data-runs="1"]', timeout=30_000)
    page.locator("input[name='draws']").fill("120")
    page.locator("input[name='seed']").fill("3")
    page.click("#simulate")
    page.wait_for_selector('#simulation[data-runs="1"]', timeout=60_000)
    box = page.locator('#simulation [data-section="holders-draws"]')
    assert box.count() == 1
    # the JSON twin of the view: the same request answers the same numbers
    res = httpx.post(server.url + "/api/scenarios/coreweave-default/simulate",
                     json={"draws": 120, "seed": 3}, timeout=60).json()
    _check_section(box, res["result"]["holders"])
    notes = page.locator('#simulation [data-part="simulation-notes"] li')
    assert res["result"]["notes"] and [t.strip() for t in notes.all_text_contents()] == \
        res["result"]["notes"]
    watched.assert_clean()
