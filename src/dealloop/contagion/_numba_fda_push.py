"""numba kernels of the fictitious-default rounds, push form (:func:`_fda_push`), and the
entry points that run a scenario in the pull form of :mod:`._numba_fda` or the push form
(:func:`_fda_one`, :func:`fda_batch`, :func:`fda_single`); imported only through
:mod:`dealloop.contagion._kernels`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._numba_fda import FDA_DONE, FDA_SLOW, _fda_pull
from ._numba_kernels import (
    ACCEPT,
    RESUME,
    VERIFY,
    _incoming,
    _verdict,
    residual_one,
)


@njit(cache=True, nogil=True)
def _fda_push(
    indptr, indices, data, pbar, colsum, e, a, threshold, beta, limit, noise, slow_after,
    max_sweeps, r, inc, waves, start_round,
):  # fmt: skip
    """Fictitious-default rounds for one scenario by compiled sweeps in push form.

    The form for sparse regimes: only firms whose payments move are visited, and each pushes
    its changes to its creditors, so the work is the debts of the firms that move. Where
    many firms default :func:`_fda_pull` is faster (see :func:`_fda_one`).

    A round takes the firms in default at the current payments (``waves > 0``; new ones get
    ``waves = round``) and solves the round's fixed point: defaulters pay
    ``clip((a + beta * incoming) / pbar, 0, 1)``, everyone else pays in full. The fixed
    point is reached by monotone Gauss--Seidel sweeps from the previous round's payments
    (which lie above it), touching only firms whose incoming payments moved (a worklist), so
    a sweep costs the debts of the firms that moved, never the whole network. The
    ``max(0, .)`` of the map takes care of the firms that pay nothing.

    Error bound: with ``q`` the contraction seen over the last two sweeps, the distance to
    the round's fixed point is at most ``step * q / (1 - q)``. A round ends

    * early, as soon as the next round's default set is certain: every solvent firm either
      already defaults at the current payments (which are above the fixed point, so it
      defaults there too) or keeps a margin larger than its claims on defaulters times the
      error bound;
    * when converged (bound at most ``limit``); the incoming payments are then recomputed
      from scratch (no drift from incremental updates) and checked by one more sweep;
    * handed back to the caller for an exact linear solve when the contraction stays poor
      (``q > 1/2`` after ``slow_after`` sweeps: a loop of defaulters with little outside
      debt) or after ``max_sweeps``.

    Returns ``(round, sweeps, status)``: status ``FDA_DONE`` (no new defaulter) or
    ``FDA_SLOW`` (round ``round`` needs an exact solve; ``waves`` already marks it).
    """
    n = pbar.shape[0]
    _incoming(indptr, indices, data, colsum, r, inc)
    todo = np.empty(n, dtype=np.int64)
    nxt = np.empty(n, dtype=np.int64)
    stamp = np.full(n, -1, dtype=np.int64)
    exposed = np.zeros(n)  # claims on defaulters
    for i in range(n):
        if waves[i] > 0:
            for q in range(indptr[i], indptr[i + 1]):
                exposed[indices[q]] += data[q]
    mark = 0
    sweeps = 0
    rnd = start_round
    while True:
        rnd += 1
        n_todo = 0
        for i in range(n):
            if waves[i] == 0 and e[i] + inc[i] < threshold[i]:
                waves[i] = rnd
                for q in range(indptr[i], indptr[i + 1]):
                    exposed[indices[q]] += data[q]
                if pbar[i] > 0.0:
                    todo[n_todo] = i
                    n_todo += 1
        if n_todo == 0:
            # exact sums for the caller (a firm whose debtors all pay gets its column sum)
            _incoming(indptr, indices, data, colsum, r, inc)
            return rnd - 1, sweeps, FDA_DONE, 0
        prev = np.inf
        q_last = 1.0
        q_est = 1.0
        verifying = False
        for sweep in range(max_sweeps):
            sweeps += 1
            step = 0.0
            stepf = 0.0
            n_next = 0
            mark += 1
            for t in range(n_todo):
                i = todo[t]
                ri = (a[i] + beta * inc[i]) / pbar[i]
                # Sweeps descend (the map is monotone and starts above its fixed point);
                # only the check after an exact recompute may move a payment up.
                ri = min(max(ri, 0.0), 1.0 if verifying else r[i])
                delta = ri - r[i]
                if delta == 0.0:
                    continue
                if abs(delta) > stepf:
                    stepf = abs(delta)
                change = abs(delta) * pbar[i]
                if change > step:
                    step = change
                r[i] = ri
                for q in range(indptr[i], indptr[i + 1]):
                    j = indices[q]
                    inc[j] += data[q] * delta
                    if waves[j] > 0 and pbar[j] > 0.0 and stamp[j] != mark:
                        stamp[j] = mark
                        nxt[n_next] = j
                        n_next += 1
            if n_next * 16 > n:
                # A long worklist is swept in index order: rows are then read in memory
                # order, not at random (a third less time on large networks).
                n_next = 0
                for j in range(n):
                    if stamp[j] == mark:
                        nxt[n_next] = j
                        n_next += 1
            todo, nxt = nxt, todo
            n_todo = n_next
            verdict, prev, q_est, q_last = _verdict(
                step, prev, q_est, q_last, verifying, limit, noise
            )
            if verdict == ACCEPT:
                break
            verifying = verdict == VERIFY
            if verdict == RESUME:
                continue
            if verifying:
                # Converged on incrementally updated sums: recompute them exactly and sweep
                # every defaulter once more before accepting (no drift below the answer).
                _incoming(indptr, indices, data, colsum, r, inc)
                n_todo = 0
                for i in range(n):
                    if waves[i] > 0 and pbar[i] > 0.0:
                        todo[n_todo] = i
                        n_todo += 1
                continue
            if q_est < 1.0:
                err = stepf * q_est / (1.0 - q_est)
                certain = False
                unsure = False
                for j in range(n):
                    if waves[j] == 0 and exposed[j] > 0.0:
                        m = e[j] + inc[j] - threshold[j]
                        if m < 0.0:
                            certain = True
                        elif m < exposed[j] * err:
                            unsure = True
                            break
                if certain and not unsure:
                    break
            if sweep >= slow_after and q_est > 0.5:
                _incoming(indptr, indices, data, colsum, r, inc)
                return rnd, sweeps, FDA_SLOW, 0
        else:
            _incoming(indptr, indices, data, colsum, r, inc)
            return rnd, sweeps, FDA_SLOW, 0


@njit(cache=True, nogil=True)
def _fda_one(
    ip, ix, data, tp, ti, td, fp, fi, fd, transposed, pbar, colsum, e, a, threshold, beta,
    limit, coarse, noise, slow_after, max_sweeps, pull_share, depth, aa_small, r, inc, waves,
    start_round,
):  # fmt: skip
    """Fictitious-default rounds for one scenario: :func:`_fda_pull` when the firms in
    default while everyone pays in full owe at least ``pull_share`` of the liabilities
    (entries of ``L``), else :func:`_fda_push` (the caller passes ``pull_share = inf`` where
    the pull form does not apply). The share of liabilities, not of firms: a sweep's work
    is in the liabilities, and where the first defaulters are small firms around a hub
    their count overstates it.

    ``fp, fi, fd``: the transposed matrix ``tp, ti, td``, possibly with padded rows (see
    :func:`._numba_kernels.transpose_padded`). The choice depends on the inputs only, so a
    scenario restarted after an exact round (``start_round > 0``) goes on in the same form.
    Returns ``(round, sweeps, status, accelerated)``, the last the sweeps of :func:`_anderson`
    (pull form only; ``depth = 0`` switches it off; ``aa_small``: its smallest contraction in a
    small round, see :func:`_fda_pull`).
    """
    n = pbar.shape[0]
    first = 0
    owed = 0
    for i in range(n):
        if e[i] + colsum[i] < threshold[i]:
            first += 1
            owed += ip[i + 1] - ip[i]
    if first > 0 and owed >= pull_share * ip[n]:
        return _fda_pull(
            ip, ix, data, tp, ti, td, fp, fi, fd, transposed, pbar, colsum, e, a, threshold,
            beta, limit, coarse, noise, slow_after, max_sweeps, depth, aa_small, r, inc, waves,
            start_round,
        )  # fmt: skip
    return _fda_push(
        ip, ix, data, pbar, colsum, e, a, threshold, beta, limit, noise, slow_after,
        max_sweeps, r, inc, waves, start_round,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def _scenario(
    k, ip, ix, data, tp, ti, td, fp, fi, fd, transposed, pbar, colsum, e, a, threshold, beta,
    limit, coarse, noise, slow_after, max_sweeps, pull_share, depth, aa_small, r, incoming,
    waves, start_round, rounds, sweeps, status, accelerated, inv_pbar, residual,
):  # fmt: skip
    """Scenario ``k`` of :func:`fda_batch` or :func:`fda_single`: :func:`_fda_one`, its
    counters recorded, and once it is done (``FDA_DONE``) its ``residual``
    (:func:`._numba_kernels.residual_one`, while its arrays are in cache; NaN otherwise)."""
    rnd, sw, st, acc = _fda_one(
        ip, ix, data, tp, ti, td, fp, fi, fd, transposed, pbar, colsum, e[k], a[k],
        threshold[k], beta, limit, coarse, noise, slow_after, max_sweeps, pull_share, depth,
        aa_small, r[k], incoming[k], waves[k], start_round[k],
    )  # fmt: skip
    rounds[k] = rnd
    sweeps[k] += sw
    status[k] = st
    accelerated[k] += acc
    residual[k] = np.nan
    if st == FDA_DONE:
        residual[k] = residual_one(
            e[k], a[k], beta, incoming[k], r[k], pbar, inv_pbar, threshold[k]
        )


@njit(cache=True, parallel=True)
def fda_batch(
    ip, ix, data, tp, ti, td, pbar, colsum, e, a, threshold, beta, limit, coarse, noise,
    slow_after, max_sweeps, pull_share, depth, aa_small, r, incoming, waves, start_round, rounds,
    sweeps, status, accelerated, inv_pbar, residual,
):  # fmt: skip
    """:func:`_scenario` for a batch of scenarios, one thread per scenario; ``tp, ti, td``:
    the transposed matrix, rows padded (:func:`._numba_kernels.transpose_padded`)."""
    for k in prange(e.shape[0]):
        _scenario(
            k, ip, ix, data, tp, ti, td, tp, ti, td, True, pbar, colsum, e, a, threshold, beta,
            limit, coarse, noise, slow_after, max_sweeps, pull_share, depth, aa_small, r,
            incoming, waves, start_round, rounds, sweeps, status, accelerated, inv_pbar,
            residual,
        )  # fmt: skip


@njit(cache=True, nogil=True)
def fda_single(
    ip, ix, data, tp, ti, td, pbar, colsum, e, a, threshold, beta, limit, coarse, noise,
    slow_after, max_sweeps, pull_share, depth, aa_small, r, incoming, waves, start_round, rounds,
    sweeps, status, accelerated, inv_pbar, residual,
):  # fmt: skip
    """:func:`_scenario` for one scenario (no thread pool), with no transpose of the whole
    matrix (``tp, ti, td`` unused: see :func:`._numba_fda._fda_pull`'s ``transposed``)."""
    _scenario(
        0, ip, ix, data, tp, ti, td, tp, ti, td, False, pbar, colsum, e, a, threshold, beta,
        limit, coarse, noise, slow_after, max_sweeps, pull_share, depth, aa_small, r, incoming,
        waves, start_round, rounds, sweeps, status, accelerated, inv_pbar, residual,
    )  # fmt: skip
