"""Result objects: frozen, tables, summaries."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dealloop.contagion import (
    cross_holdings,
    debtrank,
    eisenberg_noe,
    input_output,
    rogers_veraart,
)

L = np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], dtype=float)


def test_clearing_frame_and_summary() -> None:
    res = eisenberg_noe(L, [10, 10, 10])
    frame = res.to_frame(index=["nvda", "oai", "orcl"])
    assert list(frame.index) == ["nvda", "oai", "orcl"] and frame.index.name == "firm"
    assert frame.loc["oai", "wave"] == 2 and bool(frame.loc["nvda", "defaulted"])
    np.testing.assert_allclose(frame["payments"], res.payments)
    text = res.summary()
    assert "Eisenberg-Noe" in text and "defaults: 2 of 3" in text and "wave 2: 1" in text
    with pytest.raises(ValueError, match=r"^index"):
        res.to_frame(index=["a"])


def test_batched_long_frame() -> None:
    res = rogers_veraart(L, [[10, 10, 10], [30, 30, 30]], alpha=0.5, beta=0.5)
    frame = res.to_frame()
    assert len(frame) == 6
    assert frame.groupby("scenario")["defaulted"].sum().tolist() == res.n_defaults.tolist()
    assert "2 scenarios" in res.summary() and "Rogers-Veraart" in res.summary()


def test_results_are_immutable() -> None:
    e = np.array([10.0, 10.0, 10.0])
    res = eisenberg_noe(L, e)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.payments = np.zeros(3)  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        res.payments[0] = 1.0
    # The caller's arrays are neither frozen nor aliased.
    shock = np.array([0.5, 0.0])
    dr = debtrank(np.array([[0, 1.0], [1.0, 0]]), [2.0, 2.0], shock)
    shock[0] = 0.9
    assert dr.h_initial[0] == 0.5
    prim = np.array([1.0, 2.0])
    ch = cross_holdings(np.array([[0, 0.5], [0.5, 0]]), prim)
    prim[0] = 7.0
    assert ch.primitive[0] == 1.0
    assert e.flags.writeable


def test_other_summaries_and_frames() -> None:
    dr = debtrank(np.array([[0, 1.0], [1.0, 0]]), [2.0, 2.0], [0.5, 0.0], variant="linear")
    assert "DebtRank (linear)" in dr.summary() and len(dr.to_frame()) == 2
    ch = cross_holdings(np.array([[0, 0.5], [0.5, 0]]), [1.0, 1.0])
    assert "double counted" in ch.summary() and "market_value" in ch.to_frame()
    io = input_output(np.array([[150, 500], [200, 100]]), [1000, 2000])
    assert io.to_frame().loc[0, "output_multiplier"] == pytest.approx(1.518, abs=5e-4)


def test_empty_batches() -> None:
    from dealloop.contagion import furfine

    empty = np.zeros((0, 3))
    for method in ("fictitious_default", "picard"):
        res = eisenberg_noe(L, empty, method=method)
        assert res.payments.shape == (0, 3) and "0 scenarios" in res.summary()
        assert len(res.to_frame()) == 0
    for variant in ("battiston", "linear"):
        dr = debtrank(L.T, [1.0, 1.0, 1.0], empty, variant=variant)
        assert dr.h.shape == (0, 3) and "0 scenarios" in dr.summary()
    assert "0 scenarios" in furfine(L, empty).summary()
    assert cross_holdings(np.zeros((3, 3)), empty).book_value.shape == (0, 3)
