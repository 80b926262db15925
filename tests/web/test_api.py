"""The dashboard's JSON API and pages, through FastAPI's test client."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import XSS_MARKERS

JSON_ENDPOINTS = ["/api", "/api/dataset", "/api/summary", "/api/bundle", "/api/network",
                  "/api/entities", "/api/entities/openai", "/api/loops", "/api/flows",
                  "/api/measures", "/api/sources", "/api/history", "/api/scenarios",
                  "/api/scenarios/coreweave-default"]
PAGES = ["/", "/firms/openai", "/loops", "/scenarios", "/scenarios/coreweave-default",
         "/docs"]


@pytest.mark.parametrize("url", JSON_ENDPOINTS)
def test_json_endpoints(client: Any, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()


@pytest.mark.parametrize("url", PAGES)
def test_pages_name_their_json_twin(client: Any, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    twin = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)"', r.text)
    assert twin, url
    assert client.get(twin.group(1).replace("&amp;", "&")).status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    assert r.headers["x-content-type-options"] == "nosniff"
    # nothing is loaded from another host
    assert not re.search(r'(src|href)="(https?:)?//', r.text)


def test_openapi_and_offline_docs(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/network", "/api/entities/{entity_id}", "/api/loops",
                 "/api/scenarios/{name}/run"):
        assert path in spec["paths"], path
    docs = client.get("/docs").text
    assert "/static/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-init.js",
                 "cytoscape.min.js", "plotly-dealloop.min.js", "dealloop.js", "dashboard.js"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and len(r.content) > 100, name
    assert "MIT" in client.get("/licences/cytoscape.LICENSE.txt").text


def test_network_filters(client: Any, net: Any) -> None:
    everything = client.get("/api/network").json()
    assert len(everything["entities"]) == len(net.entities)
    named = {s for x in everything["legs"] for s in x["sources"]} | {
        s for e in everything["entities"] for f in e["headline"].values() for s in f["sources"]}
    assert named <= set(everything["sources"])
    assert len(everything["legs"]) == len(net.deals)
    firm = client.get("/api/network", params={"status": ["committed", "reported"]}).json()
    assert {x["status"] for x in firm["legs"]} == {"committed", "reported"}
    assert len(firm["loops"]["loops"]) <= len(everything["loops"]["loops"])
    labs = client.get("/api/network", params={"firm_kind": ["ai_lab", "chip_vendor"]}).json()
    kinds = {e["kind"] for e in labs["entities"]}
    assert kinds == {"ai_lab", "chip_vendor"}
    ids = {e["id"] for e in labs["entities"]}
    assert all(x["payer"] in ids and x["payee"] in ids for x in labs["legs"])
    dated = client.get("/api/network", params={"since": "2026", "until": "2026-12"}).json()
    assert dated["legs"] and all(x["announced"] and x["announced"][:4] == "2026"
                                 for x in dated["legs"])
    ev = client.get("/api/network", params={"evidence": "A", "kind": "equity_investment"}).json()
    assert {(x["evidence"], x["kind"]) for x in ev["legs"]} == {("A", "equity_investment")}


def test_entity_and_loops(client: Any) -> None:
    firm = client.get("/api/entities/openai").json()
    assert firm["entity"]["id"] == "openai"
    assert firm["legs"] and all("openai" in (x["payer"], x["payee"]) for x in firm["legs"])
    assert firm["loops"]["loops"] and all("openai" in lp["firms"]
                                          for lp in firm["loops"]["loops"])
    assert set(firm["sources"]) >= {s for x in firm["legs"] for s in x["sources"]}
    loops = client.get("/api/loops", params={"firm": "nvidia", "limit": 3}).json()
    assert len(loops["loops"]["loops"]) == 3
    assert all("nvidia" in lp["firms"] for lp in loops["loops"]["loops"])
    big = client.get("/api/loops", params={"min_amount": 30}).json()["loops"]["loops"]
    assert big and all(lp["amount"] >= 30 for lp in big)


@pytest.mark.parametrize(("url", "where"), [
    ("/api/network?status=bogus", "query.status.0"),
    ("/api/network?evidence=D", "query.evidence.0"),
    ("/api/network?kind=gift", "query.kind.0"),
    ("/api/network?since=2025-13-45x", "query.since"),
    ("/api/network?since=yesterday", "query.since"),
    ("/api/loops?limit=0", "query.limit"),
    ("/api/loops?limit=100000", "query.limit"),
    ("/api/loops?min_amount=-1", "query.min_amount"),
    ("/api/loops?firm=<script>", "query.firm"),
    ("/api/entities/<img src=x>", "path.entity_id"),
])
def test_bad_queries_are_422_with_a_message(client: Any, url: str, where: str) -> None:
    r = client.get(url)
    assert r.status_code == 422, (url, r.text)
    body = r.json()
    assert body["message"].startswith(where), body


def test_until_before_since(client: Any) -> None:
    r = client.get("/api/network", params={"since": "2026", "until": "2025"})
    assert r.status_code == 422 and "until" in r.json()["message"]


def test_unknown_ids_are_404_with_a_hint(client: Any) -> None:
    r = client.get("/api/entities/opnai")
    assert r.status_code == 404 and "openai" in r.json()["message"]
    assert client.get("/api/scenarios/corewave-default").status_code == 404
    assert client.get("/firms/nobody").status_code == 404
    assert client.get("/api/loops", params={"firm": "nobody"}).status_code == 404


def test_static_files_are_a_whitelist(client: Any) -> None:
    for url in ("/api/entities/..%2F..%2Fetc%2Fpasswd", "/static/app.py", "/static/..%2Fapp.py",
                "/static/%2e%2e/app.py", "/static/../../pyproject.toml",
                "/licences/..%2F..%2Fapp.py"):
        assert client.get(url).status_code == 404, url


def test_scenario_run(client: Any) -> None:
    spec = client.get("/api/scenarios/coreweave-default").json()
    keys = {p["key"] for p in spec["parameters"]}
    assert "shocks.0.recovery" in keys
    r = client.post("/api/scenarios/coreweave-default/run",
                    json={"parameters": {"shocks.0.recovery": 0.1}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["parameters"] == {"shocks.0.recovery": 0.1}
    assert body["result"]["system"]["defaults"] >= 1
    assert body["elapsed_s"] >= 0  # reported; speed is measured in benchmarks, not here
    base = client.post("/api/scenarios/coreweave-default/run", json={}).json()
    assert body["result"]["system"]["payment_shortfall"] >= \
        base["result"]["system"]["payment_shortfall"]
    loi = client.post("/api/scenarios/nvidia-loi-never-converts/run",
                      json={"parameters": {"shocks.0.happens": True}})
    assert loi.status_code == 200, loi.text


@pytest.mark.parametrize(("body", "fragment"), [
    ({"parameters": {"shocks.0.recovery": 5}}, "outside [0, 1]"),
    ({"parameters": {"shocks.0.recovery": "a lot"}}, "parameters.shocks.0.recovery"),
    ({"parameters": {"../../etc/passwd": 1}}, "unknown parameter"),
    ({"parameters": {"shocks.0.recovery": True}}, "expected a number"),
    ({"parameters": {}, "draws": 10}, "extra"),
    ({"band": "maybe"}, "band"),
    ([1, 2], "body"),
])
def test_bad_run_bodies_are_422(client: Any, body: Any, fragment: str) -> None:
    r = client.post("/api/scenarios/coreweave-default/run", json=body)
    assert r.status_code == 422, r.text
    assert fragment.lower() in r.json()["message"].lower()


def test_run_body_must_be_json(client: Any) -> None:
    r = client.post("/api/scenarios/coreweave-default/run", content=b"{}",
                    headers={"content-type": "text/plain"})
    assert r.status_code == 422


def test_monte_carlo_run(client: Any) -> None:
    r = client.post("/api/scenarios/coreweave-default/simulate",
                    json={"draws": 200, "seed": 1, "parameters": {"shocks.0.recovery": 0.2}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["draws"] == 200 and body["result"]["draws"] == 200
    firms = {f["firm"]: f for f in body["result"]["firms"]}
    assert firms["coreweave"]["pd"] == 1.0
    again = client.post("/api/scenarios/coreweave-default/simulate",
                        json={"draws": 200, "seed": 1, "parameters": {"shocks.0.recovery": 0.2}})
    assert again.json()["result"]["system"] == body["result"]["system"]  # seeded


def test_large_bodies_and_draws_are_refused(client: Any) -> None:
    big = {"parameters": {f"k{i}": 0.1 for i in range(20000)}}
    r = client.post("/api/scenarios/coreweave-default/run", json=big)
    assert r.status_code == 413
    many = {"parameters": {f"k{i}": 0.1 for i in range(100)}}
    r = client.post("/api/scenarios/coreweave-default/run", json=many)
    assert r.status_code == 422 and "parameters" in r.json()["message"]
    r = client.post("/api/scenarios/coreweave-default/simulate", json={"draws": 10**6})
    assert r.status_code == 422 and "draws" in r.json()["message"]
    r = client.post("/api/scenarios/coreweave-default/simulate", json={"seed": -1})
    assert r.status_code == 422


def test_foreign_host_header_is_refused(client: Any) -> None:
    r = client.get("/api/dataset", headers={"host": "attacker.example"})
    assert r.status_code == 400
    assert client.get("/api/dataset", headers={"host": "attacker.example:80"}).status_code == 400
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000", "LOCALHOST"):
        assert client.get("/api/dataset", headers={"host": host}).status_code == 200, host


def test_xss_fixture_is_escaped_in_pages(xss_client: Any) -> None:
    for url in ("/", "/firms/imgco", "/firms/labco", "/firms/neo", "/loops", "/scenarios"):
        html = xss_client.get(url).text
        for marker in XSS_MARKERS:
            assert marker not in html, (url, marker)
    page = xss_client.get("/firms/imgco").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    firm = xss_client.get("/api/entities/imgco").json()
    assert firm["entity"]["name"] == "<img src=x onerror=alert(1)>"  # data stay data
    assert firm["sources"]["s2"]["href"] is None  # javascript: is never a link
    assert firm["sources"]["s1"]["href"].startswith("https://")
