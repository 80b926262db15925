"""Published cases (docs/reference-cases.md), each in its published orientation."""

from __future__ import annotations

import numpy as np
import pytest

from dealloop.contagion import (
    cross_holdings,
    dependency_matrix,
    eisenberg_noe,
    input_output,
    leontief,
    rogers_veraart,
)

# --- R1. Eisenberg-Noe, 3 firms (NetworkValuation README / Example.mlx); L[i, j] = i owes j.
R1_L = np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]], dtype=float)
R1_E = np.array([10.0, 10.0, 10.0])


@pytest.mark.parametrize("method", ["fictitious_default", "picard"])
def test_r1_eisenberg_noe(method: str) -> None:
    res = eisenberg_noe(R1_L, R1_E, method=method)
    np.testing.assert_array_equal(res.pbar, [30, 29, 10])
    # Corrected clearing vector: 24.5455 (not the README's 19.5455), exactly [270/11, 290/11, 10].
    np.testing.assert_allclose(res.payments, [270 / 11, 290 / 11, 10], rtol=0, atol=1e-10)
    np.testing.assert_array_equal(res.payments.round(4), [24.5455, 26.3636, 10.0])
    np.testing.assert_array_equal(res.net_worth.round(4), [-5.4545, -2.6364, 30.0])
    np.testing.assert_array_equal(res.defaulted, [True, True, False])
    np.testing.assert_array_equal(res.waves, [1, 2, 0])
    np.testing.assert_allclose(res.equity, [0, 0, 30], atol=1e-12)
    assert res.equity.sum() == pytest.approx(R1_E.sum())


def test_r1_before_clearing_and_fictitious_default_path() -> None:
    # Equity before clearing e + Pi' pbar - pbar = [-5, 1, 34]: only firm 0 is short.
    before = R1_E + R1_L.sum(axis=0) - R1_L.sum(axis=1)
    np.testing.assert_array_equal(before, [-5, 1, 34])
    # Round 1 of fictitious default: firm 0 alone in default pays e + received = 25.
    one_round = eisenberg_noe(R1_L, R1_E, method="fictitious_default")
    assert one_round.iterations == 3  # two rounds that add defaulters + the final check
    # The path's middle vector [25, 29, 10] is the clearing vector when firm 1 stays solvent
    # (3 more outside assets: 13 + 20 * 25/30 >= 29), i.e. when round 1 is the last.
    np.testing.assert_allclose(eisenberg_noe(R1_L, [10.0, 13.0, 10.0]).payments, [25, 29, 10],
                               rtol=0, atol=1e-12)  # fmt: skip
    # Picard from pbar and from 0 agree: the clearing vector is unique (all e > 0).
    top = eisenberg_noe(R1_L, R1_E, method="picard")
    bottom = eisenberg_noe(R1_L, R1_E, which="least")
    np.testing.assert_allclose(top.payments, bottom.payments, atol=1e-9)


# --- R3. Rogers-Veraart, 3 firms (NetworkValuation Example.mlx).
R3_L = np.array([[0, 30, 0], [5, 0, 20], [10, 0, 0]], dtype=float)
R3_E = np.array([10.0, 5.0, 5.0])


@pytest.mark.parametrize(
    ("alpha", "beta", "payments", "net_worth", "defaulted"),
    [
        (1.0, 1.0, [25, 25, 10], [-5, 5, 15], [1, 0, 0]),
        (0.4, 1.0, [18, 20, 10], [-6, -2, 11], [1, 1, 0]),
        (0.4, 0.5, [9.684211, 6.842105, 10], None, [1, 1, 0]),
    ],
)
@pytest.mark.parametrize("method", ["fictitious_default", "picard"])
def test_r3_rogers_veraart(
    alpha: float,
    beta: float,
    payments: list[float],
    net_worth: list[float] | None,
    defaulted: list[int],
    method: str,
) -> None:
    res = rogers_veraart(R3_L, R3_E, alpha=alpha, beta=beta, method=method)
    np.testing.assert_array_equal(res.pbar, [30, 25, 10])
    np.testing.assert_allclose(res.payments, payments, atol=5e-7)
    if net_worth is not None:
        np.testing.assert_allclose(res.net_worth, net_worth, atol=1e-9)
    np.testing.assert_array_equal(res.defaulted, np.array(defaulted, dtype=bool))


def test_r3_before_clearing_and_deadweight_loss() -> None:
    before = R3_E + R3_L.sum(axis=0) - R3_L.sum(axis=1)
    np.testing.assert_array_equal(before, [-5, 10, 15])
    res = rogers_veraart(R3_L, R3_E, alpha=0.4, beta=1.0)
    np.testing.assert_array_equal(res.waves, [1, 2, 0])  # GA path [30,25,10]->[19,25,10]->...
    # The middle vector: firm 0 alone in default pays 0.4 * 10 + 5 + 10 = 19; with firm 1
    # kept solvent (7 + 30 * 19/30 >= 25) that round is the last.
    middle = rogers_veraart(R3_L, [10.0, 7.0, 5.0], alpha=0.4, beta=1.0)
    np.testing.assert_allclose(middle.payments, [19, 25, 10], rtol=0, atol=1e-12)
    # Sum e = 20 = 11 (equity) + 0 (external) + 9 (lost to default costs).
    assert res.equity.sum() == pytest.approx(11.0)
    assert res.deadweight_loss.sum() == pytest.approx(9.0)
    assert res.equity.sum() + res.deadweight_loss.sum() == pytest.approx(R3_E.sum())


