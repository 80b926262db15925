"""Labelled inputs: a DataFrame matrix gives a result labelled by firm, with the same numbers
as the arrays in the matrix's order, whatever order the per-firm Series come in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealloop.contagion import (
    cross_holdings,
    debtrank,
    egj_cascade,
    eisenberg_noe,
    furfine,
    input_output,
    rogers_veraart,
)

FIRMS = ["nvda", "oai", "orcl"]
L = np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], dtype=float)
E = np.array([10.0, 10.0, 10.0])
C = np.array([[0, 0.2, 0.1], [0.3, 0, 0], [0, 0.1, 0]])


def frame(M: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(M, index=FIRMS, columns=FIRMS)


def shuffled(x: np.ndarray, order: list[int]) -> pd.Series:
    """``x`` as a Series labelled by firm, in another order."""
    return pd.Series(x, index=FIRMS).iloc[order]


CASES = {
    "eisenberg_noe": (lambda M, v: eisenberg_noe(M, v), L, E),
    "rogers_veraart": (lambda M, v: rogers_veraart(M, v, alpha=0.5, beta=0.7), L, E),
    "furfine": (lambda M, v: furfine(M, v, recovery=0.3), L, E),
    "debtrank": (lambda M, v: debtrank(M, v, np.array([0.4, 0, 0])), L, E),
    "cross_holdings": (lambda M, v: cross_holdings(M, v), C, np.array([1.0, 2.0, 3.0])),
    "egj_cascade": (lambda M, v: egj_cascade(M, v, thresholds=[2.0, 0.5, 0.5],
                                             failure_costs=[0.5, 0.5, 0.5]),
                    C, np.array([1.0, 2.0, 3.0])),
    "input_output": (lambda M, v: input_output(M, v), L, np.array([60.0, 50.0, 40.0])),
}


@pytest.mark.parametrize("name", list(CASES))
@settings(max_examples=10, deadline=None)
@given(order=st.permutations([0, 1, 2]))
def test_labelled_equals_arrays(name: str, order: list[int]) -> None:
    model, M, v = CASES[name]
    plain = model(M, v)
    named = model(frame(M), shuffled(v, order))
    assert plain.labels is None and named.labels == tuple(FIRMS)
    a, b = plain.to_frame(), named.to_frame()
    assert list(b.index) == FIRMS and b.index.name == "firm"
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    assert named.to_dict()["labels"] == FIRMS


def test_batch_of_scenarios_as_a_dataframe() -> None:
    shocks = pd.DataFrame([[10.0, 10.0, 10.0], [0.0, 10.0, 3.0]], columns=["orcl", "nvda", "oai"])
    res = eisenberg_noe(frame(L), shocks)
    ref = eisenberg_noe(L, shocks[FIRMS].to_numpy())
    assert res.payments.shape == (2, 3)  # (K scenarios, N firms)
    np.testing.assert_array_equal(res.payments, ref.payments)
    long = res.to_frame()
    assert list(long["firm"][:3]) == FIRMS and list(long["scenario"].unique()) == [0, 1]


def test_bad_labels() -> None:
    with pytest.raises(ValueError, match="same firms in the same order"):
        eisenberg_noe(pd.DataFrame(L, index=FIRMS, columns=FIRMS[::-1]), E)
    with pytest.raises(ValueError, match=r"^e: labels must be the matrix's firms; missing "
                                         r"\['orcl'\], unknown \['msft'\]"):
        eisenberg_noe(frame(L), pd.Series([1.0, 2, 3], index=["nvda", "oai", "msft"]))
    with pytest.raises(ValueError, match="unique"):
        eisenberg_noe(pd.DataFrame(L, index=["a", "a", "b"], columns=["a", "a", "b"]), E)
