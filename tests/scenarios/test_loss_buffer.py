"""Book equity as the loss buffer, and where each starting number comes from.

The toy of ``test_contract_pv``: the buyer (no book equity figure) owes the seller 10 a year
for 2029-2031 and fails; the seller (margin 0.3, no stranded costs, 5% discount rate) loses
0.3 x 10 a year of net worth, 8.578 at the horizon's start, and survives."""

from __future__ import annotations

import pytest

from dealloop import mapping, scenarios

ANNUITY = 1 + 1.05 ** -1 + 1.05 ** -2
LOST = 0.3 * 10 * ANNUITY


def _firms(net, buffer: str = "book"):
    text = ("name: t\nquestion: q\nhorizon: [2029, 2033]\n"
            "shocks: [{type: fail, entity: buyer}]\n"
            "mapping: {discount_rate: 0.05, operating_margin: {seller: 0.3}, "
            f"stranded_share: {{default: 0}}, loss_buffer: {buffer}}}\n")
    return scenarios.run(scenarios.loads(text), net, band=False)


def test_a_survivor_loses_its_net_worth_change_from_its_book_equity(buyer_seller) -> None:
    """Book equity 20: the seller keeps 20 - 8.578; the buyer, without a figure, keeps the
    model's construct (0: it had only the plan's money) and is flagged."""
    res = _firms(buyer_seller(seller_book="20"))
    s = res.firms.loc["seller"]
    assert s["equity_basis"] == "book" and s["equity_before"] == 20.0
    assert s["equity_after"] == pytest.approx(20 - LOST, rel=1e-9)
    assert res.firms.at["buyer", "equity_basis"] == "model"
    assert res.system["equity_loss"] == pytest.approx(LOST, rel=1e-9)


def test_the_loss_is_capped_at_the_book_equity(buyer_seller) -> None:
    """Book equity 5 < 8.578: the seller loses all 5 (it survives on its cash)."""
    res = _firms(buyer_seller(seller_book="5"))
    s = res.firms.loc["seller"]
    assert not s["defaulted"]
    assert (s["equity_before"], s["equity_after"]) == (5.0, 0.0)
    assert res.system["equity_loss"] == pytest.approx(5.0, rel=1e-12)


def test_model_buffer_is_the_engine_construct(buyer_seller) -> None:
    """``loss_buffer: model``: the seller starts from its net worth over the horizon (cash
    100 plus the contract's 30 discounted) and loses the full 8.578."""
    res = _firms(buyer_seller(seller_book="5"), "model")
    s = res.firms.loc["seller"]
    assert s["equity_basis"] == "model"
    assert s["equity_before"] == pytest.approx(100 + 10 * ANNUITY, rel=1e-9)
    assert s["equity_loss"] == pytest.approx(LOST, rel=1e-9)


def test_starting_lines_cite_figure_and_grade_or_say_assumed(net) -> None:
    """Microsoft's book equity is F201 (its 10-K, grade A); OpenAI has none: assumed."""
    bs = mapping.build(net, scenarios.loads("name: x\nquestion: q"))
    ms = bs.explain("microsoft").set_index("item")
    assert ms.at["starting equity", "figures"] == "F201"
    assert ms.at["starting equity", "amount"] == pytest.approx(343.479)
    assert "grade A" in ms.at["starting equity", "note"]
    oa = bs.explain("openai").set_index("item")
    assert oa.at["starting equity", "note"].startswith("assumed")
    for item in ("starting cash", "starting debt", "starting market value"):
        note = oa.at[item, "note"]
        assert note.startswith(("sourced: F", "assumed")), (item, note)
    assert bs.frame.at["openai", "starting"].startswith("equity: assumed")


def test_every_book_equity_in_the_data_is_used(net) -> None:
    """Each firm with a reported book equity starts from it; no other firm does."""
    ents = net.entities.set_index("id")["book_equity_usd_bn"].dropna()
    fr = mapping.build(net, scenarios.loads("name: x\nquestion: q")).frame
    book = fr[fr["equity_basis"] == "book"]
    assert set(book.index) == set(ents.index) & set(fr.index)
    for f in book.index:
        assert book.at[f, "book_equity"] == ents[f]


def test_shipped_runs_report_the_basis(stress) -> None:
    f = stress("oracle-cannot-refinance").firms
    assert f.at["oracle", "equity_basis"] == "book"
    assert f.at["oracle", "equity_before"] == pytest.approx(24.666)
    assert "F196" in f.at["oracle", "starting"]
