"""Every shipped scenario moves each firm's market value the way its exposures say: a firm
the scenario only hurts (it is paid no more than before, its stakes and outside income do not
rise, its net worth over the horizon does not rise) loses market value or keeps it, never
gains; a firm it only helps (and that raises no extra new money, which dilutes) never
loses; a defaulter ends at 0; and the book-equity line moves with the same sign as net
worth."""

from __future__ import annotations

import pytest

from dealloop import scenarios
from dealloop.scenarios.library import names

EPS = 1e-6


def _names() -> list[str]:
    """The shipped scenarios with a shock."""
    return [n for n in names() if n != "baseline"]


@pytest.fixture(scope="module")
def runs(net):
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = scenarios.run(name, net, band=False)
        return cache[name]

    return get


def _moves(f):
    dmv = f["market_value_after"] - f["market_value_before"]
    dnw = f["net_worth_after"] - f["net_worth_before"]
    dst = f["stakes_after"] - f["stakes_before"]
    dout = f["outside_assets_after"] - f["outside_assets_before"]
    return dmv, dnw, dst, dout


@pytest.mark.parametrize("name", _names())
def test_market_value_moves_with_the_exposures(runs, name: str) -> None:
    f = runs(name).firms
    dmv, dnw, dst, dout = _moves(f)
    new = f["defaulted"] & ~f["baseline_defaulted"]
    assert (f.loc[new, "market_value_after"] <= EPS).all(), name
    live = ~f["defaulted"]
    hurt = live & (f["not_received"] >= -EPS) & (dst <= EPS) & (dout <= EPS) & (dnw <= EPS)
    # new money raised to replace what it lost dilutes its shareholders: not a help
    diluted = f["new_money_after"] - f["new_money"] > EPS
    helped = live & (f["not_received"] <= EPS) & (dst >= -EPS) & (dout >= -EPS) \
        & (dnw >= -EPS) & ~diluted
    assert (dmv[hurt] <= EPS).all(), (name, dmv[hurt & (dmv > EPS)].to_dict())
    assert (dmv[helped] >= -EPS).all(), (name, dmv[helped & (dmv < -EPS)].to_dict())
    # the scenario hurts someone: a shock that moves nothing would test nothing
    assert (new | (hurt & (dmv < -EPS))).any(), name


@pytest.mark.parametrize("name", _names())
def test_book_equity_moves_with_net_worth(runs, name: str) -> None:
    """A survivor starting from book or sponsor equity whose net worth does not fall, and
    whose stakes do not rise (stakes at cost count no gain), loses no book equity."""
    f = runs(name).firms
    _, dnw, dst, _ = _moves(f)
    live = ~f["defaulted"] & f["equity_basis"].isin(["book", "sponsor"])
    lost = f["equity_loss"]
    assert (lost[live & (dnw >= -EPS) & (dst <= EPS)] <= EPS).all(), name
