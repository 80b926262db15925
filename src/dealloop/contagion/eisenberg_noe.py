"""Eisenberg--Noe (2001) clearing payments.

Each firm pays its creditors pro rata out of its outside assets plus what it receives, up to
what it owes; the clearing vector is a fixed point of that rule. This is Rogers--Veraart with
no default costs (``alpha = beta = 1``), and both are solved by the shared engine in
:mod:`dealloop.contagion._clearing`.
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from ._clearing import clear
from ._labels import labelled
from ._validation import Matrix, check_choice
from .results import Clearing

__all__ = ["eisenberg_noe"]


@labelled("L", ('e', 'external_liabilities'))
def eisenberg_noe(
    L: Matrix,
    e: ArrayLike,
    *,
    external_liabilities: ArrayLike | None = None,
    which: str = "greatest",
    method: str | None = None,
    tol: float = 1e-12,
    max_iter: int = 10_000,
    backend: str = "auto",
) -> Clearing:
    r"""Eisenberg--Noe clearing vector, default waves, net worth and equity.

    The clearing vector :math:`p \in [0, \bar p]` solves

    .. math::

        p = \min\bigl(\bar p,\ \max(0,\ e + \Pi^\top p)\bigr),
        \qquad \bar p = L\mathbf 1 + \text{external}, \quad \Pi_{ij} = L_{ij} / \bar p_i .

    Parameters
    ----------
    L : (N, N) array_like or scipy.sparse matrix
        Nominal liabilities, ``L[i, j]`` = what firm i owes firm j (row = debtor).
        Nonnegative, finite, zero diagonal. A firm that owes nothing gets a zero row of
        :math:`\Pi` (no division by zero).
    e : (N,) or (K, N) array_like
        Outside assets for one scenario or a batch of ``K`` scenarios. May be negative (net
        outside resources after senior debt, as in Acemoglu et al. 2015); the ``max(0, .)``
        in the map then binds and the firm pays nothing.
    external_liabilities : (N,) array_like, optional
        Debt to creditors outside the network, pari passu with ``L``: a defaulter pays them
        ``p_i * external_i / pbar_i``.
    which : {"greatest", "least"}
        Which clearing vector. They differ only when the system is not regular, e.g. a loop
        of claims with no outside cash, where every vector between them clears.
    method : {"fictitious_default", "picard"}, optional
        For the greatest vector: the fictitious-default algorithm (default; exact linear
        solves, at most N + 1 rounds) or Picard iteration from ``pbar``. The least vector is
        always computed by Picard iteration from 0.
    tol : float
        Picard stops when no payment moves by more than ``tol * max(pbar)`` in a sweep; the
        fictitious-default result is checked against the same tolerance.
    max_iter : int
        Picard sweep budget; :class:`ConvergenceError` is raised beyond it.
    backend : {"auto", "numba", "numpy"}
        ``"auto"`` runs compiled code when numba is importable (it is a dependency) and the
        numpy path otherwise; both give the same answer. Compiled, each fictitious-default
        round is solved by sweeps over the defaulters' debts only (cost independent of how
        many firms fail), with an exact linear solve for a round whose sweeps contract
        slowly; the numpy path solves every round exactly.

    Returns
    -------
    Clearing
        ``payments``, ``net_worth`` (:math:`e + \Pi^\top p - \bar p`, negative for
        defaulters), ``equity`` (``max(net_worth, 0)``), ``defaulted``, ``waves``,
        ``received``, ``paid_external``, ``iterations``, ``residual``; shape ``(N,)`` or
        ``(K, N)`` like ``e``.

    Raises
    ------
    ValueError
        Bad shapes, NaN/inf, negative liabilities or nonzero diagonal in ``L``; the message
        names the argument.
    ConvergenceError
        Picard did not reach ``tol`` within ``max_iter`` sweeps.

    See Also
    --------
    rogers_veraart : the same clearing with default costs.
    furfine : defaults in rounds with a fixed recovery rate.
    debtrank : distress before default, on the exposures ``A = L.T``.

    Notes
    -----
    *Default convention.* Firm i defaults iff :math:`e_i + (\Pi^\top p)_i < \bar p_i`,
    strictly, as in Eisenberg and Noe: exactly zero equity is solvent. Equity within about
    1e-12 of the firm's balance-sheet size (``|e| + claims + pbar``) counts as exactly zero,
    so that ties in the data survive floating-point rounding, and is reported as 0.

    *Waves.* The round of the fictitious-default algorithm in which the firm joins the
    default set: 1 = fundamental default (short even if everyone pays in full), 2 and more
    = contagion. With ``method="picard"`` it is the sweep in which the firm first defaults;
    for the least vector every defaulter is marked 1.

    *Invariants.* ``0 <= payments <= pbar``; with :math:`e \ge 0`,
    ``equity.sum() + paid_external.sum() == e.sum()`` (value is conserved); payments and
    equity are nondecreasing in ``e``; equity is the same under every clearing vector.

    References
    ----------
    L. Eisenberg and T. H. Noe, "Systemic risk in financial systems", Management Science
    47(2), 236-249, 2001. doi:10.1287/mnsc.47.2.236.9835

    Examples
    --------
    The three-firm example of NetworkValuation (the README prints 19.5455 for firm 1; the
    correct payment is 270/11 = 24.5455):

    >>> import numpy as np
    >>> from dealloop.contagion import eisenberg_noe
    >>> L = np.array([[0, 20, 10], [5, 0, 24], [10, 0, 0]])
    >>> res = eisenberg_noe(L, [10, 10, 10])
    >>> res.payments.round(4)
    array([24.5455, 26.3636, 10.    ])
    >>> res.net_worth.round(4)
    array([-5.4545, -2.6364, 30.    ])
    >>> res.waves  # firm 0 fails first, firm 1 by contagion
    array([1, 2, 0])

    A loop of claims with no outside cash clears at any level between the least and the
    greatest vector:

    >>> ring = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    >>> eisenberg_noe(ring, np.zeros(3)).payments
    array([1., 1., 1.])
    >>> eisenberg_noe(ring, np.zeros(3), which="least").payments
    array([0., 0., 0.])

    A batch of scenarios gives batched results:

    >>> eisenberg_noe(L, [[10, 10, 10], [20, 10, 10]]).defaulted
    array([[ True,  True, False],
           [False, False, False]])
    """
    which = check_choice(which, "which", ("greatest", "least"))
    if method is None:
        method = "picard" if which == "least" else "fictitious_default"
    if which == "least" and method != "picard":
        raise ValueError(
            "method: the least clearing vector is computed by Picard iteration from zero; "
            "use method='picard' (or leave it unset)"
        )
    return clear(
        L, e, alpha=1.0, beta=1.0, external_liabilities=external_liabilities, which=which,
        method=method, tol=tol, max_iter=max_iter, backend=backend, model="eisenberg_noe",
    )  # fmt: skip
