"""The macro panel in a real Chromium: the report section (opened from disk) and the
dashboard's /macro page, each against the JSON they draw (the bundle's ``macro`` key and its
twin /api/macro)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _ready(w: Any, url: str) -> Any:
    w.page.goto(url)
    w.page.wait_for_selector('body[data-ready="1"]', timeout=60_000)
    return w.page


def test_report_macro_section_matches_the_bundle(watched: Any, tmp_path: Path) -> None:
    import dealloop as dl
    from dealloop.report import render_report, results_bundle

    bundle = results_bundle(dl.load(), band=False, layout=False)
    out = tmp_path / "report.html"
    out.write_text(render_report(bundle), encoding="utf-8")
    page = _ready(watched, out.as_uri())
    watched.assert_clean()
    m = bundle["macro"]
    rows = page.locator("#macro-capex-table tbody tr")
    firms = sorted({r["firm"] for r in m["capex"]})
    assert rows.count() == len(firms) + 2  # the firms, the total and the share of GDP
    total = page.locator("#macro-capex-table tbody tr", has_text="total").text_content()
    for t in m["totals"]:
        assert f"{t['total']:,.1f}" in total
    hist = page.locator("#macro-history-table tbody tr")
    assert hist.count() == len(m["comparisons"])
    assert "TARP authorised" in hist.all_text_contents()[4]
    text = page.locator("#macro-pullback").text_content()
    assert "through the input-output table BEA 1997" in text
    assert f"output multiplier {m['pullback']['output_multiplier']:.2f}" in text
    sectors = page.locator("#macro-pullback-table tbody tr")
    assert sectors.count() == len(m["pullback"]["sectors"])
    assert "Construction (NAICS 23)" in " ".join(sectors.all_text_contents())


def test_dashboard_macro_page_over_its_json(watched: Any, server: Any) -> None:
    import httpx

    page = _ready(watched, server.url + "/macro")
    watched.assert_clean()
    api = httpx.get(server.url + "/api/macro", timeout=60).json()
    assert page.locator("#macro-history-table tbody tr").count() == len(api["comparisons"])
    assert page.locator("#macro-growth-table tbody tr").count() == len(api["growth"])
    p = api["pullback"]
    assert f"{p['demand_cut']:,.1f}" in page.locator("#macro-pullback").text_content()
