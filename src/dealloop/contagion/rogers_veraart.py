"""Rogers--Veraart (2013) clearing with default costs.

A defaulting firm recovers only a fraction ``alpha`` of its outside assets and ``beta`` of
what the network pays it, so default destroys value (a deadweight loss) and the clearing map
jumps at the default boundary (cliff effects). Eisenberg--Noe is the case
``alpha = beta = 1``; both share the engine in :mod:`dealloop.contagion._clearing`.
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from ._clearing import clear
from ._labels import labelled
from ._validation import Matrix, check_fraction
from .results import Clearing

__all__ = ["rogers_veraart"]


@labelled("L", ('e', 'external_liabilities'))
def rogers_veraart(
    L: Matrix,
    e: ArrayLike,
    *,
    alpha: float,
    beta: float,
    external_liabilities: ArrayLike | None = None,
    method: str = "fictitious_default",
    tol: float = 1e-12,
    max_iter: int = 10_000,
    backend: str = "auto",
) -> Clearing:
    r"""Greatest Rogers--Veraart clearing vector, with default waves and deadweight loss.

    The clearing vector :math:`\Lambda` solves, firm by firm,

    .. math::

        \Lambda_i = \bar p_i \quad\text{if } e_i + (\Pi^\top \Lambda)_i \ge \bar p_i,
        \qquad
        \Lambda_i = \max\bigl(0,\ \alpha e_i^+ - e_i^- + \beta (\Pi^\top \Lambda)_i\bigr)
        \quad\text{otherwise,}

    with :math:`\bar p = L\mathbf 1 + \text{external}` and :math:`\Pi_{ij} = L_{ij}/\bar p_i`.

    Parameters
    ----------
    L : (N, N) array_like or scipy.sparse matrix
        Nominal liabilities, ``L[i, j]`` = what firm i owes firm j (row = debtor).
        Nonnegative, finite, zero diagonal.
    e : (N,) or (K, N) array_like
        Outside assets for one scenario or a batch of ``K`` scenarios. May be negative (net
        outside resources after senior debt); a negative part is a senior claim at face value
        and is not haircut by ``alpha``.
    alpha : float in [0, 1]
        Fraction of outside assets a defaulter realises.
    beta : float in [0, 1]
        Fraction of interbank claims a defaulter realises.
    external_liabilities : (N,) array_like, optional
        Debt to creditors outside the network, pari passu with ``L``.
    method : {"fictitious_default", "picard"}
        ``"fictitious_default"``: the Greatest-Algorithm of Rogers and Veraart (exact linear
        solves, at most N + 1 rounds). ``"picard"``: iteration of the clearing map from
        ``pbar``, stopped when no payment moves by more than ``tol * max(pbar)``.
    tol : float
        Tolerance (relative to ``max(pbar)``) of Picard and of the final fixed-point check of
        the fictitious-default algorithm.
    max_iter : int
        Sweep budget of Picard iteration; :class:`ConvergenceError` is raised beyond it.
    backend : {"auto", "numba", "numpy"}
        Picard sweeps run in compiled code when numba is installed (``"auto"``).

    Returns
    -------
    Clearing
        ``payments`` (:math:`\Lambda`), ``net_worth``, ``equity``, ``defaulted``, ``waves``,
        ``deadweight_loss`` (:math:`(1-\alpha)e_i^+ + (1-\beta)(\Pi^\top\Lambda)_i` for
        defaulters), ``iterations`` and more; batched when ``e`` is.

    Raises
    ------
    ValueError
        Bad shapes, NaN/inf, negative liabilities, nonzero diagonal, ``alpha`` or ``beta``
        outside [0, 1]; the message names the argument.

    See Also
    --------
    eisenberg_noe : the case ``alpha = beta = 1``.
    furfine : defaulters pay a fixed share of what they owe.

    Notes
    -----
    *Default test.* A firm defaults iff :math:`e_i + (\Pi^\top\Lambda)_i < \bar p_i`, with
    nominal (not haircut) values: exactly zero equity is solvent and pays in full, however
    small ``alpha`` and ``beta`` are. Equity within about 1e-12 of the firm's balance-sheet
    size counts as exactly zero, so that ties survive floating-point rounding.

    *Deadweight loss.* With :math:`e \ge 0`,
    ``e.sum() == equity.sum() + paid_external.sum() + deadweight_loss.sum()``.

    *Waves.* The round of the Greatest-Algorithm in which the firm joins the default set
    (with ``method="picard"``, the sweep in which it first defaults).

    The map is monotone but not continuous, so the greatest and least clearing vectors may
    differ even when every ``e_i > 0``; only the greatest is computed.

    References
    ----------
    L. C. G. Rogers and L. A. M. Veraart, "Failure and rescue in an interbank network",
    Management Science 59(4), 882-898, 2013. doi:10.1287/mnsc.1120.1569

    Examples
    --------
    The three-bank example of Rogers and Veraart as in NetworkValuation (``Example.mlx``):

    >>> import numpy as np
    >>> from dealloop.contagion import rogers_veraart
    >>> L = np.array([[0, 30, 0], [5, 0, 20], [10, 0, 0]])
    >>> res = rogers_veraart(L, [10, 5, 5], alpha=0.4, beta=1.0)
    >>> res.payments
    array([18., 20., 10.])
    >>> res.net_worth
    array([-6., -2., 11.])
    >>> res.waves
    array([1, 2, 0])
    >>> float(res.deadweight_loss.sum())
    9.0
    """
    alpha = check_fraction(alpha, "alpha")
    beta = check_fraction(beta, "beta")
    return clear(
        L, e, alpha=alpha, beta=beta, external_liabilities=external_liabilities,
        which="greatest", method=method, tol=tol, max_iter=max_iter, backend=backend,
        model="rogers_veraart",
    )  # fmt: skip

