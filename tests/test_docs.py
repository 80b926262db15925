"""Docs that are generated from code stay in step with it."""

from __future__ import annotations

import re
from pathlib import Path

from dealloop.data.schema import data_dictionary

ROOT = Path(__file__).parents[1]


def test_data_model_doc_is_current() -> None:
    doc = (ROOT / "docs" / "data-model.md").read_text()
    assert doc.strip() == data_dictionary().strip(), "run: python -m dealloop.data.schema"


#: Packages whose ``__all__`` is the public API the reference documents.
PACKAGES = ("dealloop", "dealloop.circularity", "dealloop.contagion", "dealloop.data",
            "dealloop.holders", "dealloop.mapping", "dealloop.markets", "dealloop.prices",
            "dealloop.report", "dealloop.scenarios", "dealloop.macro")
#: Top-level modules the reference documents (docs/api/modules.md): what the CLI's data,
#: sources, citation, export, synth and add-leg commands call.
MODULES = ("dealloop.network", "dealloop.summary", "dealloop.sources", "dealloop.cite",
           "dealloop.export", "dealloop.synth", "dealloop.userdata", "dealloop.vocabulary",
           "dealloop.result", "dealloop.jsonutil", "dealloop.backend")


def _exported() -> list[tuple[str, object]]:
    """(dotted name, object) of every function and class in the ``__all__`` of
    :data:`PACKAGES` and of :data:`MODULES` (a module's own objects), each once."""
    import importlib
    import inspect

    out, seen = [], set()
    for name in PACKAGES + MODULES:
        mod = importlib.import_module(name)
        names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
        for attr in names:
            obj = getattr(mod, attr)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
                continue
            if name in MODULES and obj.__module__ != name:
                continue  # re-exported: checked where it is defined
            seen.add(id(obj))
            out.append((f"{name}.{attr}", obj))
    return out


def test_modules_listed_are_the_documented_ones() -> None:
    text = (ROOT / "docs" / "api" / "modules.md").read_text(encoding="utf-8")
    assert set(MODULES) == set(re.findall(r"^::: (dealloop\.\w+)$", text, re.M))


def test_every_exported_object_has_an_example() -> None:
    import inspect

    missing = [name for name, obj in _exported() if ">>>" not in (inspect.getdoc(obj) or "")]
    assert not missing, f"add an Examples section: {missing}"


def _examples(doc: str) -> str:
    """The lines of a docstring's examples (``>>>`` and ``...``)."""
    return "\n".join(line for line in doc.splitlines()
                     if line.lstrip().startswith((">>>", "...")))


def _public_members(cls: type) -> list[tuple[str, object, bool]]:
    """(name, function, is_method) of what ``cls`` itself defines in public: methods, class
    and static methods, properties and cached properties (pydantic's ``model_*`` hooks
    apart)."""
    import functools
    import inspect

    out = []
    for name, value in vars(cls).items():
        if name.startswith("_") or name.startswith("model_"):
            continue
        if isinstance(value, property):
            out.append((name, value.fget, False))
        elif isinstance(value, functools.cached_property):
            out.append((name, value.func, False))
        elif isinstance(value, (staticmethod, classmethod)):
            out.append((name, value.__func__, True))
        elif inspect.isfunction(value):
            out.append((name, value, True))
    return out


def test_every_public_member_of_an_exported_class_is_documented() -> None:
    """Each public method and property of an exported class has a docstring; each method is
    shown in use: an example of its own, a call in the class's example, or (``to_dict``,
    ``to_frame``, ``summary`` of a result) in the example of :class:`dealloop.result.Result`."""
    import inspect

    from dealloop.result import Result

    protocol = _examples(inspect.getdoc(Result) or "")
    no_doc, no_example = [], []
    for _, cls in _exported():
        if not inspect.isclass(cls):
            continue
        shown = _examples(inspect.getdoc(cls) or "")
        for member, func, is_method in _public_members(cls):
            where = f"{cls.__module__}.{cls.__qualname__}.{member}"
            doc = inspect.getdoc(func) or ""
            if not doc:
                no_doc.append(where)
            used = re.compile(rf"\.{member}\b")
            if is_method and ">>>" not in doc and not used.search(shown) and not (
                    issubclass(cls, Result) and used.search(protocol)):
                no_example.append(where)
    assert not no_doc, f"add a docstring: {no_doc}"
    assert not no_example, f"show it in an example: {no_example}"


