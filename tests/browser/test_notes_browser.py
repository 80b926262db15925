"""The caveats reach the reader: the notes of a stress run (the holders layer's sponsor notes,
the engine's notes with the walk-away notes) in the report and on the dashboard, the same
text ``dealloop stress`` prints and ``--json`` carries.

``oracle-exits-abilene``: the Abilene vehicle defaults and its 5.0 of sponsor equity is booked
on Blue Owl, the most it can lose (Crusoe's D06b, marked part of D06a with no amount of its
own, shares it); Oracle ends richer for the lease it walks away from, an upper bound.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_dashboard_browser import open_page
from .test_report_browser import open_report

pytestmark = pytest.mark.browser

SCENARIO = "oracle-exits-abilene"


@pytest.fixture(scope="module")
def abilene_bundle(net: Any) -> dict[str, Any]:
    from dealloop.report import results_bundle

    return results_bundle(net, [SCENARIO], band=False, layout=False)


@pytest.fixture(scope="module")
def abilene_report(abilene_bundle: dict[str, Any],
                   tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dealloop.report import render_report

    out = tmp_path_factory.mktemp("notes") / "report.html"
    out.write_text(render_report(abilene_bundle), encoding="utf-8")
    return out


def _holders_notes(result: dict[str, Any]) -> list[str]:
    """The holders notes of a result, checked to hold the two caveats the tests look for."""
    notes = result["holders"]["notes"]
    assert any(n.startswith("sponsor equity lost: abilene-jv") for n in notes), notes
    assert any("jointly with crusoe (D06b)" in n and "is the most blue-owl loses" in n
               for n in notes), notes
    return notes


def _shown_notes(box: Any) -> list[str]:
    """The holders notes as the page lists them, each visible."""
    items = box.locator('[data-part="holders-notes"] li')
    assert items.count() > 0, "no holders notes in the page"
    for i in range(items.count()):
        assert items.nth(i).is_visible()
    return [t.strip() for t in items.all_text_contents()]


def test_report_shows_the_holders_notes(watched: Any, abilene_report: Path,
                                        abilene_bundle: dict[str, Any]) -> None:
    """The report's holders section lists the sponsor note and its joint-leg caveat under
    its tables, word for word as the JSON carries them; the engine's notes (with Oracle's
    walk-away note) are in the page too."""
    [entry] = abilene_bundle["stress"]
    result = entry["result"]
    notes = _holders_notes(result)
    page = open_report(watched, abilene_report)
    stress = page.locator(f'.dl-stress[data-scenario="{SCENARIO}"]')
    box = stress.locator('[data-section="holders"]')
    box.scroll_into_view_if_needed()
    assert _shown_notes(box) == notes
    text = box.text_content()
    assert "sponsor equity lost: abilene-jv" in text and "jointly with crusoe (D06b)" in text
    # every other notes list of the run: the engine's (walk-away notes among them)
    walk = [n for n in result["notes"] if n.startswith("oracle ends with")]
    assert walk and "upper bound" in walk[0]
    engine = stress.locator('[data-part="engine-notes"] li')
    assert [t.strip() for t in engine.all_text_contents()] == result["notes_grouped"]
    shown = engine.filter(has_text="oracle ends with")
    assert shown.count() == 1 and shown.is_visible()   # not folded away among per-leg notes
    assert shown.inner_text().strip() == walk[0]
    watched.assert_clean()


def test_dashboard_shows_the_holders_notes(watched: Any, server: Any,
                                           abilene_bundle: dict[str, Any]) -> None:
    """The dashboard's scenario page shows the same notes after its run (the shared script),
    as its own API returns them."""
    page = open_page(watched, server.url + f"/scenarios/{SCENARIO}")
    page.wait_for_selector('#result[data-runs="1"]', timeout=60_000)
    api = page.evaluate(
        "(name) => fetch('/api/scenarios/' + name + '/run', {method: 'POST', headers: "
        "{'Content-Type': 'application/json'}, body: JSON.stringify({parameters: {}, "
        "band: false})}).then((r) => r.json())", SCENARIO)
    notes = _holders_notes(api["result"])
    assert notes == abilene_bundle["stress"][0]["result"]["holders"]["notes"]
    box = page.locator('#result [data-section="holders"]')
    box.scroll_into_view_if_needed()
    assert _shown_notes(box) == notes
    engine = page.locator('#result [data-part="engine-notes"] li')
    assert [t.strip() for t in engine.all_text_contents()] == api["result"]["notes_grouped"]
    assert engine.filter(has_text="oracle ends with").is_visible()
    watched.assert_clean()
