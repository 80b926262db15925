"""The results bundle and the self-contained report built from it."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest

from dealloop.report.bundle import results_bundle, safe_href
from dealloop.report.render import csp_hash, embed_json, inline_script, render_report

from .conftest import XSS_MARKERS


@pytest.fixture(scope="module")
def bundle(net: Any) -> dict[str, Any]:
    return results_bundle(net, ["coreweave-default"])


def test_bundle_is_json_and_complete(bundle: dict[str, Any], net: Any) -> None:
    text = json.dumps(bundle, allow_nan=False)
    assert len(text) < 3_000_000
    for key in ("dataset", "entities", "legs", "sources", "summary", "loops", "measures",
                "flows", "history", "stress", "layout"):
        assert key in bundle, key
    assert len(bundle["entities"]) == len(net.entities)
    assert len(bundle["legs"]) == len(net.deals)
    assert set(bundle["layout"]) == set(net.ids)
    assert bundle["dataset"]["version"] and bundle["dataset"]["date"]


def test_every_number_traces_to_legs_and_sources(bundle: dict[str, Any]) -> None:
    legs = {x["id"] for x in bundle["legs"]}
    for leg in bundle["legs"]:
        assert leg["sources"], leg["id"]
        assert set(leg["sources"]) <= set(bundle["sources"]), leg["id"]
    for loop in bundle["loops"]["loops"]:
        assert loop["legs"] and set(loop["legs"]) <= legs
        assert loop["amount"] == min(h["amount"] for h in loop["hops"])
    for link in bundle["flows"]["firm"]:
        assert link["legs"] and set(link["legs"]) <= legs
    for firm, ids in bundle["measures"]["legs"].items():
        assert set(ids) <= legs, firm
    for ent in bundle["entities"]:
        for fig in ent["headline"].values():
            assert set(fig["sources"]) <= set(bundle["sources"])


def test_loops_match_the_library(bundle: dict[str, Any], net: Any) -> None:
    from dealloop.circularity import cycles

    loops = cycles(net, max_length=6)
    assert bundle["loops"]["n_loops"] == loops.n_loops
    assert bundle["loops"]["loops"][0]["firms"] == [str(f) for f in loops[0].firms]
    classic = {"nvidia", "openai", "oracle"}
    assert any(set(lp["firms"]) == classic for lp in bundle["loops"]["loops"])


def test_measures_and_summary_match_the_library(bundle: dict[str, Any], net: Any) -> None:
    from dealloop.circularity import customer_concentration
    from dealloop.summary import summarize

    assert bundle["summary"]["totals_usd_bn"]["total"]["firm"] == pytest.approx(
        summarize(net).totals.loc["total", "firm"])
    rows = {r["id"]: r for r in bundle["measures"]["rows"]}
    top = customer_concentration(net).to_frame()["top_share"]
    for firm, value in top.dropna().items():
        assert rows[firm]["customer_concentration.top_share"] == pytest.approx(value)
    keys = {c["key"] for c in bundle["measures"]["columns"]}
    assert all(k in keys for r in rows.values() for k in r if k != "id")
    measures = {"self_financed_revenue", "customer_concentration", "commitment_coverage"}
    assert {k.split(".")[0] for k in keys if "." in k} == measures  # every one, no gaps


def test_stress_result_is_the_engines(bundle: dict[str, Any], net: Any) -> None:
    from dealloop import scenarios

    (run,) = bundle["stress"]
    assert run["name"] == "coreweave-default"
    direct = scenarios.run("coreweave-default", net, band=False).to_dict()
    assert run["result"]["system"]["defaults"] == direct["system"]["defaults"]
    assert {c["key"] for c in run["result"]["comparison"]} >= {"dotcom_value_lost"}
    assert [h["key"] for h in run["headlines"]][:2] == ["defaults", "payment_shortfall"]


@pytest.mark.parametrize(("url", "ok"), [
    ("https://example.com/a", True), ("http://example.com", True),
    ("javascript:alert(1)", False), ("JavaScript:alert(1)", False), (" https://e.com", False),
    ("data:text/html,<script>", False), ("//example.com", False), ("/relative", False),
    ("https://e.com/\nx", False), (None, False), ("vbscript:x", False), ("https:", False),
])
def test_safe_href(url: str | None, ok: bool) -> None:
    assert (safe_href(url) is not None) is ok


def test_embedded_json_cannot_close_the_script_tag() -> None:
    text = embed_json({"a": "</script><!-- <script>&\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- <script>&\u2028"}
    assert "</script" not in inline_script("var s = '</SCRIPT>'; // <!-- x").lower()


def test_report_is_self_contained_small_and_fast(net: Any, tmp_path: Any) -> None:
    from dealloop.report import write_report

    out = write_report(net, tmp_path / "report.html", ["coreweave-default"])
    html = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 5_000_000  # speed is measured in benchmarks/, not here
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=[\"']?https?:", html,
                         re.IGNORECASE)
    scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    # two vendored, dealloop.js, signals.js, macro.js, publish.js, timeseries.js, report.js
    assert len(scripts) == 8
    csp = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"',
                             html).group(1))
    assert "connect-src 'none'" in csp and "default-src 'none'" in csp
    for code in scripts:
        assert csp_hash(code) in csp
    assert "Cytoscape.js" in html and "Plotly.js" in html and "MIT" in html  # licences
    assert f"version <span id=\"dataset-version\">{net.meta['version']}" in html


def test_report_escapes_untrusted_text(xss_net: Any) -> None:
    html = render_report(results_bundle(xss_net))
    for marker in XSS_MARKERS:
        assert marker not in html, marker
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", html, re.IGNORECASE)
    b = results_bundle(xss_net, layout=False)
    assert b["sources"]["s2"]["href"] is None  # a javascript: URL stays text


def test_failed_render_leaves_no_file(net: Any, tmp_path: Any, monkeypatch: Any) -> None:
    from dealloop.report import render

    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")

    def boom(bundle: Any) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(render, "render_report", boom)
    with pytest.raises(RuntimeError):
        render.write_report(net, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
