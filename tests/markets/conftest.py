"""A toy dataset (``data/toy``) whose indicators can be worked out by hand.

Alpha (revenue 100, cash 20) and Gamma buy compute from Beta (revenue 10, cash 5): 12 and 6,
both falling wholly in the year after 2026-01-31; Alpha also bought 4 in the year before
(D5), and Beta reports 80% of its revenue from Alpha (F1). Beta owes a bank 8 due 2026-06.
Beta's CDS goes 100, 200, 400 bp at three month ends, its share price 50, 80, 30. Alpha has one bond
spread quote (90 bp); D4 (Gamma buys from Alpha) is announced after 2026-01-31.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TOY = Path(__file__).parent / "data" / "toy"


@pytest.fixture
def toy_dir() -> Path:
    return TOY


@pytest.fixture
def toy():
    import dealloop as dl

    return dl.load(TOY)
