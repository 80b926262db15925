"""The report's own script and style: one file per view (report/assets), joined at build so
the report stays one self-contained HTML file and the dashboard serves the same text."""

from __future__ import annotations

from importlib import resources
from typing import Any

from dealloop.report.render import (
    APP_SCRIPT_PARTS,
    APP_STYLE_PARTS,
    app_script,
    app_style,
    asset_text,
    inline_script,
    render_report,
)


def _files(kind: str) -> set[str]:
    folder = resources.files("dealloop.report").joinpath("assets", kind)
    return {p.name for p in folder.iterdir() if p.name.endswith(f".{kind}")}


def test_every_view_file_is_joined_once_in_order() -> None:
    assert set(APP_SCRIPT_PARTS) == _files("js") and len(set(APP_SCRIPT_PARTS)) == len(
        APP_SCRIPT_PARTS)
    assert set(APP_STYLE_PARTS) == _files("css")
    js = app_script()
    where = [js.index(asset_text("assets/js", p)) for p in APP_SCRIPT_PARTS]
    assert where == sorted(where)
    assert js.count("window.Dealloop = {") == 1 and js.rstrip().endswith("})();")
    assert app_style() == "".join(asset_text("assets/css", p) for p in APP_STYLE_PARTS)


def test_report_inlines_the_joined_script_and_style(net: Any) -> None:
    from dealloop.report.bundle import results_bundle

    page = render_report(results_bundle(net, (), layout=False, systemic=False, signals=False))
    assert inline_script(app_script()) in page
    assert app_style().strip().splitlines()[-1] in page


def test_dashboard_serves_the_same_text(client: Any) -> None:
    assert client.get("/static/dealloop.js").text == app_script()
    assert client.get("/static/dealloop.css").text == app_style()
