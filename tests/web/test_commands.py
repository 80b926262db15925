"""``dealloop report`` and ``dealloop serve`` as a user runs them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dealloop.cli import app

from .conftest import MINI, XSS, XSS_MARKERS

runner = CliRunner()


def test_report_writes_one_self_contained_file(tmp_path: Path) -> None:
    missing = tmp_path / "sub" / "report.html"
    res = runner.invoke(app, ["report", "--data", str(MINI), "-o", str(missing)])
    assert res.exit_code == 1 and "does not exist" in res.output
    assert not (tmp_path / "sub").exists()
    out = tmp_path / "report.html"
    res = runner.invoke(app, ["report", "--data", str(MINI), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and "wrote" in res.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'id="dealloop-data"' in html


def test_report_runs_scenarios(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", "-s", "coreweave-default", "--no-band", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "1 scenario)" in " ".join(res.output.split())  # wrapped at the width
    assert '"scenario":"coreweave-default"' in out.read_text(encoding="utf-8")


def test_report_bad_scenario_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", "-s", "corewave-default", "-o", str(out)])
    assert res.exit_code == 1
    assert "coreweave-default" in res.output  # did-you-mean hint
    assert "Traceback" not in res.output and not out.exists()


def test_report_bad_data_and_output(tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", "--data", str(tmp_path / "none"), "-o",
                              str(tmp_path / "r.html")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(app, ["report", "--data", str(MINI), "-o", str(blocker / "r.html")])
    assert res.exit_code == 1 and "cannot write" in res.output
    res = runner.invoke(app, ["report", "--horizon", "2030", "2026", "-o",
                              str(tmp_path / "r.html")])
    assert res.exit_code == 2


def test_report_of_xss_fixture_is_escaped(tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    assert runner.invoke(app, ["report", "--data", str(XSS), "-o", str(out)]).exit_code == 0
    html = out.read_text(encoding="utf-8")
    for marker in XSS_MARKERS:
        assert marker not in html


def _fake_serving(monkeypatch: Any) -> dict[str, Any]:
    """Record what `serve` would bind and run, without a socket or an event loop."""
    import uvicorn

    from dealloop.commands import web

    seen: dict[str, Any] = {}

    class Sock:
        def close(self) -> None:
            seen["closed"] = True

    def fake_bind(host: str, port: int) -> Sock:
        seen["bound"] = (host, port)
        return Sock()

    def fake_run(self: Any, sockets: Any = None) -> None:
        seen.update(host=self.config.host, port=self.config.port, app=self.config.app,
                    sockets=sockets)

    monkeypatch.setattr(web, "_bind", fake_bind)
    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    return seen


@pytest.mark.parametrize(("host", "warns"), [("127.0.0.1", False), ("localhost", False),
                                             ("::1", False), ("0.0.0.0", True),
                                             ("192.168.1.5", True)])
def test_serve_binds_loopback_and_warns_otherwise(monkeypatch: Any, host: str,
                                                  warns: bool) -> None:
    seen = _fake_serving(monkeypatch)
    res = runner.invoke(app, ["serve", "--data", str(MINI), "--host", host, "--port", "8123"])
    assert res.exit_code == 0, res.output
    assert seen["bound"] == (host, 8123)
    assert seen["host"] == host and seen["port"] == 8123 and seen["closed"]
    assert ("Warning" in res.output) is warns
    assert (seen["app"].state.dealloop.allowed_hosts is None) is warns


def test_serve_defaults_to_loopback(monkeypatch: Any) -> None:
    seen = _fake_serving(monkeypatch)
    res = runner.invoke(app, ["serve", "--data", str(MINI)])
    assert res.exit_code == 0, res.output
    assert seen["bound"] == ("127.0.0.1", 8000)
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8000
    assert runner.invoke(app, ["serve", "--port", "70000"]).exit_code == 2


def test_serve_fails_fast_on_a_taken_port() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = runner.invoke(app, ["serve", "--data", str(MINI), "--port", str(port)])
    assert res.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in res.output
