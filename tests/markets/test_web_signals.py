"""The dashboard's /signals page and its JSON twin /api/signals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def client(toy_dir: Path) -> Any:
    from fastapi.testclient import TestClient

    import dealloop as dl
    from dealloop.web import create_app

    return TestClient(create_app(dl.load(toy_dir)), base_url="http://127.0.0.1")


def test_api_signals_as_of_a_date(client: Any) -> None:
    r = client.get("/api/signals", params={"as_of": "2026-01-31"})
    assert r.status_code == 200
    d = r.json()
    assert d["as_of"] == "2026-01-31"
    beta = next(f for f in d["firms"] if f["firm"] == "b")
    assert beta["indicators"]["spread_widening_3m"] == {
        **beta["indicators"]["spread_widening_3m"], "value": 200.0, "label": "ALERT"}
    assert {r["firm"] for r in d["history"]} == {"a", "b"}   # the quoted firms
    one = client.get("/api/signals", params={"as_of": "2026-01", "firm": "b"}).json()
    assert [f["firm"] for f in one["firms"]] == ["b"] and one["as_of"] == "2026-01-31"


def test_api_signals_sector_capital_is_no_data_with_a_reason(client: Any) -> None:
    """The toy dataset has no sector capital figures: every line says NO DATA and why,
    with no capital (never 0)."""
    caps = client.get("/api/signals", params={"as_of": "2026-01-31"}).json()["sector_capital"]
    assert list(caps) == ["banks", "insurers", "private_credit"]
    for c in caps.values():
        assert c["capital"] is None and "history.csv metric" in c["no_data"]


def test_api_signals_refuses_bad_queries(client: Any) -> None:
    assert client.get("/api/signals", params={"as_of": "2026-02-30"}).status_code == 422
    assert client.get("/api/signals", params={"as_of": "soon"}).status_code == 422
    r = client.get("/api/signals", params={"firm": "zeta"})
    assert r.status_code == 404


def test_signals_page_names_its_json_twin(client: Any) -> None:
    r = client.get("/signals")
    assert r.status_code == 200
    html = r.text
    assert 'data-api="/api/signals"' in html and 'href="/signals" aria-current="page"' in html
    assert '<script src="/static/signals.js"></script>' in html
    assert client.get("/static/signals.js").status_code == 200
    assert "/api/signals" in client.get("/api").json()["endpoints"]
