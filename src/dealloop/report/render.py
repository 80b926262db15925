"""Render the results bundle as one self-contained HTML file.

The page needs no server and no network: the vendored Cytoscape.js and Plotly.js builds, the
page's own script and style, and the data are all inlined. Safety rules:

* the Jinja2 template autoescapes everything it prints;
* the data go in a ``<script type="application/json">`` block with ``<``, ``>``, ``&`` and the
  JavaScript line separators written as ``\\uXXXX`` escapes, so no value can close the tag;
* the page's script builds every element with ``textContent`` (never ``innerHTML`` for data)
  and makes ``<a href>`` links only of ``http``/``https`` URLs;
* a Content-Security-Policy allows only the page's own inline scripts (by hash), no network
  connection, no plug-ins and no form submission.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..vocabulary import DEFAULT_HORIZON

__all__ = ["APP_SCRIPT_PARTS", "APP_STYLE_PARTS", "MACRO_SCRIPT", "PUBLISH_SCRIPT",
           "REPORT_SCRIPT", "SIGNALS_SCRIPT", "TIME_SCRIPT", "VENDORED_SCRIPTS", "app_script",
           "app_style", "asset_text", "csp_hash", "embed_json", "inline_script", "render_report",
           "write_report"]

if TYPE_CHECKING:
    from ..network import DealNetwork

#: Vendored libraries inlined into the report, in load order: (file, licence file, label).
VENDORED_SCRIPTS = (
    ("cytoscape.min.js", "cytoscape.LICENSE.txt", "Cytoscape.js"),
    ("plotly-dealloop.min.js", "plotly-dealloop.LICENSE.txt", "Plotly.js (bar + sankey build)"),
)
#: The page's own script and style, shared with the dashboard: one file per view under
#: ``report/assets/js`` and ``report/assets/css``, joined in this order by :func:`app_script`
#: (``dealloop.js``, one function scope) and :func:`app_style` (``dealloop.css``).
APP_SCRIPT_PARTS = ("core.js", "graph.js", "panels.js", "tables.js", "headline.js",
                    "charts.js", "stress.js", "simulation.js", "exports.js")
APP_STYLE_PARTS = ("base.css", "graph.css", "tables.css", "pages.css", "signals.css")
REPORT_SCRIPT = "report.js"
#: Early-warning signals, shared with the dashboard's /signals page.
SIGNALS_SCRIPT = "signals.js"
#: The macro panel, shared with the dashboard's /macro page.
MACRO_SCRIPT = "macro.js"
#: Downloads (tables as CSV/XLSX, charts and the graph as PNG/SVG) and the views over time.
PUBLISH_SCRIPT = "publish.js"
TIME_SCRIPT = "timeseries.js"

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_RE = re.compile("[<>&\u2028\u2029]")
_SCRIPT_CLOSE = re.compile(r"</(script)", re.IGNORECASE)
_STYLE_CLOSE = re.compile(r"</(style)", re.IGNORECASE)


def embed_json(obj: Any) -> str:
    """``obj`` as JSON that is safe inside ``<script type="application/json">``.

    Examples
    --------
    >>> embed_json({"name": "</script><img src=x>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x\\\\u003e"}'
    """
    text = json.dumps(obj, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    return _JSON_RE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)


def inline_script(code: str) -> str:
    """JavaScript made safe to inline in a ``<script>`` element.

    ``</script`` and ``<!--`` cannot appear in a classic script element's text; in JavaScript
    they only occur inside strings, regular expressions or comments, where ``<\\/script`` and
    ``<\\!--`` mean the same.

    Examples
    --------
    >>> print(inline_script("var a = '</script>';"))   # cannot close the page's script element
    var a = '<\\/script>';
    """
    return _SCRIPT_CLOSE.sub(r"<\\/\1", code).replace("<!--", "<\\!--")


def csp_hash(code: str) -> str:
    """The CSP source expression (``'sha256-...'``) allowing an inline script.

    Examples
    --------
    >>> csp_hash("x").startswith("'sha256-"), csp_hash("x") == csp_hash("x")
    (True, True)
    """
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def asset_text(package: str, name: str) -> str:
    """Text of a file shipped in ``dealloop/report/<package>`` (``vendor``, ``templates``,
    ``assets/js`` or ``assets/css``).

    Examples
    --------
    >>> "cytoscape" in asset_text("vendor", "VERSIONS.json")
    True
    """
    return _asset_text(package, name)


@cache
def _asset_text(package: str, name: str) -> str:
    path = resources.files("dealloop.report").joinpath(*package.split("/"), name)
    return path.read_text(encoding="utf-8")


def app_script() -> str:
    """``dealloop.js``: the view files of ``report/assets/js`` joined inside one function
    scope, so the views share their helpers and only ``window.Dealloop`` is global.

    Examples
    --------
    >>> js = app_script()
    >>> js.startswith("(function () {") and js.rstrip().endswith("})();")
    True
    >>> js.count("window.Dealloop = {")
    1
    """
    body = "".join(asset_text("assets/js", part) for part in APP_SCRIPT_PARTS)
    return "(function () {\n  'use strict';\n\n" + body + "})();\n"


def app_style() -> str:
    """``dealloop.css``: the view files of ``report/assets/css`` joined in order.

    Examples
    --------
    >>> app_style().startswith(asset_text("assets/css", "base.css"))
    True
    """
    return "".join(asset_text("assets/css", part) for part in APP_STYLE_PARTS)


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("dealloop.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(bundle: dict[str, Any]) -> str:
    """The report page for a bundle from :func:`dealloop.report.results_bundle`.

    Returns
    -------
    str
        A complete HTML document; everything it needs is inline.

    See Also
    --------
    dealloop.report.write_report : bundle, render and write the file atomically in one call.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.report import results_bundle
    >>> page = render_report(results_bundle(dl.load(), layout=False))
    >>> page.startswith("<!DOCTYPE html>"), "how circular is it?" in page
    (True, True)
    >>> "<script src=" in page              # no external script: it works offline
    False
    """
    from markupsafe import Markup

    scripts = [inline_script(asset_text("vendor", f)) for f, _, _ in VENDORED_SCRIPTS]
    scripts.append(inline_script(app_script()))
    scripts.append(inline_script(asset_text("templates", SIGNALS_SCRIPT)))
    scripts.append(inline_script(asset_text("templates", MACRO_SCRIPT)))
    scripts.append(inline_script(asset_text("templates", PUBLISH_SCRIPT)))
    scripts.append(inline_script(asset_text("templates", TIME_SCRIPT)))
    scripts.append(inline_script(asset_text("templates", REPORT_SCRIPT)))
    csp = "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(csp_hash(s) for s in scripts),
        "style-src 'unsafe-inline'",
        "img-src data: blob:",
        "font-src data:",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
    ])
    licences = [
        {"label": label, "file": f, "text": asset_text("vendor", lic)}
        for f, lic, label in VENDORED_SCRIPTS
    ]
    versions = {k: v for k, v in json.loads(asset_text("vendor", "VERSIONS.json")).items()
                if k in ("cytoscape", "plotly.js")}
    template = _environment().get_template("report.html.j2")
    return template.render(
        b=bundle,
        dataset=bundle["dataset"],
        csp=csp,
        style=Markup(_STYLE_CLOSE.sub(r"<\\/\1", app_style())),
        data_json=Markup(embed_json(bundle)),
        scripts=[Markup(s) for s in scripts],
        licences=licences,
        versions=versions,
    )


def write_report(
    net: DealNetwork,
    path: str | Path,
    scenarios: Iterable[Any] = (),
    *,
    horizon: Sequence[Any] | None = DEFAULT_HORIZON,
    band: bool = True,
    systemic: bool = False,
) -> Path:
    """Build the bundle for ``net`` and ``scenarios`` and write the report to ``path``.

    ``systemic`` adds the "who is systemic" ranking (each firm failed in turn; a few seconds
    more; ``dealloop report`` always adds it).

    The file is written atomically: on any error the previous file (if any) is left intact.

    Examples
    --------
    >>> import tempfile, pathlib, dealloop as dl
    >>> out = write_report(dl.load(), pathlib.Path(tempfile.mkdtemp()) / "r.html")
    >>> out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    from ..data.write import atomic_write_text
    from .bundle import results_bundle

    bundle = results_bundle(net, scenarios, horizon=horizon, band=band, systemic=systemic)
    return atomic_write_text(path, render_report(bundle))
