"""Book equity as the loss buffer, and where each starting number comes from.

The toy of ``test_contract_pv``: the buyer (no book equity figure) owes the seller 10 a year
for 2029-2031 and fails; the seller (margin 0.3, 5% discount rate, no outside revenue, cash
100) loses 0.3 x 10 a year of net worth with no stranded costs, 8.578 at the horizon's start,
and survives. The book line is measured at the horizon's end: before the shock the seller's
book equity plus the margin the unshocked run earns (the same 0.3 x 10 a year: 8.578), after
it that less the loss."""

from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import pandas as pd
import pytest

from dealloop import mapping, scenarios
from dealloop.mapping.arrays import FUNDING, PRINCIPAL, Structure
from dealloop.scenarios.buffer import book_change

ANNUITY = 1 + 1.05 ** -1 + 1.05 ** -2
LOST = 0.3 * 10 * ANNUITY
EARNED = 0.3 * 10 * ANNUITY  # the unshocked run's margin on the same sales


def _firms(net, buffer: str = "book", stranded: float = 0.0, extra: str = ""):
    text = ("name: t\nquestion: q\nhorizon: [2029, 2033]\n"
            "shocks: [{type: fail, entity: buyer}]\n"
            "mapping: {discount_rate: 0.05, operating_margin: {seller: 0.3}, "
            f"stranded_share: {{default: {stranded}}}, loss_buffer: {buffer}{extra}}}\n")
    return scenarios.run(scenarios.loads(text), net, band=False)


def test_a_survivor_loses_its_net_worth_change_from_its_horizon_end_book(buyer_seller) -> None:
    """Book equity 20: 20 + 8.578 before, 20 after (the lost sales take the margin they
    would have added, not today's book); the buyer, without a figure, keeps the model's
    construct and is flagged."""
    res = _firms(buyer_seller(seller_book="20"))
    s = res.firms.loc["seller"]
    assert s["equity_basis"] == "book" and s["book_equity"] == 20.0
    assert s["horizon_earnings"] == pytest.approx(EARNED, rel=1e-9)
    assert s["equity_before"] == pytest.approx(20 + EARNED, rel=1e-9)
    assert s["equity_after"] == pytest.approx(20 + EARNED - LOST, rel=1e-9)
    assert s["equity_loss_share"] == pytest.approx(LOST / (20 + EARNED), rel=1e-9)
    assert res.firms.at["buyer", "equity_basis"] == "model"
    assert res.system["equity_loss"] == pytest.approx(LOST, rel=1e-9)


def test_a_lost_contract_alone_does_not_wipe_out_a_small_book(buyer_seller) -> None:
    """Book equity 5 < 8.578 lost: with no stranded costs the seller only loses the margin
    the contract would have earned, so it ends the horizon with its 5 (the old rule, 5 - 8.578
    floored at 0, showed it wiped out while it pays everyone)."""
    res = _firms(buyer_seller(seller_book="5"))
    s = res.firms.loc["seller"]
    assert not s["defaulted"]
    assert s["equity_before"] == pytest.approx(5 + EARNED, rel=1e-9)
    assert s["equity_after"] == pytest.approx(5.0, rel=1e-9)


def test_the_loss_is_capped_at_the_horizon_end_book(buyer_seller) -> None:
    """Stranded share 0.5: a lost dollar costs 0.3 + 0.7 x 0.5 = 0.65, 18.59 in all, more
    than 5 + 8.578: the seller ends with 0 (it survives on its cash)."""
    res = _firms(buyer_seller(seller_book="5"), stranded=0.5)
    s = res.firms.loc["seller"]
    assert 0.65 * 10 * ANNUITY > 5 + EARNED
    assert not s["defaulted"]
    assert s["equity_before"] == pytest.approx(5 + EARNED, rel=1e-9)
    assert s["equity_after"] == 0.0
    assert res.system["equity_loss"] == pytest.approx(5 + EARNED, rel=1e-9)


def test_earnings_retained_zero_measures_against_todays_book(buyer_seller) -> None:
    """``earnings_retained: 0``: no earnings added, 20 before and 20 - 8.578 after."""
    res = _firms(buyer_seller(seller_book="20"), extra=", earnings_retained: 0")
    s = res.firms.loc["seller"]
    assert s["equity_before"] == pytest.approx(20.0)
    assert s["equity_after"] == pytest.approx(20 - LOST, rel=1e-9)


def test_a_stake_counts_at_cost_in_the_book_line(toy_dataset) -> None:
    """The seller also paid 2 (before the horizon) for 10% of the buyer, worth 5 at the
    buyer's market value of 50. The buyer fails: the market value of the stake goes from 5
    to 0, the book carries it at 2, so the book loses the margin 8.578 and the 2 it paid."""
    net = toy_dataset(
        "buyer,Buyer,ai_lab,US,false,,,0,50,0,,,,,2026-01,s1,A lab.\n"
        "seller,Seller,hyperscaler,US,true,SEL,,0,200,100,,20,,,2026-01,s1,A supplier.\n",
        "T1,buyer,seller,compute_contract,30,,,reported,committed,,2028-06-01,"
        "2029-01-01,2031-12-31,,A,,,s1,Three years.\n"
        "E1,seller,buyer,equity_investment,2,,,reported,committed,,2025-01-01,"
        "2025-01-01,,0.1,A,,,s1,A stake.\n")
    res = _firms(net)
    s = res.firms.loc["seller"]
    assert s["stakes_before"] == pytest.approx(5.0)
    assert s["stakes_after"] == pytest.approx(0.0)
    assert s["net_worth_before"] - s["net_worth_after"] == pytest.approx(LOST + 5, rel=1e-9)
    assert s["equity_before"] == pytest.approx(20 + EARNED, rel=1e-9)
    assert s["equity_after"] == pytest.approx(20 + EARNED - LOST - 2, rel=1e-9)
    lines = res.explain("seller")
    note = lines.loc[lines["item"] == "stake", "note"].iloc[0]
    assert "at cost 2.00" in note


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
    assert f.at["oracle", "book_equity"] == pytest.approx(24.666)
    assert f.at["oracle", "equity_before"] == pytest.approx(
        24.666 + f.at["oracle", "horizon_earnings"])
    assert "F196" in f.at["oracle", "starting"]


