"""Loaded by pytest before it collects anything: for ``tests/`` and for the doctests in ``src/``.

pytest's ``importlib`` import mode (``pyproject.toml``) imports a module it collects by its
dotted name. When the module's package is not imported yet, pytest imports the package (which
imports the module the ordinary way), then runs the module a second time and binds that copy
to the package, where it hides the function of the same name: ``dealloop.circularity.cycles``,
``dealloop.contagion.eisenberg_noe`` and a dozen more are both a module and the function it
defines. ``python -m pytest --doctest-modules src/dealloop/circularity/cycles.py
src/dealloop/circularity/__init__.py`` then failed with "'module' object is not callable".
Importing every package of dealloop first means pytest finds each module already imported
and leaves the packages alone (``tests/test_doctest_imports.py`` checks it).
"""

from __future__ import annotations

import importlib
import pkgutil

import dealloop

for _info in pkgutil.walk_packages(dealloop.__path__, "dealloop."):
    if _info.ispkg:
        importlib.import_module(_info.name)
