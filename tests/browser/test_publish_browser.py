"""Downloads in a real Chromium: tables as CSV and XLSX, charts and the graph as SVG/PNG; the
timeline and the payment calendar in the report and the dashboard."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest

from .test_report_browser import open_report

pytestmark = pytest.mark.browser


def _download(page: Any, locator: Any, tmp_path: Path) -> Path:
    with page.expect_download(timeout=15_000) as info:
        locator.click(force=True)
    download = info.value
    out = tmp_path / download.suggested_filename
    download.save_as(out)
    return out


def test_table_downloads_parse(watched: Any, report: Path, tmp_path: Path) -> None:
    page = open_report(watched, report)
    box = page.locator("#calendar-table-box .dl-downloads")
    box.scroll_into_view_if_needed()
    got = _download(page, box.locator("button", has_text="CSV"), tmp_path)
    assert got.suffix == ".csv"
    rows = list(csv.reader(io.StringIO(got.read_text(encoding="utf-8"))))
    shown = page.evaluate("() => document.querySelectorAll('#calendar-table tbody tr').length")
    assert rows[0][:2] == ["Year", "Contracts"] and len(rows) == shown + 1
    # The numbers are the bundle's (openai is picked first).
    cal = page.evaluate("() => window.dealloop.data.calendar.calendars.openai.rows")
    assert float(rows[1][1]) == pytest.approx(cal[0]["contracts"], rel=1e-12)

    xlsx = _download(page, box.locator("button", has_text="XLSX"), tmp_path)
    with zipfile.ZipFile(xlsx) as z:
        assert z.testzip() is None
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
        ET.fromstring(z.read("[Content_Types].xml"))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    assert len(sheet.findall(".//m:row", ns)) == len(rows)
    assert sheet.findall(".//m:row", ns)[1].find("m:c", ns).find("m:v", ns) is not None
    watched.assert_clean()


def test_every_table_has_download_buttons(watched: Any, report: Path) -> None:
    page = open_report(watched, report)
    missing = page.evaluate("""() => Array.from(document.querySelectorAll('main table'))
        .filter(t => !t.closest('.dl-trace, .dl-panel'))
        .filter(t => !(t.previousElementSibling
                       && t.previousElementSibling.classList.contains('dl-downloads')))
        .map(t => t.id || t.className)""")
    assert missing == []


def test_chart_and_graph_svg_downloads(watched: Any, report: Path, tmp_path: Path) -> None:
    page = open_report(watched, report)
    chart = page.locator("#calendar-chart")
    chart.scroll_into_view_if_needed()
    chart.hover()
    # No button that sends the chart to a cloud service.
    assert page.locator(".modebar-btn[data-title*='Chart Studio']").count() == 0
    assert page.locator(".modebar-btn[data-title*='cloud']").count() == 0
    svg = _download(page, chart.locator(".modebar-btn[data-title='Download plot as SVG']"),
                    tmp_path)
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and svg.suffix == ".svg"

    page.locator("#graph-downloads").scroll_into_view_if_needed()
    graph = _download(page, page.locator("#graph-downloads button", has_text="SVG"), tmp_path)
    root = ET.parse(graph).getroot()
    circles = root.findall(".//{http://www.w3.org/2000/svg}circle")
    assert len(circles) == page.evaluate("() => window.dealloop.graph.cy.nodes(':visible').length")
    png = _download(page, page.locator("#graph-downloads button", has_text="PNG"), tmp_path)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    watched.assert_clean()


def test_timeline_steps_the_graph(watched: Any, report: Path) -> None:
    page = open_report(watched, report)
    assert page.locator("#timeline-chart .main-svg").count() > 0
    total = page.evaluate("() => window.dealloop.graph.cy.edges().length")
    months = page.evaluate("() => window.dealloop.data.timeline.rows.map(r => r.month)")
    k = months.index("2025-06")
    page.evaluate("(k) => { const s = document.getElementById('timeline-slider'); s.value = k;"
                  " s.dispatchEvent(new Event('input')); }", k)
    assert page.locator("#timeline-month").text_content() == "2025-06"
    then = page.evaluate("() => window.dealloop.graph.cy.edges().length")
    assert 0 < then < total
    page.evaluate("(n) => { const s = document.getElementById('timeline-slider'); s.value = n;"
                  " s.dispatchEvent(new Event('input')); }", len(months))
    assert page.evaluate("() => window.dealloop.graph.cy.edges().length") == total
    watched.assert_clean()


def test_report_footer_cites_the_dataset(watched: Any, report: Path, net: Any) -> None:
    page = open_report(watched, report)
    text = page.locator("#citation").text_content()
    assert net.meta["content_hash"] in text and "CC-BY-4.0" in text
    assert net.meta["version"] in text


def test_dashboard_time_page(watched: Any, server: Any) -> None:
    page = watched.page
    page.goto(server.url + "/time")
    page.wait_for_selector('body[data-ready="1"]', timeout=30_000)
    assert page.locator("#timeline-chart .main-svg").count() > 0
    assert page.locator("#calendar-table tbody tr").count() == 5
    page.select_option("#calendar-firm", "system")
    assert page.locator("#calendar-table tbody tr").count() == 5
    assert page.locator("#calendar-table-box .dl-downloads button").count() == 2
    assert page.locator("#citation").count() == 1
    watched.assert_clean()


def test_dashboard_add_leg_form(watched: Any, tmp_path: Path) -> None:
    import dealloop as dl
    from dealloop.userdata import user_copy
    from dealloop.web import create_app

    from .conftest import Server

    copy = user_copy(tmp_path / "mine")
    with Server(create_app(dl.load(copy))) as s:
        page = watched.page
        page.goto(s.url + "/add-leg")
        page.wait_for_selector('body[data-ready="1"]', timeout=30_000)
        page.select_option("select[name=payer]", "nvidia")
        page.select_option("select[name=payee]", "openai")
        page.select_option("select[name=kind]", "equity_investment")
        page.fill("input[name=amount_usd_bn]", "5")
        page.select_option("select[name=status]", "committed")
        page.select_option("select[name=evidence]", "B")
        page.fill("input[name=url]", "https://example.com/nv-oai")
        page.click("#leg-form button[type=submit]")
        page.wait_for_selector("body[data-added]", timeout=30_000)
        assert "U01" in page.locator("#leg-done").text_content()
        page.goto(s.url + "/add-leg")
        assert "modified copy" in page.locator("#dataset-release").text_content()
    assert "U01" in set(dl.load(copy).deals["id"])
    watched.assert_clean()
