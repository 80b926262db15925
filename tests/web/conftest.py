"""Fixtures for the dashboard API and the report: networks and test clients."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
MINI = HERE.parent / "data" / "mini"
XSS = HERE.parent / "browser" / "data" / "xss"
#: Strings planted in the XSS fixture that must never appear unescaped in a page.
XSS_MARKERS = ("<img src=x onerror=alert(1)>", "<svg onload=alert(2)>",
               "</script><script>alert(3)</script>", "<style>body{display:none}</style>")


@pytest.fixture(scope="session")
def net() -> Any:
    import dealloop as dl

    return dl.load()


@pytest.fixture(scope="session")
def mini() -> Any:
    import dealloop as dl

    return dl.load(MINI)


@pytest.fixture(scope="session")
def xss_net() -> Any:
    """The XSS fixture, plus a ``javascript:`` URL that bypassed validation (defence in
    depth: a network built in code is not validated)."""
    import dealloop as dl

    n = dl.load(XSS)
    n.sources.loc[n.sources["id"] == "s2", "url"] = "javascript:alert('href')"
    return n


def _client(network: Any) -> Any:
    from fastapi.testclient import TestClient

    from dealloop.web import create_app

    return TestClient(create_app(network), base_url="http://127.0.0.1")


@pytest.fixture(scope="session")
def client(net: Any) -> Any:
    with _client(net) as c:
        yield c


@pytest.fixture(scope="session")
def xss_client(xss_net: Any) -> Any:
    with _client(xss_net) as c:
        yield c
