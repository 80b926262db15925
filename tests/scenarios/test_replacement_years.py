"""Replacement purchases follow the years of the contracts they replace.

The toy: a customer buys 10 of compute from a supplier in 2029 only; the horizon is
2029-2031, undiscounted. The supplier fails; the customer buys the same service elsewhere
(``terminated_contracts: replace``) in the contract's year, 2029, not spread over the
horizon."""

from __future__ import annotations

import pytest

from dealloop import scenarios


@pytest.fixture(scope="module")
def toy(toy_dataset):
    return toy_dataset(
        "cust,Customer,ai_lab,US,false,,,0,50,30,,,,,2026-01,s1,A lab.\n"
        "supp,Supplier,neocloud,US,true,SUP,,0,20,5,,,,,2026-01,s1,A cloud.\n",
        "T1,cust,supp,compute_contract,10,,,reported,committed,,2028-06-01,2029-01-01,"
        "2029-12-31,,A,,,s1,One year.\n"
        "T2,cust,supp,compute_contract,6,,,reported,committed,,2028-06-01,2030-01-01,"
        "2031-12-31,,A,,,s1,Two years.\n")


def test_replacement_is_due_in_the_contracts_years(toy) -> None:
    """10 in 2029 (T1), 3 in each of 2030 and 2031 (T2): before and after the failure the
    customer's dues per year are the same; only the creditor changes."""
    text = ("name: t\nquestion: q\nhorizon: [2029, 2031]\n"
            "shocks: [{type: fail, entity: supp}]\n"
            "mapping: {discount_rate: 0, new_money: none}\n")
    res = scenarios.run(scenarios.loads(text), toy, band=False)
    years = res.years.set_index("year")
    assert years["due"].tolist() == pytest.approx([10.0, 3.0, 3.0])
    assert years["due_before"].tolist() == pytest.approx([10.0, 3.0, 3.0])
    assert not res.firms.at["cust", "defaulted"]  # 30 of cash covers 16
