"""The HTML report in a real Chromium, opened from disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def open_report(w: Any, path: Path) -> Any:
    page = w.page
    page.goto(path.as_uri())
    page.wait_for_selector('body[data-ready="1"]', timeout=30_000)
    return page


def click_node(page: Any, node_id: str) -> None:
    """A real mouse click on a firm of the Cytoscape graph, until the side panel opens it.

    The layout may still be settling when the page reports ready, so the node's position is
    read again before each try (a few tries at most).
    """
    page.locator("#graph").scroll_into_view_if_needed()
    name = page.evaluate("(id) => window.dealloop.graph.cy.getElementById(id).data('label')"
                         " || id", node_id)
    for _ in range(5):
        pos = page.evaluate("(id) => { const n = window.dealloop.graph.cy.getElementById(id);"
                            " const p = n.renderedPosition(); return [p.x, p.y]; }", node_id)
        box = page.locator("#graph").bounding_box()
        page.mouse.click(box["x"] + pos[0], box["y"] + pos[1])
        try:
            page.wait_for_function("(t) => document.querySelector('#panel h3')?.textContent"
                                   " !== 'Click a firm or a leg'", arg=name, timeout=2_000)
            return
        except Exception:
            page.wait_for_timeout(300)
    raise AssertionError(f"clicking firm {node_id!r} never opened it in the side panel")


def test_report_opens_from_disk_without_errors(watched: Any, report: Path) -> None:
    page = open_report(watched, report)
    page.wait_for_timeout(300)
    watched.assert_clean()
    outside = [u for u in watched.requests if not u.startswith(("file:", "data:", "blob:"))]
    assert not outside, f"the report fetched from the network: {outside}"
    assert page.locator("#dataset-version").text_content()
    assert page.locator("#dataset-date").text_content()


def test_graph_has_every_firm(watched: Any, report: Path, net: Any) -> None:
    page = open_report(watched, report)
    n = len(net.entities)
    assert page.locator("#graph").get_attribute("data-nodes") == str(n)
    assert page.evaluate("window.dealloop.graph.counts().nodes") == n
    live = int(net.deals["status"].isin(["committed", "reported", "conditional"]).sum())
    assert page.evaluate("window.dealloop.graph.counts().edges") == live


def test_click_on_firm_shows_its_loops(watched: Any, report: Path,
                                       bundle: dict[str, Any]) -> None:
    page = open_report(watched, report)
    click_node(page, "openai")
    watched.wait_until("() => document.querySelector('#panel h3') && "
                       "document.querySelector('#panel h3').textContent === 'OpenAI'")
    through = [lp for lp in bundle["loops"]["loops"] if "openai" in lp["firms"]]
    assert page.locator("#firm-loops li").count() == min(12, len(through))
    assert "OpenAI" in page.locator("#firm-loops li").first.text_content()
    assert page.evaluate("window.dealloop.graph.cy.$(':selected').map(n => n.id())") == \
        ["openai"]
    # a loop from the panel lights up in the graph
    page.locator("#firm-loops li button.dl-linkish").first.click()
    hl = page.evaluate("window.dealloop.graph.cy.$('node.hl').map(n => n.id()).sort()")
    assert sorted(through[0]["firms"]) == hl
    watched.assert_clean()


def test_a_number_opens_its_legs_and_sources(watched: Any, report: Path,
                                             bundle: dict[str, Any]) -> None:
    page = open_report(watched, report)
    page.locator("#loops-table tbody tr").first.locator(".dl-num").first.click()
    trace = page.locator("#trace")
    trace.wait_for(state="visible")
    legs = [r.get_attribute("data-leg") for r in trace.locator("tbody tr").all()]
    assert legs == bundle["loops"]["loops"][0]["legs"]
    hrefs = trace.locator("a").evaluate_all("els => els.map(a => a.href)")
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    page.keyboard.press("Escape")
    trace.wait_for(state="hidden")


def test_a_leg_says_when_its_term_is_assumed(watched: Any, report: Path) -> None:
    """D25 (Microsoft's $250B Azure contract, no term reported) is spread over an assumed
    5-year term; its panel said "Term ? - one-off" with no flag next to the 241.0 in the
    horizon (failed before the fix)."""
    page = open_report(watched, report)
    page.locator("#leg-D25 button.dl-leglink").first.click()
    panel = page.locator("#panel")
    panel.locator("h3", has_text="Leg D25").wait_for()
    text = " ".join(panel.text_content().split())
    assert "no end reported: a 5-year term assumed" in text
    assert "one-off" not in text
    assert "\u2020" in page.locator("#leg-D25").text_content()  # the legs table's mark
    page.locator("#leg-D03 button.dl-leglink").first.click()  # a reported term: no flag
    panel.locator("h3", has_text="Leg D03").wait_for()
    assert "assumed" not in panel.text_content()
    watched.assert_clean()


def test_small_shares_are_not_shown_as_zero(watched: Any, report: Path) -> None:
    """Microsoft's self-financed share is 0.016% (``dealloop circularity``); the report
    showed "0%" (failed before the fix). Shares format as the CLI's ``share()`` does."""
    from dealloop.commands._tables import share

    page = open_report(watched, report)
    for v in (0.000164, 0.0000301, 0.0036, 0.262, 0.0, 1e-12, -0.0002216, 0.0005):
        js = page.evaluate("(v) => window.Dealloop.fmtValue(v, 'fraction')", v)
        py = share(v)
        assert js.rstrip("%") == py.rstrip("%") or float(js.rstrip("%")) == float(
            py.rstrip("%")), (v, js, py)
        assert (js == "0%") == (py == "0.0%"), (v, js, py)


def test_flows_and_stress_render(watched: Any, report: Path) -> None:
    page = open_report(watched, report)
    page.locator("#flows").scroll_into_view_if_needed()
    assert page.locator("#sankey .sankey-node").count() > 3
    page.locator("input[name='sankey-scope'][value='all']").check()
    page.wait_for_timeout(200)
    assert page.locator("#sankey .sankey-node").count() > 10
    stress = page.locator('.dl-stress[data-scenario="coreweave-default"]')
    assert "Wave 1" in stress.locator(".dl-waves").text_content()
    assert "CoreWeave" in stress.locator(".dl-waves").text_content()
    assert stress.locator('[data-chart="comparison"] .main-svg').count() >= 1
    assert "dot-com" in stress.locator("#comparison-table").text_content()
    watched.assert_clean()


def test_holders_section_draws_the_chain(watched: Any, report: Path,
                                        bundle: dict[str, Any]) -> None:
    """The stress result shows where the losses land: the Sankey from the failing firm to
    lenders, sectors and households, the sector table and the method, each number traced."""
    page = open_report(watched, report)
    stress = page.locator('.dl-stress[data-scenario="coreweave-default"]')
    box = stress.locator('[data-section="holders"]')
    box.scroll_into_view_if_needed()
    hd = bundle["stress"][0]["result"]["holders"]
    assert "On US households" in box.text_content()
    assert f"{hd['households']['total']:,.1f}" in box.text_content()
    assert box.locator('[data-chart="holders-sankey"] .sankey-node').count() >= 6
    labels = box.locator('[data-chart="holders-sankey"] .sankey-node').all_text_contents()
    assert any("CoreWeave" in t for t in labels) and any("IRAs" in t for t in labels)
    rows = box.locator("#holders-sectors-table tbody tr")
    assert rows.count() == sum(1 for s in hd["sectors"] if abs(s["amount"]) >= 0.005)
    assert "Method and assumptions" in box.text_content()
    # a sector fed by named legs opens them with the holders-layer rows
    rest = box.locator("#holders-sectors-table tbody tr", has_text="Rest of the world")
    rest.locator(".dl-num").click()
    trace = page.locator("#trace")
    trace.wait_for(state="visible")
    assert "HD01" in trace.text_content()
    page.keyboard.press("Escape")
    watched.assert_clean()


def test_every_firm_table_shows_equity_as_stress_does(watched: Any, report: Path,
                                                    bundle: dict[str, Any]) -> None:
    """The per-firm table shows equity before and after and the share lost under the labels
    `dealloop stress` prints (its `equity lost` is the share), the dollars apart, and says
    what equity is (book at the horizon's end, else the construct)."""
    page = open_report(watched, report)
    stress = page.locator('.dl-stress[data-scenario="coreweave-default"]')
    table = stress.locator("#stress-firms-table")
    heads = [t.strip() for t in table.locator("thead th").all_text_contents()]
    for label in ("Equity before", "Equity after", "Equity lost ($)", "Equity lost"):
        assert any(t.startswith(label) for t in heads), (label, heads)
    share = next(i for i, t in enumerate(heads) if t.startswith("Equity lost")
                 and not t.startswith("Equity lost ($)"))
    firms = {f["firm"]: f for f in bundle["stress"][0]["result"]["firms"]}
    nv = firms["nvidia"]
    assert nv["equity_basis"] == "book" and 0 < nv["equity_loss_share"] < 1
    row = table.locator("tbody tr", has_text="NVIDIA").first
    shown = row.locator("td").nth(share).text_content().strip()
    assert shown == f"{100 * nv['equity_loss_share']:.1f}".removesuffix(".0") + "%"
    assert "book equity at the horizon" in stress.locator('[data-part="equity-basis"]'
                                                          ).text_content()
    watched.assert_clean()


def test_systemic_section_ranks_failures(watched: Any, report: Path,
                                         bundle: dict[str, Any]) -> None:
    page = open_report(watched, report)
    page.locator("#systemic").scroll_into_view_if_needed()
    firms = bundle["systemic"]["firms"]
    rows = page.locator("#systemic-table tbody tr")
    assert rows.count() == len(firms) > 10
    assert "NVIDIA" in rows.first.text_content()  # the largest loss outside the network
    # sort by the loss on banks: Vantage's failure reaches the banks that lent to it
    page.locator("#systemic-table thead").get_by_role("button", name="Banks", exact=True).click()
    assert page.locator("#systemic-table thead th[aria-sort=descending]").text_content() == "Banks"
    top = max(firms, key=lambda f: f["bank_loss"])
    assert top["bank_loss"] > 0
    first = page.locator("#systemic-table tbody tr").first.text_content()
    assert first.startswith(page.evaluate("(id) => window.dealloop.ctx.ent[id].name",
                                          top["firm"]))
    watched.assert_clean()


def test_xss_fixture_stays_inert(watched: Any, xss_report: Path) -> None:
    page = open_report(watched, xss_report)
    click_node(page, "imgco")
    assert page.locator("#panel h3").text_content() == "<img src=x onerror=alert(1)>"
    for firm in ("labco", "cloudco", "neo"):
        page.evaluate("(id) => window.dealloop.showFirm(id)", firm)
    for button in page.locator("#loops-table .dl-num").all()[:4]:
        button.click()
        page.keyboard.press("Escape")
    page.locator("#flows").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    assert page.evaluate("document.querySelectorAll('img, svg[onload], [onerror], "
                         "[onload], [onmouseover]').length") == 0
    assert page.evaluate("[...document.querySelectorAll('a[href]')].filter(a => "
                         "!/^(https?:|#)/.test(a.getAttribute('href'))).length") == 0
    assert page.evaluate("getComputedStyle(document.body).display") != "none"
    assert "<img src=x onerror=alert(1)>" in page.locator("#measures-table").text_content()
    watched.assert_clean()


def test_report_screenshot(watched: Any, report: Path, shots: Path) -> None:
    page = open_report(watched, report)
    click_node(page, "openai")
    page.wait_for_selector("#firm-loops")
    page.locator("#graph-status").text_content()
    page.mouse.move(5, 5)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(400)
    page.screenshot(path=str(shots / "report.png"))
    assert (shots / "report.png").stat().st_size > 50_000
