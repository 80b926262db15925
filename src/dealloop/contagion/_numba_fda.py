"""numba kernels of the fictitious-default rounds, pull form; the push form and the entry
points that pick one are in :mod:`._numba_fda_push`, through which
:mod:`dealloop.contagion._kernels` imports them, like :mod:`._numba_kernels`, whose shared
helpers they use.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._numba_csr import _greatest_push, _restrict_csr
from ._numba_kernels import (
    _close_enough,
    _contraction,
    _incoming,
    _restrict,
    transpose_padded,
)

#: Status codes of :func:`_fda_one`.
FDA_DONE, FDA_SLOW = 0, 1
#: Contractions of a final round's sweeps from which :func:`_anderson` finishes it: below,
#: plain sweeps converge about as fast (measured on the benchmark grid); at 0.9 and above,
#: a nearly singular loop, the exact solve does.
AA_MIN_Q, AA_MAX_Q = 0.25, 0.9
#: Rounds with fewer defaulters than this take ``aa_small`` (``_kernels.FDA_AA_SMALL_Q``)
#: in place of ``AA_MIN_Q``.
AA_SMALL_ROUND = 10_000
#: Sweeps of a round before its contraction estimate decides the next round (0-based):
#: from the fourth sweep on. From the third (2), even with the factor below, a scenario of
#: the benchmark's batched core-periphery cell put a firm in default a round late (pinned).
MIN_DECIDE = 3
#: Factor on the contraction estimate's error bound when a round is decided: the estimate
#: is not a proof, and a differential run (pull form forced, 3,000 small scenarios) found a
#: core-periphery scenario where it was short by less than 2x and a firm's wave came a
#: round late (also before this factor existed). Costs ~5% more sweeps on the grid.
DECIDE_SAFETY = 2.0
#: Outcomes of :func:`_anderson`.
AA_FAILED, AA_CONVERGED, AA_DECIDED = 0, 1, 2


@njit(cache=True, nogil=True)
def _pull(tp, ti, td, colsum, r, i):
    """Incoming payments of firm ``i`` from the transposed CSR: ``colsum_i - sum L[j, i](1 - r_j)``.

    A gather over the firm's debtors with no branch (a debtor paying in full adds an exact
    zero). The index arrays are unsigned (see ``_kernels.unsigned``): numba then drops the
    negative-index test from every read, which makes the gather a third faster.
    """
    acc = 0.0
    for q in range(tp[i], tp[i + 1]):
        acc += td[q] * (1.0 - r[ti[q]])
    return colsum[i] - acc


@njit(cache=True, nogil=True)
def _sweep(tp, ti, td, pbar, colsum, e, a, threshold, beta, rows, n_rows, test, r, inc):
    """One monotone Gauss--Seidel sweep over ``rows[:n_rows]`` (firms with debts), in place.

    Each firm pulls what it receives (:func:`_pull`), stores it in ``inc`` and pays
    ``clip((a + beta * inc) / pbar, 0, 1)`` if it defaults (always when ``test`` is false:
    the rounds' default set is given), in full otherwise, but never more than before
    (sweeps from above only descend). Returns ``(step, stepf)``: the largest decrease in
    money and in fraction paid.

    The body has no branch on the data (selects, min and max only; every firm pulls, a
    debtor paying in full adds an exact zero): whether a firm defaults follows no pattern
    in index order, and the branches of the earlier form (on the default test, on whether
    a payment moved, on whether a firm's debtors all pay) cost a third of a sweep
    (3.3 -> 2.1 ms per sweep of a 1M-liability network, measured on the benchmark grid).
    """
    step = 0.0
    stepf = 0.0
    free = not test
    for t in range(n_rows):
        i = rows[t]
        x = _pull(tp, ti, td, colsum, r, i)
        inc[i] = x
        y = max((a[i] + beta * x) / pbar[i], 0.0)
        old = r[i]
        # a select, not a branch (`free or ...` would short-circuit into one)
        ri = min(y if (e[i] + x < threshold[i]) | free else 1.0, old)
        r[i] = ri
        delta = old - ri
        stepf = max(stepf, delta)
        step = max(step, delta * pbar[i])
    return step, stepf


@njit(cache=True, nogil=True)
def _pull_all(tp, ti, td, colsum, r, inc):
    """:func:`_pull` for every firm."""
    for i in range(colsum.shape[0]):
        inc[i] = _pull(tp, ti, td, colsum, r, i)


@njit(cache=True, nogil=True)
def _sweep_free(tp, ti, td, pbar, colsum, a, beta, rows, n_rows, r, inc):
    """One Gauss--Seidel sweep of a round's map over ``rows[:n_rows]`` (all in default), in
    place and in both directions: each firm pays ``clip((a + beta * incoming) / pbar, 0, 1)``
    of what it pulls (:func:`_pull`), whether that is more or less than before. Returns
    ``(step, stepf)``, the largest change in money and in fraction paid. No branch on the
    data (see :func:`_sweep`)."""
    step = 0.0
    stepf = 0.0
    for t in range(n_rows):
        i = rows[t]
        x = _pull(tp, ti, td, colsum, r, i)
        inc[i] = x
        ri = min(max((a[i] + beta * x) / pbar[i], 0.0), 1.0)
        delta = abs(r[i] - ri)
        stepf = max(stepf, delta)
        step = max(step, delta * pbar[i])
        r[i] = ri
    return step, stepf


@njit(cache=True, nogil=True)
def _sums(ip, ix, data, fp, fi, fd, transposed, colsum, r, inc):
    """Every firm's exact incoming payments: pulled over the transpose ``fp, fi, fd`` if
    ``transposed``, else pushed over the CSR ``ip, ix, data``."""
    if transposed:
        _pull_all(fp, fi, fd, colsum, r, inc)
    else:
        _incoming(ip, ix, data, colsum, r, inc)


@njit(cache=True, nogil=True)
def _decided(tp, ti, td, colsum, e, threshold, waves, cand, n_cand, r, bound, two_sided):
    """Whether the next round's default set is known now: ``(certain, unsure)``.

    A candidate is *certain* to default at the round's fixed point if its margin
    ``e + incoming - threshold`` at the current payments is negative (payments above the
    fixed point), or below minus its claims on defaulters times ``bound`` (the error bound
    of the payments in fraction units) when ``two_sided`` (payments not known to lie above
    the fixed point); it is *unsure* if the margin is below that bound otherwise. Candidates
    with no claim on a defaulter do not move in the round. Stops at the first unsure one.
    """
    certain = False
    for t in range(n_cand):
        j = cand[t]
        x = colsum[j]
        exposed = 0.0
        for q in range(tp[j], tp[j + 1]):
            k = ti[q]
            x -= td[q] * (1.0 - r[k])
            if waves[k] > 0:
                exposed += td[q]
        if exposed <= 0.0:
            continue
        m = e[j] + x - threshold[j]
        tol = exposed * bound
        if m < (-tol if two_sided else 0.0):
            certain = True
        elif m < tol:
            return certain, True
    return certain, False


@njit(cache=True, nogil=True)
def _anderson(
    tp, ti, td, pbar, colsum, e, a, threshold, beta, rows, n_rows, r, inc, waves, cand,
    n_cand, depth, q, limit, noise, max_sweeps,
):  # fmt: skip
    """Solve a round (its default set held fixed) by Anderson-accelerated Gauss--Seidel.

    The round's map is linear on its defaulters (up to the clip at 0 and 1), and the error
    of plain sweeps is dominated by one slow mode (the Perron root of the defaulters'
    relative liabilities, e.g. 0.58 against 0.12 for the rest of the spectrum on a Chung-Lu
    network); Anderson mixing of the last ``depth`` sweeps removes it, so far fewer sweeps
    reach the tolerance. Each step sweeps :func:`_sweep_free` from the mixed point ``x`` to
    ``g = T(x)``, then mixes: ``x <- g - dG gamma`` with ``gamma`` the least-squares fit (in
    money units) of the residual ``g - x`` by the residuals' last differences ``dF``.

    The iterates are not monotone. The payments left in ``r`` are always a plain sweep
    ``g = T(x)``, whose distance to the fixed point is at most ``q / (1 - q)`` times its
    step (``q`` the contraction of the round's plain sweeps). Returns ``(sweeps,
    outcome)``: ``AA_CONVERGED`` when that bound is at most ``limit`` (the stopping rule of
    the plain sweeps), ``AA_DECIDED`` when the next round's default set is known with it
    (:func:`_decided`, two-sided), ``AA_FAILED`` after ``max_sweeps`` (the caller restores
    the payments from before and goes on with plain sweeps). A step whose residual grows
    past twice the best seen restarts the mixing from the plain sweep.

    Besides the sweep, a step makes two passes over the round's firms: one for the residual,
    the new differences and their products with the others (the normal equations change
    only in the newest difference's row and in the right-hand side), one for the mixing;
    a system of one or two unknowns is solved in closed form. At N = 1,000 a step cost
    twice a plain sweep when it made ten passes and called LAPACK, which took the gain.
    """
    m = n_rows
    x = np.empty(m)
    w2 = np.empty(m)  # squared weights of the least squares (money units)
    f_prev = np.empty(m)
    g_prev = np.empty(m)
    d_f = np.empty((depth, m))
    d_g = np.empty((depth, m))
    gram = np.zeros((depth, depth))  # d_f[u] . W d_f[v], not regularised
    dots = np.empty(depth)
    rhs = np.empty(depth)
    mat = np.empty((depth, depth))
    gamma = np.empty(depth)
    hist = 0
    head = 0
    best = np.inf
    for t in range(m):
        i = rows[t]
        x[t] = r[i]
        w2[t] = pbar[i] * pbar[i]
    for sweep in range(max_sweeps):
        _sweep_free(tp, ti, td, pbar, colsum, a, beta, rows, n_rows, r, inc)
        # one pass: residual f = g - x, its differences from the step before (into slot
        # `head`, used only if the step is kept), their products with every kept slot and
        # the right-hand side d_f[u] . W f
        new = min(hist + 1, depth)
        for u in range(depth):
            dots[u] = 0.0
            rhs[u] = 0.0
        res = 0.0
        resf = 0.0
        for t in range(m):
            i = rows[t]
            g = r[i]
            f = g - x[t]
            d = abs(f)
            resf = max(resf, d)
            res = max(res, d * pbar[i])
            if sweep > 0:
                df = f - f_prev[t]
                d_f[head, t] = df
                d_g[head, t] = g - g_prev[t]
                w = w2[t]
                for u in range(new):
                    dots[u] += df * d_f[u, t] * w
                    rhs[u] += d_f[u, t] * f * w
            f_prev[t] = f
            g_prev[t] = g
        # the plain sweeps' rule (no acceptance on a step at rounding noise alone)
        if res * q <= max(limit, noise) * (1.0 - q):
            return sweep + 1, AA_CONVERGED
        certain, unsure = _decided(
            tp, ti, td, colsum, e, threshold, waves, cand, n_cand, r,
            DECIDE_SAFETY * resf * q / (1.0 - q), True,
        )  # fmt: skip
        if certain and not unsure:
            return sweep + 1, AA_DECIDED
        if res > 2.0 * best:
            hist = 0  # the mixing went astray: start again from this plain sweep
            head = 0
        elif sweep > 0:
            for u in range(new):
                gram[head, u] = dots[u]
                gram[u, head] = dots[u]
            head = (head + 1) % depth
            hist = new
        best = min(best, res)
        if hist == 0:
            for t in range(m):
                x[t] = r[rows[t]]
            continue
        # least squares in money units: min || W^(1/2) (f - dF^T gamma) ||, W = diag(pbar^2)
        trace = 0.0
        for u in range(hist):
            trace += gram[u, u]
        for u in range(hist):
            for v in range(hist):
                mat[u, v] = gram[u, v]
            mat[u, u] += 1e-12 * trace + 1e-300
        if hist == 1:
            gamma[0] = rhs[0] / mat[0, 0]
        elif hist == 2:
            det = mat[0, 0] * mat[1, 1] - mat[0, 1] * mat[1, 0]
            gamma[0] = (rhs[0] * mat[1, 1] - mat[0, 1] * rhs[1]) / det
            gamma[1] = (mat[0, 0] * rhs[1] - mat[1, 0] * rhs[0]) / det
        else:
            sol = np.linalg.solve(mat[:hist, :hist], rhs[:hist])
            for u in range(hist):
                gamma[u] = sol[u]
        for t in range(m):
            i = rows[t]
            y = r[i]
            for u in range(hist):
                y -= gamma[u] * d_g[u, t]
            y = min(max(y, 0.0), 1.0)
            x[t] = y
            r[i] = y
    return max_sweeps, AA_FAILED


@njit(cache=True, nogil=True)
def _greatest(
    tp, ti, td, pbar, colsum, e, a, threshold, beta, limit, noise, max_sweeps, r, inc,
):  # fmt: skip
    """Greatest clearing fractions by monotone Gauss--Seidel sweeps from ``r`` (above them).

    Each sweep visits every firm in index order and pulls its incoming payments from its
    debtors' current fractions (exact sums, no drift); ``inc`` keeps the sums of the last
    sweep, which exceed those at the returned ``r`` by at most ``colsum`` times the last
    step. Returns ``(err, converged)``: ``err`` bounds the distance of ``r`` to the fixed
    point plus that last step, in fraction units (the contraction estimate of
    :func:`_contraction`).
    """
    rows = np.flatnonzero(pbar > 0.0).astype(np.uint64)  # unsigned: see _kernels.unsigned
    for i in range(pbar.shape[0]):
        inc[i] = colsum[i]  # firms without debts are not swept (the rounds test them all)
    prev = np.inf
    q_last = 1.0
    q_est = 1.0
    for _ in range(max_sweeps):
        step, stepf = _sweep(
            tp, ti, td, pbar, colsum, e, a, threshold, beta, rows, rows.shape[0], True, r, inc
        )
        q_est, q_last = _contraction(step, prev, q_est, q_last)
        prev = step
        if _close_enough(step, q_est, limit, noise):
            q = min(q_est, 0.5) if step <= noise else q_est
            return stepf + stepf * q / (1.0 - q), True
    return np.inf, False


@njit(cache=True, nogil=True)
def _fda_pull(
    ip, ix, data, tp, ti, td, fp, fi, fd, transposed, pbar, colsum, e, a, threshold, beta,
    limit, coarse, noise, slow_after, max_sweeps, depth, aa_small, r, inc, waves, start_round,
):  # fmt: skip
    """Fictitious-default rounds for one scenario by compiled sweeps in pull form.

    ``tp, ti, td`` is the transposed liability matrix in CSR form (row ``i``: what each
    debtor owes firm ``i``), so every payment update *pulls* from the firm's debtors: exact
    sums, read in memory order, no scattered writes. ``fp, fi, fd`` is the same matrix,
    possibly with its rows padded (:func:`._numba_kernels.transpose_padded`; the callers
    pass the padded matrix as both): every pull over the whole matrix reads it,
    :func:`._numba_kernels._restrict` the other one (and leaves the padding out). (This
    form is taken where many firms default, so every swept firm pulls: skipping firms whose
    debtors all pay cost more in branches than it saved.)

    ``transposed`` false (one scenario): the transposes are not given, and the whole matrix
    is read from the CSR ``ip, ix, data`` instead: the first estimate by the same sweeps in
    push form (:func:`_greatest_push`), the candidates' sub-matrix made from the CSR
    (:func:`._numba_csr._restrict_csr`, the same arrays), the test of every other firm
    and the sums returned pushed from the firms paying less than in full
    (:func:`._numba_kernels._incoming`: every firm's exact sums in one pass, in another
    order than a pull, so equal to rounding). Where every firm is a candidate (a first
    estimate that did not converge, a restart, ``start_round > 0``) the kernel makes the
    transpose and goes on as with it. The transpose of the whole matrix cost a single
    scenario at N = 100,000 more than its first estimate (a scatter of 1M entries, a cache
    miss each); a pushed sweep costs ~1.3 pulled ones.

    First (``start_round == 0``), the greatest clearing vector is estimated to ``coarse``
    by Gauss--Seidel sweeps over all firms (:func:`_greatest`). Every round lies above the
    greatest clearing vector, so a firm that is solvent there with a margin larger than its
    claims times the estimate's error is solvent in every round: only the other firms (the
    *candidates*) are ever tested for default, and a round can end early as soon as they are
    decided (firms near their threshold at the answer no longer force every round to full
    precision). When those sweeps do not converge, every firm is a candidate, and so after a
    restart (``start_round > 0``). Before stopping, every other firm is tested once; if one
    of them defaults after all (the estimate's error bound is a contraction estimate, not a
    proof), the rounds start again from full payments with every firm a candidate, so that
    no firm's wave comes late.

    A round takes the firms in default at the current payments (``waves > 0``; new ones get
    ``waves = round``) and solves the round's fixed point: defaulters pay
    ``clip((a + beta * incoming) / pbar, 0, 1)``, everyone else pays in full, by monotone
    Gauss--Seidel sweeps from the previous round's payments (which lie above it). With ``q``
    the contraction seen over the last two sweeps, the distance to the round's fixed point is
    at most ``step * q / (1 - q)``. Where the sweeps contract slowly (both of the last two
    ratios from ``AA_MIN_Q``, or ``aa_small`` in a round of fewer than ``AA_SMALL_ROUND``
    defaulters; ``q`` below ``AA_MAX_Q``; ``depth > 0``), the round goes on by the sweeps of
    :func:`_anderson`: the round's problem is linear, and the mixing removes its slow mode.
    From then on the payments are no longer known to lie above the fixed point, and every
    later decision takes the error bound both ways. A round ends

    * early, from its fourth sweep on (``MIN_DECIDE``), as soon as the next round's default
      set is certain (:func:`_decided`, on twice the error bound): every candidate either
      already defaults at the current payments (which are above the fixed point, so it
      defaults there too; once accelerated: by more than its error bound) or keeps a margin
      larger than its error bound;
    * when converged (bound at most ``limit``);
    * handed back to the caller for an exact linear solve when the contraction stays poor
      (``q > 1/2`` after ``slow_after`` sweeps: a loop of defaulters with little outside
      debt) or after ``max_sweeps``.

    Returns ``(round, sweeps, status, accelerated)``: status ``FDA_DONE`` (no new
    defaulter) or ``FDA_SLOW`` (round ``round`` needs an exact solve; ``waves`` already marks
    it); ``accelerated`` counts the sweeps of :func:`_anderson`. ``inc`` holds the exact
    incoming payments of every firm on return.
    """
    n = pbar.shape[0]
    sweeps = 0
    err = np.inf
    upper = r.copy()
    # Firms paying less than in full at `upper` (the first estimate) and not yet in default;
    # -1: `upper` is not used.
    out = -1
    if start_round == 0:
        # err stays infinite if these sweeps do not converge: every firm is a candidate
        if transposed:
            err, _ = _greatest(
                fp, fi, fd, pbar, colsum, e, a, threshold, beta, max(coarse, limit), noise,
                max_sweeps, upper, inc,
            )  # fmt: skip
        else:
            err, _ = _greatest_push(
                ip, ix, data, pbar, colsum, e, a, threshold, beta, max(coarse, limit), noise,
                max_sweeps, upper, inc,
            )  # fmt: skip
        out = 0
        for i in range(n):
            if upper[i] < 1.0 and waves[i] == 0:
                out += 1
    # Firm lists are unsigned, like the CSR indices (see ``_kernels.unsigned``): numba then
    # drops the negative-index test from every read they index (a sweep ~10% faster).
    cand = np.empty(n, dtype=np.uint64)
    n_cand = 0
    for i in range(n):
        # inc: the last sweep's sums, above those at the answer by at most colsum * err.
        # Branch-free compaction: every firm is written, the count moves if it is kept.
        cand[n_cand] = i
        n_cand += (waves[i] == 0) & (
            (err == np.inf) | (pbar[i] <= 0.0) | (e[i] + inc[i] - colsum[i] * err < threshold[i])
        )
    every = err == np.inf  # every firm is a candidate
    if every and not transposed:
        tp, ti, td = transpose_padded(ip, ix, data, n)
        fp, fi, fd = tp, ti, td
        transposed = True
    # The rounds pull over cp, ci, cd: the liabilities among the candidates (and firms in
    # default) once the first estimate has ruled the other firms out. They pay in full in
    # every round, so their terms are exact zeros: the sums are the same, bit for bit, and a
    # sweep reads only the entries that can move (a third to a half of them where many
    # firms default). The test of every other firm before stopping, a restart and the exact
    # sums returned read the whole matrix.
    cp, ci, cd = fp, fi, fd
    if not every:
        keep = np.zeros(n, dtype=np.uint8)
        for t in range(n_cand):
            keep[cand[t]] = 1
        for i in range(n):
            if waves[i] > 0:
                keep[i] = 1
        if transposed:
            cp, ci, cd = _restrict(tp, ti, td, keep)
        else:
            cp, ci, cd = _restrict_csr(ip, ix, data, keep)
    todo = np.empty(n, dtype=np.uint64)
    saved = np.empty(n)
    accelerated = 0
    monotone = True  # payments lie above the round's fixed point (until accelerated)
    checking = False  # this round tests the firms the first estimate ruled out
    full = np.all(r == 1.0)  # every firm pays in full: a pull is colsum exactly (terms 0.0)
    rnd = start_round
    while True:
        rnd += 1
        # new defaulters among the candidates (exact incoming payments at the current r)
        # (branch-free, in two passes: the pulls first, independent of each other, then the test)
        if checking and not transposed:
            # every firm's exact sums at once, pushed from the firms paying less than in
            # full (no transpose of the whole matrix): kept for every firm at the end
            _incoming(ip, ix, data, colsum, r, inc)
        else:
            for t in range(n_cand):
                i = cand[t]
                inc[i] = colsum[i] if full else _pull(cp, ci, cd, colsum, r, i)  # kept if solvent
        full = False
        n_new = 0
        kept = 0
        for t in range(n_cand):
            i = cand[t]
            new = e[i] + inc[i] < threshold[i]
            waves[i] = rnd if new else waves[i]
            n_new += new
            out -= new & (upper[i] < 1.0)
            cand[kept] = i
            kept += not new
        n_cand = kept
        if checking and n_new > 0:
            # The first estimate ruled out a firm that defaults (its error bound is a
            # contraction estimate, not a proof): that firm may have defaulted in an
            # earlier round. Start the rounds again with every firm a candidate.
            if not transposed:
                tp, ti, td = transpose_padded(ip, ix, data, n)
                fp, fi, fd = tp, ti, td
                transposed = True
            for i in range(n):
                r[i] = 1.0
                waves[i] = 0
                cand[i] = i
            n_cand = n
            rnd = start_round
            checking, full = False, True
            monotone = True
            out = -1
            cp, ci, cd = fp, fi, fd
            continue
        checking = False
        if n_new == 0:
            if every:
                break
            # Before stopping, test every other firm too (exactly, one pass).
            every = True
            checking = True
            if transposed:
                cp, ci, cd = fp, fi, fd
            n_cand = 0
            for i in range(n):
                if waves[i] == 0:
                    cand[n_cand] = i
                    n_cand += 1
            rnd -= 1
            continue
        n_todo = 0
        for i in range(n):
            todo[n_todo] = i
            n_todo += (waves[i] > 0) & (pbar[i] > 0.0)
        if out == 0:
            # Every firm that pays less than in full at the first estimate is in default
            # now: the estimate is then above this round's fixed point too (its sweeps
            # descended from full payments on the whole clearing map, which this round's map
            # does not exceed where it pays less than in full), and so is the minimum of the
            # two. The round starts from that minimum, within the estimate's precision of
            # the answer (typically the last round; the first estimate used to be dropped).
            for t in range(n_todo):
                i = todo[t]
                r[i] = min(r[i], upper[i])
            out = -1  # later rounds descend from below it anyway
        prev = np.inf
        q_last = 1.0
        q_est = 1.0
        tried = False
        for sweep in range(max_sweeps):
            sweeps += 1
            if monotone:
                step, stepf = _sweep(
                    cp, ci, cd, pbar, colsum, e, a, threshold, beta, todo, n_todo, False, r,
                    inc,
                )  # fmt: skip
            else:
                step, stepf = _sweep_free(cp, ci, cd, pbar, colsum, a, beta, todo, n_todo, r, inc)
            q_before = q_last
            q_est, q_last = _contraction(step, prev, q_est, q_last)
            prev = step
            if _close_enough(step, q_est, limit, noise):
                break
            # Decide on the contraction estimate only from the fourth sweep on, and on twice
            # its error bound: the first ratios of a round are transients, and differential
            # runs (pull form forced) found firms defaulting a round late when rounds were
            # decided after three sweeps (two of 3,186 scenarios; one more of the batched
            # benchmark cells with the factor) and after four on the bound itself (one of
            # 3,000; see DECIDE_SAFETY).
            if q_est < 1.0 and sweep >= MIN_DECIDE:
                certain, unsure = _decided(
                    cp, ci, cd, colsum, e, threshold, waves, cand, n_cand, r,
                    DECIDE_SAFETY * stepf * q_est / (1.0 - q_est), not monotone,
                )  # fmt: skip
                if certain and not unsure:
                    break
                # slow on both last ratios: one slow ratio can be a transient (RESULTS.md)
                slow = min(q_before, q_last) >= (AA_MIN_Q if n_todo >= AA_SMALL_ROUND else aa_small)
                if depth > 0 and not tried and slow and q_est < AA_MAX_Q:
                    # The default set is fixed within a round, so the round's fixed point
                    # solves a linear system: accelerated sweeps reach it, or decide the
                    # next round, in fewer sweeps where plain ones contract slowly (from
                    # AA_MIN_Q). Not for a nearly singular loop (from AA_MAX_Q): its
                    # floating-point fixed point is off by rounding / (1 - q), which the
                    # exact solve avoids. Once accelerated, payments are no longer known to
                    # lie above the fixed point: decisions take the error bound both ways.
                    tried = True
                    for t in range(n_todo):
                        saved[t] = r[todo[t]]
                    used, outcome = _anderson(
                        cp, ci, cd, pbar, colsum, e, a, threshold, beta, todo, n_todo, r, inc,
                        waves, cand, n_cand, depth, q_est, limit, noise,
                        min(max_sweeps, slow_after),
                    )  # fmt: skip
                    sweeps += used
                    accelerated += used
                    if outcome != AA_FAILED:
                        monotone = False
                        break
                    for t in range(n_todo):
                        r[todo[t]] = saved[t]
            if sweep >= slow_after and q_est > 0.5:
                _sums(ip, ix, data, fp, fi, fd, transposed, colsum, r, inc)
                return rnd, sweeps, FDA_SLOW, accelerated
        else:
            _sums(ip, ix, data, fp, fi, fd, transposed, colsum, r, inc)
            return rnd, sweeps, FDA_SLOW, accelerated
    # The last round tested every solvent firm over the whole matrix at these payments and
    # kept its exact sum in inc: only the defaulters' sums are left to compute (or none,
    # when it pushed every firm's sums).
    if not transposed:
        return rnd - 1, sweeps, FDA_DONE, accelerated
    n_todo = 0
    for i in range(n):
        todo[n_todo] = i
        n_todo += waves[i] > 0
    for t in range(n_todo):
        i = todo[t]
        inc[i] = _pull(fp, fi, fd, colsum, r, i)
    return rnd - 1, sweeps, FDA_DONE, accelerated
