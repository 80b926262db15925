"""The early-warning signals in a real Chromium: the report section (opened from disk) on a toy
dataset worked out by hand, and the dashboard's /signals page over its JSON twin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

TOY = Path(__file__).parent.parent / "markets" / "data" / "toy"  # worked out by hand there


@pytest.fixture(scope="module")
def toy_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import dealloop as dl
    from dealloop.markets import signals_bundle
    from dealloop.report import render_report, results_bundle

    net = dl.load(TOY)
    bundle = results_bundle(net, band=False)
    bundle["signals"] = signals_bundle(net, as_of="2026-01-31")
    out = tmp_path_factory.mktemp("signals-report") / "report.html"
    out.write_text(render_report(bundle), encoding="utf-8")
    return out


def open_ready(w: Any, url: str) -> Any:
    w.page.goto(url)
    w.page.wait_for_selector('body[data-ready="1"]', timeout=30_000)
    return w.page


def test_report_section_shows_lights_in_words(watched: Any, toy_report: Path) -> None:
    page = open_ready(watched, toy_report.as_uri())
    watched.assert_clean()
    assert "As of 2026-01-31" in page.locator("#signals-headline").text_content()
    row = page.locator("#signals-table tbody tr[data-firm='b']")
    cells = [c.text_content() for c in row.locator("td").all()]
    # Beta: 3-month widening 400 - 200 = +200 bp, over the 150 bp red line.
    assert cells[0] == "+200 bp ALERT"
    assert "80.0% ALERT" in cells                    # reported: 80% of revenue from Alpha
    assert "40.0% WATCH" in cells                    # in-network: 4 of 10 revenue (D5)
    assert "1.60x ALERT" in cells                    # debt due 8 over cash 5
    crossed = page.locator("#signals-crossed li").all_text_contents()
    assert any(t.startswith("ALERT") and "1.60x (>= 1.00x)" in t for t in crossed)
    # The colour only repeats the word: every light carries its own text.
    lights = page.evaluate("Array.from(document.querySelectorAll('#signals-table .dl-light'))"
                           ".map(e => [e.dataset.light, e.textContent])")
    words = {"red": "ALERT", "amber": "WATCH", "green": "OK", "n/a": "NO DATA"}
    assert lights and all(t.endswith(words[k]) for k, t in lights)
    # The monthly series of the chosen firm, ending at the as-of date.
    page.select_option("#signals-firm", "b")
    dates = page.locator("#signals-series tbody th").all_text_contents()
    assert dates[-1] == "2026-01-31"
    implied = page.locator("#signals-implied tbody tr").all_text_contents()
    assert any("400 bp" in t for t in implied)


@pytest.fixture(scope="module")
def bundled_server() -> Iterator[Any]:
    import dealloop as dl
    from dealloop.web import create_app

    from .conftest import Server

    with Server(create_app(dl.load())) as s:
        yield s


def test_dashboard_signals_page_matches_its_json(watched: Any, bundled_server: Any) -> None:
    import httpx

    page = open_ready(watched, bundled_server.url + "/signals")
    watched.assert_clean()
    api = httpx.get(bundled_server.url + "/api/signals", timeout=60).json()
    assert page.locator("#signals-headline").text_content() == api["headline"]
    shown = page.locator("#signals-table tbody tr").count()
    with_data = [f for f in api["firms"]
                 if any(i["light"] != "n/a" for i in f["indicators"].values())]
    assert shown == len(with_data)
    assert page.locator("#signals-crossed li").count() == len(api["crossed"])


def test_report_before_any_data_says_no_data(watched: Any,
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    # Every light n/a (the bundled data as of 2020): the section must say there is no
    # data, not "No threshold crossed".
    import dealloop as dl
    from dealloop.markets import signals_bundle
    from dealloop.report import render_report, results_bundle

    net = dl.load().as_of("2020-01-01")  # as known then, as the CLI and the API read it
    bundle = results_bundle(dl.load(), band=False)
    bundle["signals"] = signals_bundle(net, as_of="2020-01-01")
    out = tmp_path_factory.mktemp("signals-no-data") / "report.html"
    out.write_text(render_report(bundle), encoding="utf-8")
    page = open_ready(watched, out.as_uri())
    watched.assert_clean()
    assert "NO DATA - none of the" in page.locator("#signals-headline").text_content()
    body = page.locator("body").inner_text()  # rendered text, not the scripts
    assert "No data as of 2020-01-01: no threshold can be read." in body
    assert "No threshold crossed" not in body