def test_microsoft_loses_its_lost_margin_and_what_it_paid_for_openai(stress) -> None:
    """openai-no-new-money: Microsoft pays everyone. By hand, its book loses the sales
    OpenAI does not pay at its loss weight (margin + stranded costs per dollar) plus the
    13.8 it paid for its OpenAI stake (D26), not the stake's 230 market value: far from all
    of its 343.5 of book equity plus five years of earnings."""
    res = stress("openai-no-new-money")
    f = res.firms.loc["microsoft"]
    w = res.balance.frame.at["microsoft", "loss_weight"]
    assert not f["defaulted"]
    assert f["equity_loss"] == pytest.approx(w * f["not_received"] + 13.8, rel=1e-6)
    assert 0 < f["equity_loss_share"] < 0.5


@pytest.mark.parametrize("name", ["openai-no-new-money", "oracle-cannot-refinance",
                                  "ai-demand-shock", "coreweave-default"])
def test_a_book_loss_never_exceeds_the_market_measure(stress, name: str) -> None:
    """Stakes at cost (written down, never up) can only lose less than stakes at market
    value: a survivor's book loss is at most what its net worth over the horizon loses, and
    its book before is its reported book equity plus earnings that are never negative."""
    f = stress(name).firms
    book = f[(f["equity_basis"] == "book") & ~f["defaulted"]]
    assert len(book)
    moved = book["net_worth_before"] - book["net_worth_after"]
    assert (book["equity_loss"] <= moved.clip(lower=0) + 1e-9).all()
    assert (book["horizon_earnings"] >= 0).all()
    assert (book["equity_before"] == book["book_equity"] + book["horizon_earnings"]).all()


@pytest.mark.parametrize("name", ["coreweave-default", "oracle-exits-abilene"])
def test_losses_carry_no_rounding_noise(stress, name: str) -> None:
    """A firm the shock leaves untouched loses exactly 0, not -1e-13 (the clearing's floating
    point): every loss is 0 or larger than a millionth of a $bn; before - after is the loss;
    the system figure sums the firms' falls. oracle-exits-abilene keeps a real gain: Oracle,
    spared the campus rent, is worth more after (a negative loss, not snapped)."""
    res = stress(name)
    f = res.firms
    for col in ("equity_loss", "market_value_lost", "equity_loss_share"):
        v = f[col].dropna().abs()
        assert not ((v > 0) & (v < 1e-6)).any(), col
    assert (f["equity_before"] - f["equity_after"] == f["equity_loss"]).all()
    assert (f["market_value_before"] - f["market_value_after"] == f["market_value_lost"]).all()
    assert res.system["market_value_lost"] == pytest.approx(
        f["market_value_lost"].clip(lower=0).sum(), rel=1e-12, abs=0)
    for key in ("market_value_lost", "double_counted", "market_value_lost_net", "equity_loss"):
        assert res.system[key] == 0 or abs(res.system[key]) > 1e-6, key
    if name == "oracle-exits-abilene":
        assert f.at["oracle", "market_value_lost"] < -1.0


def test_lending_less_is_no_book_gain_and_an_unpaid_loan_a_loss() -> None:
    """A firm that lends inside the network: lending 6 less keeps 6 of cash that the base run
    had turned into a loan, which moves no book equity (it showed a 6 gain before the lender
    side was mirrored); 2 of principal not repaid is a loss. The borrower's side is the
    mirror image: drawing 6 less moves nothing either."""
    st = Structure(n=2, debtor=np.array([0, 1]), creditor=np.array([1, 0]),
                   channel=np.array([FUNDING, PRINCIPAL], np.int8))
    comp = NS(structure=st, bs=NS(stakes=pd.DataFrame({"cost": []})))
    # lender: cash 100, lends 10 (or 4), is repaid 5 (or 3); borrower: draws and repays the
    # same, and still owes what it did not repay
    base = NS(owed=np.array([[10.0], [5.0]]), paid=np.array([[10.0], [5.0]]),
              net_worth=np.array([[100 - 10 + 5.0], [10 - 5.0]]))
    out = NS(owed=np.array([[4.0], [5.0]]), paid=np.array([[4.0], [3.0]]),
             net_worth=np.array([[100 - 4 + 3.0], [4 - 3.0 - 2.0]]))
    moved = book_change(comp, base, out)[:, 0]
    assert moved[0] == pytest.approx(-2.0)  # the unpaid principal, nothing for lending less
    assert moved[1] == pytest.approx(0.0)  # drew 6 less (+6 back); its unpaid 2 is still owed