# --- R9. Leontief, Miller & Blair two-sector example; Z[i, j] = sales of i to j.
R9_Z = np.array([[150, 500], [200, 100]], dtype=float)
R9_X = np.array([1000.0, 2000.0])


def test_r9_leontief() -> None:
    io = input_output(R9_Z, R9_X)
    np.testing.assert_allclose(io.technical, [[0.15, 0.25], [0.20, 0.05]], atol=1e-15)
    np.testing.assert_allclose(
        io.leontief_inverse, [[1.2541254, 0.330033], [0.2640264, 1.122112]], atol=5e-7
    )
    exact = np.array([[0.95, 0.25], [0.20, 0.85]]) / 0.7575
    np.testing.assert_allclose(io.leontief_inverse, exact, rtol=1e-12)
    np.testing.assert_allclose(io.final_demand, [350, 1700])
    np.testing.assert_allclose(io.value_added, [650, 1400])
    assert round(io.output_multipliers[0], 3) == 1.518  # "USD 1.518"
    assert round(io.output_multipliers[1], 3) == 1.452
    x_new = leontief(R9_Z, R9_X, [600, 1500])
    np.testing.assert_array_equal(x_new.round(2), [1247.52, 1841.58])
    np.testing.assert_allclose(x_new, [1247.524752, 1841.584158], atol=5e-7)
    z_new = io.technical * x_new[None, :]
    # Published table was built from rounded x: tolerance 0.01.
    np.testing.assert_allclose(z_new, [[187.13, 460.40], [249.51, 92.08]], atol=0.011)


# --- R10. EGJ dependency matrix, two organisations; C[i, j] = fraction of j held by i.
def test_r10_dependency_matrix() -> None:
    C = np.array([[0, 0.5], [0.5, 0]])
    expected = np.array([[2 / 3, 1 / 3], [1 / 3, 2 / 3]])
    np.testing.assert_allclose(dependency_matrix(C), expected, rtol=0, atol=1e-12)
    res = cross_holdings(C, [1.0, 1.0])
    np.testing.assert_allclose(res.dependency, expected, atol=1e-12)
    np.testing.assert_allclose(res.dependency.sum(axis=0), [1, 1], atol=1e-12)
    np.testing.assert_allclose(res.outside_share, [0.5, 0.5])


# --- S7. Ring vs complete network with negative net outside resources (self-computed).
RING = np.roll(np.eye(5), 1, axis=1)  # L[i, i+1] = 1
COMPLETE = (np.ones((5, 5)) - np.eye(5)) / 4

S7 = [
    (0.3, 0.5, [0.8, 1, 1, 1, 1], 1, [0.8, 1, 1, 1, 1], 1),
    (0.3, 1.0, [0.3, 0.6, 0.9, 1, 1], 3, [0.3, 1, 1, 1, 1], 1),
    (0.3, 3.0, [0, 0.3, 0.6, 0.9, 1], 4, [0, 1, 1, 1, 1], 1),
    (0.1, 0.5, [0.6, 0.7, 0.8, 0.9, 1], 4, [0.6, 1, 1, 1, 1], 1),
    (0.1, 1.0, [0, 0.1, 0.2, 0.3, 0.4], 5, [0, 0.4, 0.4, 0.4, 0.4], 5),
]


@pytest.mark.parametrize(("buffer", "eps", "ring_p", "ring_d", "comp_p", "comp_d"), S7)
@pytest.mark.parametrize("method", ["fictitious_default", "picard"])
def test_s7_ring_vs_complete(
    buffer: float,
    eps: float,
    ring_p: list[float],
    ring_d: int,
    comp_p: list[float],
    comp_d: int,
    method: str,
) -> None:
    e = np.full(5, buffer)
    e[0] -= eps
    ring = eisenberg_noe(RING, e, method=method)
    comp = eisenberg_noe(COMPLETE, e, method=method)
    np.testing.assert_allclose(ring.payments, ring_p, atol=1e-9)
    np.testing.assert_allclose(comp.payments, comp_p, atol=1e-9)
    assert ring.n_defaults == ring_d
    assert comp.n_defaults == comp_d


def test_s7_as_one_batch() -> None:
    e = np.array([[b - (eps if i == 0 else 0) for i in range(5)] for b, eps, *_ in [*S7]])
    ring = eisenberg_noe(RING, e)
    np.testing.assert_allclose(ring.payments, [row[2] for row in S7], atol=1e-9)
    np.testing.assert_array_equal(ring.n_defaults, [row[3] for row in S7])
