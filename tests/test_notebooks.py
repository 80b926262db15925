"""The tutorial notebooks (notebooks/*.ipynb) are committed without outputs and run once, when
the docs are built: mkdocs-jupyter executes them (``execute: true``, ``allow_errors: false``,
so a cell that raises fails ``mkdocs build --strict`` in scripts/test.sh) and the docs hook
(``docs/hooks/docrun.py``) fails the build when a page does not show its results the way a
reader expects (tables as DataFrames, charts inline). Executing them here as well ran every
notebook twice in CI."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docrun_under_test",
                                                  ROOT / "docs" / "hooks" / "docrun.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    had = "docrun" in sys.modules
    sys.modules[spec.name] = module  # the hook registers itself under its own name
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
        if not had:
            sys.modules.pop("docrun", None)
    return module


def test_there_are_two_tutorials() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01-library-tour.ipynb",
                                           "02-your-own-spreadsheet.ipynb"]


def test_notebooks_are_committed_without_outputs() -> None:
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code, path.name
        assert all(not c.get("outputs") for c in code), (
            f"{path.name}: commit notebooks without outputs (they are produced when run)")


def test_the_docs_build_executes_every_notebook_and_fails_on_an_error() -> None:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda *_: None)  # mkdocs.yml's !!python tags, if any
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    plugins = {k: v for p in config["plugins"] for k, v in
               (p.items() if isinstance(p, dict) else [(p, {})])}
    jupyter = plugins["mkdocs-jupyter"]
    assert jupyter["execute"] is True and jupyter["allow_errors"] is False
    assert jupyter["include"] == ["notebooks/*.ipynb"]
    assert "docs/hooks/docrun.py" in config["hooks"] and config["strict"] is True
    nav = json.dumps(config["nav"])
    for path in NOTEBOOKS:
        assert f"notebooks/{path.name}" in nav, f"{path.name} is not in the docs"


def test_a_tutorial_page_without_tables_or_charts_fails_the_build() -> None:
    hook = _hook()
    table = '<table border="1" class="dataframe"><tr><td>1</td></tr></table>'
    chart = '<img alt="" src="data:image/png;base64,iVBORw0KGgo=">'
    assert hook.notebook_problems(table * 3 + chart) == []
    assert hook.notebook_problems(table * 2 + chart) == [
        "2 DataFrame tables (at least 3: tables should render as DataFrames)"]
    assert hook.notebook_problems("<pre>   a  b\n0  1  2</pre>" + table * 3) == [
        "no chart inline (image/png)"]

    from mkdocs.exceptions import PluginError

    class File:
        src_uri = "notebooks/01-library-tour.ipynb"

    class Page:
        file = File()

    try:
        hook.on_post_page("<p>no outputs</p>", page=Page())
    except PluginError as exc:
        assert "01-library-tour.ipynb" in str(exc)
    else:
        raise AssertionError("a tutorial page with no outputs passed")
    File.src_uri = "methods/index.md"
    assert hook.on_post_page("<p>prose</p>", page=Page()) == "<p>prose</p>"
