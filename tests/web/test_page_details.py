"""Dashboard details a reader meets: a page for a wrong address, the scenario's own seed,
loop counts that follow the filters."""

from __future__ import annotations

import re
from typing import Any

import pytest

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize("url", ["/firms", "/firms/nobody", "/no-such-page"])
def test_a_browser_gets_a_page_for_a_wrong_address(client: Any, url: str) -> None:
    r = client.get(url, headers=BROWSER)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Page not found" in r.text and '<a href="/">network</a>' in r.text
    assert '{"detail"' not in r.text


def test_the_api_still_answers_json_404(client: Any) -> None:
    for url in ("/api/entities/nobody", "/api/nothing-here"):
        r = client.get(url, headers=BROWSER)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/json")
        assert "detail" in r.json()


def test_scenario_page_and_api_use_the_scenario_files_seed(client: Any) -> None:
    from dealloop.scenarios import library, load

    seed = load(library.path("coreweave-default")).monte_carlo.seed
    page = client.get("/scenarios/coreweave-default").text
    assert re.search(rf'name="seed" value="{seed}"', page)
    r = client.post("/api/scenarios/coreweave-default/simulate", json={"draws": 20})
    assert r.status_code == 200, r.text
    assert r.json()["seed"] == seed


def test_loop_count_follows_the_filters(client: Any) -> None:
    full = client.get("/api/network").json()["loops"]
    some = client.get("/api/network?kind=equity_investment&kind=compute_contract").json()["loops"]
    assert full["n_loops"] == len(full["loops"])
    assert some["n_loops"] == len(some["loops"]) < full["n_loops"]
    assert some["n_loops_unfiltered"] == full["n_loops"]
