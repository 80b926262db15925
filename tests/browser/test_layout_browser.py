"""Pages read well: graph labels do not overlap, tables are not clipped at 1280 and 390 px.

Screenshots of each check go to the ``shots`` folder (``DEALLOOP_SCREENSHOTS`` keeps them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

#: Visible graph labels (rendered boxes) that overlap another visible label.
OVERLAPS = """() => {
  const cy = window.dealloop.graph.cy;
  const boxes = cy.nodes().filter(n => !n.hasClass('dl-nolabel') && n.data('label'))
    .map(n => [n.id(), n.renderedBoundingBox({includeNodes: false, includeEdges: false,
                                              includeLabels: true})]);
  const out = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, p] = boxes[i], [b, q] = boxes[j];
    if (p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2) out.push(a + '/' + b);
  }
  return {overlaps: out, shown: boxes.length, total: cy.nodes().length};
}"""

#: Table cells cut off: a table wider than the page with no scrolling box around it, or a
#: cell whose text is clipped by overflow.
CLIPPED = """() => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  for (const t of document.querySelectorAll('table')) {
    if (!t.offsetParent) continue;
    let scroller = null;
    for (let p = t.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll'].includes(s.overflowX)) { scroller = p; break; }
      if (['hidden', 'clip'].includes(s.overflowX) && p.scrollWidth > p.clientWidth + 1) {
        out.push((t.id || 'table') + ': clipped by ' + (p.id || p.className)); break;
      }
    }
    const r = t.getBoundingClientRect();
    if (!scroller && r.right > vw + 1) out.push((t.id || 'table') + ': runs off the page');
  }
  if (document.documentElement.scrollWidth > vw + 1) {
    const wide = [...document.querySelectorAll('body *')].filter(e => {
      const r = e.getBoundingClientRect();
      return r.right > vw + 1 && e.offsetParent && !e.closest('.dl-scroll, .dl-table-wrap');
    }).slice(0, 3).map(e => e.tagName + '#' + e.id + '.' + e.className);
    out.push('page scrolls sideways: ' + wide.join(', '));
  }
  return out;
}"""


#: Words in a table's cells broken across lines ("D0" / "1", "Kin" / "d"), source names
#: aside (they may break anywhere): [cell text, word] pairs.
BROKEN_WORDS = """(root) => {
  const out = [];
  for (const cell of document.querySelectorAll(root + ' td, ' + root + ' th')) {
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let t = walk.nextNode(); t; t = walk.nextNode()) {
      if (t.parentElement.closest('.dl-sources')) continue;
      for (const m of t.data.matchAll(/\\S+/g)) {
        const r = document.createRange();
        r.setStart(t, m.index); r.setEnd(t, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].map(b => Math.round(b.top)));
        if (tops.size > 1) out.push([cell.textContent.trim().slice(0, 40), m[0]]);
      }
    }
  }
  return out;
}"""

#: The firm graph's labels as drawn: how many show, and the smallest on-screen font (px).
LABEL_SIZES = """() => {
  const cy = window.dealloop.graph.cy;
  const shown = cy.nodes().filter(n => !n.hasClass('dl-nolabel') && n.data('label'));
  const px = shown.map(n => parseFloat(n.style('font-size')) * cy.zoom());
  return {shown: shown.length, smallest: Math.min(...px)};
}"""


def _open(w: Any, url: str, width: int) -> Any:
    page = w.page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url)
    page.wait_for_selector('body[data-ready="1"]', timeout=30_000)
    page.wait_for_timeout(300)
    return page


def test_report_graph_labels_do_not_overlap(watched: Any, report: Path, shots: Path) -> None:
    page = _open(watched, report.as_uri(), 1280)
    res = page.evaluate(OVERLAPS)
    page.locator("#graph").screenshot(path=str(shots / "report-graph-1280.png"))
    assert res["overlaps"] == [], res
    assert res["shown"] >= 15, res  # the big firms keep their names


@pytest.mark.parametrize("width", [1280, 390])
def test_report_tables_are_not_clipped(watched: Any, report: Path, shots: Path,
                                       width: int) -> None:
    page = _open(watched, report.as_uri(), width)
    page.screenshot(path=str(shots / f"report-{width}.png"), full_page=True)
    assert page.evaluate(CLIPPED) == []


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", ["/firms/openai", "/scenarios/coreweave-default", "/"])
def test_dashboard_tables_are_not_clipped(watched: Any, server: Any, shots: Path, width: int,
                                          path: str) -> None:
    page = _open(watched, server.url + path, width)
    name = path.strip("/").replace("/", "-") or "network"
    page.screenshot(path=str(shots / f"dashboard-{name}-{width}.png"), full_page=True)
    assert page.evaluate(CLIPPED) == []


def test_dashboard_history_names_its_sources(watched: Any, server: Any) -> None:
    page = _open(watched, server.url + "/scenarios/coreweave-default", 1280)
    page.wait_for_selector("#history-table")
    text = page.locator("#history-table").text_content()
    assert "[s-" not in text, "raw source ids instead of publishers"


def test_dashboard_firm_legs_table_fits_its_panel(watched: Any, server: Any, shots: Path) -> None:
    page = _open(watched, server.url + "/firms/openai", 1280)
    page.locator("#panel").screenshot(path=str(shots / "dashboard-firm-panel-1280.png"))
    over = page.evaluate("""() => [...document.querySelectorAll('#panel table')].map(t => {
        const box = t.closest('.dl-scroll, .dl-table-wrap, #panel');
        return t.scrollWidth - box.clientWidth; })""")
    assert over and max(over) <= 1, over


@pytest.mark.parametrize("width", [1280, 390])
def test_dashboard_firm_page_reads(watched: Any, server: Any, shots: Path, width: int) -> None:
    """The firm page: its legs table breaks no word inside a cell (it scrolls in its box
    instead), and its neighbourhood graph names firms in type that can be read, without
    overlaps."""
    page = _open(watched, server.url + "/firms/openai", width)
    page.locator("#graph").screenshot(path=str(shots / f"dashboard-firm-graph-{width}.png"))
    assert page.evaluate(BROKEN_WORDS, "#panel") == []
    assert page.evaluate(CLIPPED) == []
    labels = page.evaluate(LABEL_SIZES)
    assert labels["shown"] >= 10 and labels["smallest"] >= 10, labels
    assert page.evaluate(OVERLAPS)["overlaps"] == []


def test_report_graph_hides_small_legs_until_asked(watched: Any, report: Path,
                                                   shots: Path) -> None:
    page = _open(watched, report.as_uri(), 1280)
    graph = page.locator("#graph")
    hidden = int(graph.get_attribute("data-hidden-legs") or "0")
    assert hidden > 0, "a network this size starts with its smallest legs hidden"
    assert "legs hidden" in page.locator("#graph-legnote").text_content()
    page.select_option("#graph-legsize", "0")
    watched.wait_until("() => document.querySelector('#graph').dataset.hiddenLegs === '0'")
    page.locator("#graph").screenshot(path=str(shots / "report-graph-every-leg-1280.png"))
    watched.assert_clean()


@pytest.mark.parametrize(("width", "top"), [(1280, 10), (390, 5)])
def test_report_graph_names_the_largest_firms(watched: Any, report: Path, shots: Path,
                                              width: int, top: int) -> None:
    """The largest firms keep their names at the default zoom (a phone shows fewer)."""
    page = _open(watched, report.as_uri(), width)
    page.locator("#graph").screenshot(path=str(shots / f"report-graph-{width}-default.png"))
    unnamed = page.evaluate("""(top) => window.dealloop.graph.cy.nodes()
        .sort((a, b) => b.data('size') - a.data('size')).slice(0, top)
        .filter(n => n.hasClass('dl-nolabel')).map(n => n.id())""", top)
    assert unnamed == []
    assert page.evaluate(OVERLAPS)["overlaps"] == []
