"""The dashboard in a real Chromium, served by uvicorn on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def open_page(w: Any, url: str) -> Any:
    page = w.page
    page.goto(url)
    page.wait_for_selector('body[data-ready="1"]', timeout=30_000)
    return page


def test_dashboard_loads(watched: Any, server: Any, net: Any) -> None:
    page = open_page(watched, server.url + "/")
    live = int(net.deals["status"].isin(["committed", "reported", "conditional"]).sum())
    assert page.evaluate("window.dealloop.graph.counts()") == {"nodes": len(net.entities),
                                                               "edges": live}
    assert page.locator("#loops-table tbody tr").count() > 0
    watched.assert_clean()
    assert all(u.startswith((server.url, "data:", "blob:")) for u in watched.requests)


def test_filter_changes_the_graph(watched: Any, server: Any) -> None:
    import httpx

    page = open_page(watched, server.url + "/")
    before = page.evaluate("window.dealloop.graph.counts().edges")
    page.locator("input[name='status'][value='conditional']").uncheck()
    watched.wait_until("(n) => window.dealloop.graph.counts().edges !== n", before)
    after = page.evaluate("window.dealloop.graph.counts().edges")
    expected = httpx.get(server.url + "/api/network",
                         params={"status": ["committed", "reported"],
                                 "evidence": ["A", "B", "C"]}).json()
    assert after == len(expected["legs"]) < before
    page.locator("select[name='firm_kind']").select_option(["ai_lab", "chip_vendor"])
    watched.wait_until("() => window.dealloop.data.filters.firm_kind.length === 2")
    kinds = page.evaluate("[...new Set(window.dealloop.data.entities.map(e => e.kind))].sort()")
    assert kinds == ["ai_lab", "chip_vendor"]
    assert page.evaluate("window.dealloop.graph.counts().nodes") == \
        len(page.evaluate("window.dealloop.data.entities"))
    page.fill("input[name='since']", "2099")
    page.click("#filters button[type='submit']")
    watched.wait_until("() => window.dealloop.graph.counts().edges === 0")
    watched.assert_clean()


def test_firm_page_shows_its_loops(watched: Any, server: Any) -> None:
    page = open_page(watched, server.url + "/firms/openai")
    assert page.locator("#panel h3").first.text_content() == "OpenAI"
    assert page.locator("#firm-loops li").count() > 0
    assert page.locator("#firm-loops-table tbody tr").count() > 0
    watched.assert_clean()


def test_scenario_run_shows_results(watched: Any, server: Any) -> None:
    page = open_page(watched, server.url + "/scenarios/coreweave-default")
    page.wait_for_selector('#result[data-runs="1"]', timeout=30_000)
    waves = page.locator("#result .dl-waves").text_content()
    assert "Wave 1" in waves and "CoreWeave" in waves
    held = page.locator('#result [data-section="holders"]')
    assert "On US households" in held.text_content()
    assert held.locator('[data-chart="holders-sankey"] .sankey-node').count() >= 6
    first = page.locator("#result .dl-kv").first.text_content()
    page.locator("input[name='shocks.0.recovery']").fill("0")
    page.click("#run")
    page.wait_for_selector('#result[data-runs="2"]', timeout=30_000)
    assert page.locator("#result .dl-kv").first.text_content() != first
    assert "done in" in page.locator("#run-status").text_content()
    page.locator("input[name='draws']").fill("300")
    page.click("#simulate")
    page.wait_for_selector('#simulation[data-runs="1"]', timeout=30_000)
    assert page.locator("#sim-system tbody tr").count() >= 5
    assert "CoreWeave" in page.locator("#sim-firms").text_content()
    watched.assert_clean()
    # too many draws: the API refuses (422) and the page says why
    page.locator("input[name='draws']").fill("100000")
    page.click("#simulate")
    page.wait_for_selector("#sim-error:not([hidden])")
    assert "draws" in page.locator("#sim-error").text_content()
    assert all("422" in e for e in watched.errors), watched.errors


def test_scenario_list(watched: Any, server: Any) -> None:
    page = open_page(watched, server.url + "/scenarios")
    assert page.locator('.dl-scenario-card[data-scenario="coreweave-default"]').count() == 1
    watched.assert_clean()


def test_api_docs_work_offline(watched: Any, server: Any) -> None:
    page = watched.page
    page.goto(server.url + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "dealloop" in page.locator(".swagger-ui .info .title").text_content()
    assert page.locator(".opblock").count() > 5
    assert all(u.startswith((server.url, "data:", "blob:")) for u in watched.requests)
    watched.assert_clean()


def test_dashboard_xss_fixture_stays_inert(watched: Any, xss_server: Any) -> None:
    page = open_page(watched, xss_server.url + "/")
    page.evaluate("window.dealloop.showFirm('imgco')")
    assert page.locator("#panel h3").text_content() == "<img src=x onerror=alert(1)>"
    page = open_page(watched, xss_server.url + "/firms/labco")
    assert "<svg onload=alert(2)>" in page.locator("#panel").text_content()
    assert page.evaluate("document.querySelectorAll('img, [onerror], [onload]').length") == 0
    assert page.evaluate("[...document.querySelectorAll('a[href]')].filter(a => "
                         "a.getAttribute('href').trim().toLowerCase().startsWith('javascript'))"
                         ".length") == 0
    watched.assert_clean()


def test_dashboard_screenshot(watched: Any, server: Any, shots: Path) -> None:
    page = open_page(watched, server.url + "/")
    page.evaluate("window.dealloop.showFirm('nvidia')")
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(400)
    page.screenshot(path=str(shots / "dashboard.png"))
    assert (shots / "dashboard.png").stat().st_size > 50_000
    page = open_page(watched, server.url + "/scenarios/coreweave-default")
    page.wait_for_selector('#result[data-runs="1"]', timeout=30_000)
    page.wait_for_timeout(400)
    page.screenshot(path=str(shots / "dashboard-scenario.png"))
    assert (shots / "dashboard-scenario.png").stat().st_size > 50_000
