"""The dashboard's "add a leg" route: loopback only, user copies only, validated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import dealloop as dl
from dealloop.userdata import user_copy
from dealloop.web import create_app

LEG = {"payer": "nvidia", "payee": "openai", "kind": "equity_investment", "amount_usd_bn": 5,
       "status": "committed", "evidence": "B", "announced": "2026-03",
       "url": "https://example.com/nv-oai", "title": "NVIDIA adds five"}


def _client(net: Any, **kw: Any) -> TestClient:
    return TestClient(create_app(net, **kw), base_url="http://127.0.0.1",
                      client=("127.0.0.1", 50000))


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    return user_copy(tmp_path / "mine")


def test_add_a_leg_and_the_dashboard_reloads(copy: Path) -> None:
    c = _client(dl.load(copy))
    assert c.get("/api/legs").json()["writable"] is True
    r = c.post("/api/legs", json=LEG)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["leg"] == "U01" and body["version"].endswith("+user.1")
    assert body["dataset"]["release_status"] == "modified"
    assert "U01" in {leg["id"] for leg in c.get("/api/legs").json()["legs"]}
    assert "U01" in set(dl.load(copy).deals["id"])
    page = c.get("/add-leg").text
    assert 'id="leg-form"' in page and "modified copy" in page


def test_bad_leg_is_refused_with_located_problems(copy: Path) -> None:
    c = _client(dl.load(copy))
    before = (copy / "deals.csv").read_bytes()
    r = c.post("/api/legs", json={**LEG, "payer": "nvdia"})
    assert r.status_code == 422 and "deals.csv" in r.json()["message"]
    assert "unknown entity 'nvdia'" in r.json()["message"]
    r = c.post("/api/legs", json={**LEG, "amount_usd_bn": -1})
    assert r.status_code == 422
    assert (copy / "deals.csv").read_bytes() == before


def test_bundled_data_and_remote_callers_are_refused(copy: Path) -> None:
    bundled = _client(dl.load())
    assert bundled.post("/api/legs", json=LEG).status_code == 409
    assert 'id="leg-readonly"' in bundled.get("/add-leg").text
    remote = TestClient(create_app(dl.load(copy)), base_url="http://127.0.0.1",
                        client=("10.0.0.7", 50000))
    assert remote.post("/api/legs", json=LEG).status_code == 403
    shared = _client(dl.load(copy), allowed_hosts=None)
    assert shared.post("/api/legs", json=LEG).status_code == 403
    c = _client(dl.load(copy))
    r = c.post("/api/legs", json=LEG, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert "U01" not in set(dl.load(copy).deals["id"])