#: Array helpers of a model or measure, documented with the function they serve.
HELPERS = {"dealloop.contagion": {"dependency_matrix", "leverage_matrix", "spectral_radius"},
           "dealloop.circularity": {"balanced_boundary", "count_cycles", "enumerate_cycles",
                                    "money_graph", "null_counts", "to_csr"}}


def test_every_model_and_measure_has_references_and_see_also() -> None:
    """numpydoc ``See Also`` and ``References`` on each function of :mod:`dealloop.contagion`
    (the models) and :mod:`dealloop.circularity` (the measures)."""
    import importlib
    import inspect

    missing = []
    for name, helpers in HELPERS.items():
        pkg = importlib.import_module(name)
        for attr in pkg.__all__:
            obj = getattr(pkg, attr)
            if not inspect.isfunction(obj) or attr in helpers:
                continue
            doc = inspect.getdoc(obj) or ""
            missing += [f"{name}.{attr}: {section}" for section in ("See Also", "References")
                        if f"\n{section}\n{'-' * len(section)}\n" not in doc]
    assert not missing, missing
    for name, helpers in HELPERS.items():  # a helper that left the package leaves the list
        assert helpers <= set(importlib.import_module(name).__all__), name


def test_every_object_a_public_module_exports_has_an_example() -> None:
    """The library's public submodules that declare ``__all__`` (the API reference documents
    every public submodule): each function and class they define and export has an example.
    The command line (``commands``, ``cli``) and the dashboard (``web``) are documented by
    ``--help`` and the cookbook instead."""
    import importlib
    import inspect
    import pkgutil

    import dealloop

    missing, checked = [], 0
    for info in pkgutil.walk_packages(dealloop.__path__, "dealloop."):
        parts = info.name.split(".")[1:]
        if any(p.startswith("_") for p in parts) or parts[0] in ("commands", "web", "cli"):
            continue
        mod = importlib.import_module(info.name)
        for attr in getattr(mod, "__all__", ()):
            obj = getattr(mod, attr)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == info.name:
                checked += 1
                if ">>>" not in (inspect.getdoc(obj) or ""):
                    missing.append(f"{info.name}.{attr}")
    assert checked > 150, checked
    assert not missing, f"add an Examples section: {missing}"


def _documented_commands() -> list[tuple[str, str]]:
    """(page, command line) of every ``run("dealloop ...")`` in the docs' executed blocks."""
    import ast

    fence = re.compile(r'^```python exec="on"[^\n]*\n(.*?)^```', re.S | re.M)
    out = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for block in fence.findall(page.read_text(encoding="utf-8")):
            for node in ast.walk(ast.parse(block)):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id == "run" and node.args
                        and isinstance(node.args[0], ast.Constant)):
                    out.append((page.relative_to(ROOT).as_posix(), node.args[0].value))
    return out


def test_documented_commands_name_real_commands_options_and_scenarios() -> None:
    """Fast feedback before the docs build runs them: every command line the docs execute
    names a command, options it has and, for ``stress``/``simulate``, a shipped scenario."""
    import shlex

    import typer.main

    from dealloop.cli import app
    from dealloop.scenarios import library

    group = typer.main.get_command(app)
    commands = _documented_commands()
    assert len(commands) >= 20, commands
    bad = []
    for page, line in commands:
        argv = shlex.split(line)
        cmd = group.commands.get(argv[1]) if argv[0] == "dealloop" and len(argv) > 1 else None
        if cmd is None:
            bad.append(f"{page}: {line}: no such command")
            continue
        options = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
        bad += [f"{page}: {line}: {a}: no such option" for a in argv[2:]
                if a.startswith("-") and a.split("=")[0] not in options]
        if argv[1] in ("stress", "simulate") and argv[2] not in library.questions():
            bad.append(f"{page}: {line}: {argv[2]}: not a shipped scenario")
    assert not bad, bad


def test_every_package_has_an_api_page() -> None:
    """The API reference has a page for each package whose ``__all__`` is public API."""
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "api").glob("*.md"))
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for name in PACKAGES:
        assert f"<!-- api: {name} -->" in pages or f"::: {name}\n" in pages, name
    for page in (ROOT / "docs" / "api").glob("*.md"):
        assert f"api/{page.name}" in nav, f"{page.name} is not in the mkdocs nav"
