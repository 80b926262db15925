"""Contagion models for circular financing networks.

One module per model, each a pure function on numpy / scipy.sparse arrays that accepts one
scenario ``(N,)`` or a batch ``(K, N)`` (scenarios x firms) and returns a frozen result
object (the results protocol of :mod:`dealloop.result`: ``to_dict()``, ``summary()``,
``to_frame()``). A labelled pandas DataFrame matrix (index and columns the same firms) may
stand in for the array: per-firm Series are then matched to it by label, and the result's
``labels`` and ``to_frame()`` index are the firm ids.

=====================  =========================================  ===========================
function               model                                      matrix orientation
=====================  =========================================  ===========================
``eisenberg_noe``      Eisenberg--Noe (2001) clearing              ``L[i, j]`` = i owes j
``rogers_veraart``     Rogers--Veraart (2013), default costs       ``L[i, j]`` = i owes j
``furfine``            Furfine (2003) sequential defaults          ``L[i, j]`` = i owes j
``debtrank``           Battiston et al. (2012); Bardoscia (2015)   ``A[i, j]`` = i lent to j
``cross_holdings``     Brioschi et al.; Elliott--Golub--Jackson    ``C[i, j]`` = i's share of j
``egj_cascade``        EGJ (2014) failure cascade                  ``C[i, j]`` = i's share of j
``leontief``           Leontief quantity model                     ``Z[i, j]`` = i sells to j
``input_output``       Leontief / Ghosh multipliers                ``Z[i, j]`` = i sells to j
=====================  =========================================  ===========================
"""

from ._validation import ConvergenceError
from .cross_holdings import cross_holdings, dependency_matrix, egj_cascade
from .debtrank import debtrank, leverage_matrix, spectral_radius
from .eisenberg_noe import eisenberg_noe
from .furfine import furfine
from .leontief import ghosh, input_output, leontief
from .results import (
    Clearing,
    CrossHoldings,
    DebtRankResult,
    EGJCascade,
    FurfineResult,
    InputOutput,
)
from .rogers_veraart import rogers_veraart

__all__ = [
    "Clearing",
    "ConvergenceError",
    "CrossHoldings",
    "DebtRankResult",
    "EGJCascade",
    "FurfineResult",
    "InputOutput",
    "cross_holdings",
    "debtrank",
    "dependency_matrix",
    "egj_cascade",
    "eisenberg_noe",
    "furfine",
    "ghosh",
    "input_output",
    "leontief",
    "leverage_matrix",
    "rogers_veraart",
    "spectral_radius",
]
