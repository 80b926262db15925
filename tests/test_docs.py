"""Docs that are generated from code stay in step with it."""

from __future__ import annotations

from pathlib import Path

from dealloop.data.schema import data_dictionary

ROOT = Path(__file__).parents[1]


def test_data_model_doc_is_current() -> None:
    doc = (ROOT / "docs" / "data-model.md").read_text()
    assert doc.strip() == data_dictionary().strip(), "run: python -m dealloop.data.schema"
