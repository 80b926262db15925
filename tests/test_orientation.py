"""One batch orientation for everything a user gets: scenarios first, ``(K, N)``.

The engine keeps firms first, ``(N, K)``, inside (its sparse maps multiply from the left;
:mod:`dealloop.mapping.arrays`, :mod:`dealloop.scenarios.engine`, :mod:`.years`) and turns
round at :meth:`~dealloop.scenarios.engine.Outcome.to_clearing`. These tests use a batch of
``K = 2`` scenarios on ``N = 3`` firms (not square, so a transposed array cannot pass) and
check that row ``k`` of every per-firm array is scenario ``k`` run on its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from dealloop import contagion as c
from dealloop.scenarios.engine import clear, debt_only

K, N = 2, 3
L = np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], float)  # reference case R1
E = np.array([[10.0, 10, 10], [1.0, 30, 2]])  # two scenarios of outside assets
STAKES = np.array([[0, 0.2, 0.1], [0.1, 0, 0.3], [0.2, 0.1, 0]])
Z = np.array([[1.0, 2, 0], [0, 1, 3], [2, 0, 1]])
X = Z.sum(axis=1) + 10

#: name -> model of one batch of outside values ``(N,)`` or ``(K, N)``
MODELS: dict[str, Callable[[np.ndarray], Any]] = {
    "eisenberg_noe": lambda e: c.eisenberg_noe(L, e),
    "rogers_veraart": lambda e: c.rogers_veraart(L, e, alpha=0.5, beta=0.8),
    "furfine": lambda e: c.furfine(L, e),
    "debtrank": lambda e: c.debtrank(L, [10.0, 20, 30], e / 40),
    "cross_holdings": lambda e: c.cross_holdings(STAKES, e),
    "egj_cascade": lambda e: c.egj_cascade(STAKES, e, thresholds=[8.0, 12, 6],
                                           failure_costs=[2.0, 3, 1]),
}


def _per_firm(result: Any) -> dict[str, np.ndarray]:
    """The fields of ``result`` that hold one value per firm and scenario: every 2-D array
    but an ``(N, N)`` matrix (so a ``(K, 1)`` or ``(N, K)`` field is caught, not skipped)."""
    out = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape != (N, N):
            out[f.name] = value
    return out


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_contagion_model_returns_scenarios_first(name: str) -> None:
    model = MODELS[name]
    batch = model(E)
    fields = _per_firm(batch)
    assert fields, f"{name}: no per-firm batch field found"
    for field, value in fields.items():
        assert value.shape == (K, N), (name, field, value.shape)
        for k in range(K):
            alone = np.asarray(getattr(model(E[k]), field))
            assert alone.shape == (N,), (name, field)
            assert np.allclose(value[k], alone), (name, field, k)


@pytest.mark.parametrize("name", ["leontief", "ghosh"])
def test_input_output_models_return_scenarios_first(name: str) -> None:
    model = getattr(c, name)
    batch = model(Z, X, E)
    assert batch.shape == (K, N)
    for k in range(K):
        assert np.allclose(batch[k], model(Z, X, E[k]))


def test_the_engine_turns_round_at_to_clearing() -> None:
    """Inside the engine firms come first; what a user reads (``to_clearing``) is scenarios
    first and row ``k`` is scenario ``k`` cleared alone, and Eisenberg--Noe's row ``k``."""
    st, inp = debt_only(L, E)
    out = clear(st, inp)
    assert out.payments.shape == (N, K)  # the engine's own orientation
    got = out.to_clearing(st)
    want = c.eisenberg_noe(L, E)
    for field, value in _per_firm(got).items():
        assert value.shape == (K, N), field
        for k in range(K):
            st1, inp1 = debt_only(L, E[k])
            alone = np.asarray(getattr(clear(st1, inp1).to_clearing(st1), field))
            assert np.allclose(value[k], alone), (field, k)
        if field in _per_firm(want):
            assert np.allclose(value, getattr(want, field)), field


def test_to_frame_of_a_batch_is_one_row_per_scenario_and_firm() -> None:
    """A batched result's table has the ``K x N`` rows, scenario by scenario."""
    frame = c.eisenberg_noe(L, E).to_frame()
    assert len(frame) == K * N
    assert np.allclose(frame["payments"].to_numpy(),
                       c.eisenberg_noe(L, E).payments.reshape(-1))


def test_per_scenario_counters_are_one_value_per_scenario() -> None:
    """``iterations`` and ``residual`` of a batch are ``(K,)`` from the engine as from the
    models (the engine's ``to_clearing`` gave ``(K, 1)`` iterations and a scalar residual)."""
    st, inp = debt_only(L, E)
    got = clear(st, inp).to_clearing(st)
    want = c.eisenberg_noe(L, E)
    assert np.shape(got.iterations) == np.shape(want.iterations) == (K,)
    assert np.shape(got.residual) == np.shape(want.residual) == (K,)
    st1, inp1 = debt_only(L, E[0])
    one = clear(st1, inp1).to_clearing(st1)
    assert isinstance(one.iterations, int) and one.residual == 0.0
    assert int(got.iterations[0]) == one.iterations


def test_a_batched_engine_clearing_reads_like_the_models() -> None:
    """The engine's batch carries its dues per scenario (``pbar`` ``(K, N)``); its table and
    summary still count ``N`` firms and each scenario's share paid, as Eisenberg--Noe's do
    (``to_frame`` failed and the summary counted ``K`` firms and pooled the shares)."""
    st, inp = debt_only(L, E)
    got = clear(st, inp).to_clearing(st, labels=("a", "b", "c"))
    want = c.eisenberg_noe(L, E)
    assert got.pbar.shape == (K, N) and want.pbar.shape == (N,)
    frame, ref = got.to_frame(), want.to_frame(index=("a", "b", "c"))
    assert frame.shape[0] == K * N
    for col in ("pbar", "payments", "received", "net_worth", "equity", "defaulted", "wave"):
        assert np.allclose(frame[col].to_numpy(float), ref[col].to_numpy(float)), col
    assert list(frame["firm"]) == list(ref["firm"]) == ["a", "b", "c"] * K
    engine_lines = got.summary().splitlines()
    model_lines = want.summary().splitlines()
    assert f"{N} firms" in engine_lines[0] and f"{K} scenarios" in engine_lines[0]
    assert engine_lines[1:] == model_lines[1:]
