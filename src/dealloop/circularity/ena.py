"""Ecological network analysis (ENA) of money flows: throughflow, Finn cycling index, ascendency.

Ecologists measure how much energy in a food web goes round in cycles; applied to money
flowing between firms the same arithmetic measures round-tripping. Conventions follow enaR's
``enaFlow`` and ``enaAscendency`` (Finn 1976; Patten; Ulanowicz), with one orientation for
everything here: ``F[i, j]`` is the flow **from i to j** (row = payer), and the matrices
returned are in that row → column orientation too.

For ``n`` firms with internal flows ``F``, boundary inputs ``z`` (money entering from outside
the network) and boundary outputs ``y`` (money leaving it), at steady state
(``z_i + Σ_j F[j, i] = y_i + Σ_j F[i, j]``):

* throughflow ``T_i = z_i + Σ_j F[j, i]``; ``TST = Σ T_i``; throughput
  ``TSTp = Σ F + Σ z + Σ y``;
* direct flow intensities ``direct[i, j] = F[i, j] / T_i``; integral flows
  ``integral = (I − direct)^{-1}``, so that ``T = integralᵀ z``: ``integral[i, j]`` is the
  flow reaching j, directly and indirectly, per unit of boundary input to i (enaR's ``N``
  printed in its ``"rc"`` orientation);
* average path length ``APL = TST / Σ z``;
* cycled throughflow ``TSTc = Σ_i (N_ii − 1)/N_ii · T_i`` and the **Finn cycling index**
  ``FCI = TSTc / TST`` in ``[0, 1)``, 0 exactly when no flow can come back;
* boundary, direct and indirect flow intensities ``BFI = Σz/TST``,
  ``DFI = Σ(G z)/TST``, ``IFI = Σ((N − I − G) z)/TST`` and ``ID.F = IFI/DFI``;
* modes: ``mode0 = Σ z`` (boundary), ``mode1`` (first passage), ``mode2 = TSTc`` (cycled),
  with ``mode0 + mode1 + mode2 = TST``.

Caveat (Allesina & Ulanowicz 2004): FCI under-counts cycled flow; read it as a lower bound on
circularity, and look at the loops themselves (:func:`dealloop.circularity.cycles`).

Examples
--------
A ring of three firms that keeps half of what it receives in the loop:

>>> import numpy as np
>>> F = np.array([[0, 10, 0], [0, 0, 10], [5, 0, 0]], dtype=float)
>>> z = np.array([5.0, 0, 0])              # 5 enters at firm 0 ...
>>> y = np.array([0, 0, 5.0])              # ... and leaves at firm 2
>>> r = ena(F, z, y)
>>> r.throughflow.tolist(), round(r.fci, 6), round(r.apl, 6)
([10.0, 10.0, 10.0], 0.5, 6.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..result import Result
from ..vocabulary import PURCHASE_KINDS
from ._inputs import is_network, network_only

__all__ = ["ENA", "Ascendency", "ascendency", "balanced_boundary", "ena"]



def _vector(x: Any, n: int, name: str) -> np.ndarray:
    try:
        v = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected numbers") from None
    if v.shape != (n,):
        raise ValueError(f"{name}: expected shape ({n},), got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    if np.any(v < 0):
        raise ValueError(f"{name}: contains negative values")
    return v


def _flows(F: Any) -> tuple[np.ndarray, tuple[str, ...] | None]:
    labels = None
    if isinstance(F, pd.DataFrame):
        if list(F.index) != list(F.columns):
            raise ValueError("F: the DataFrame's index and columns must list the same firms "
                             "in the same order")
        labels = tuple(str(x) for x in F.index)
    try:
        M = np.asarray(F, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("F: expected a square matrix of numbers") from None
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"F: expected a square (n, n) matrix, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise ValueError("F: contains NaN or infinite values")
    if np.any(M < 0):
        raise ValueError("F: contains negative flows")
    return M, labels


def balanced_boundary(F: Any, inputs: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Boundary inputs and outputs that put the flows ``F`` at steady state.

    A firm that pays out more than it receives inside the network gets the difference as
    boundary input (money from outside: revenue from other customers, cash, borrowing); one
    that receives more gets it as boundary output. With ``inputs`` given (e.g. revenue from
    outside the network), each input is raised where needed so the outputs are never negative:
    ``z = max(inputs, out − in)`` and ``y = z + in − out``.

    Examples
    --------
    >>> z, y = balanced_boundary([[0, 3], [1, 0]])
    >>> z.tolist(), y.tolist()
    ([2.0, 0.0], [0.0, 2.0])
    """
    M, _ = _flows(F)
    n = M.shape[0]
    inflow, outflow = M.sum(axis=0), M.sum(axis=1)
    z0 = np.zeros(n) if inputs is None else _vector(inputs, n, "inputs")
    z = np.maximum(z0, outflow - inflow)
    y = np.maximum(z + inflow - outflow, 0.0)
    return z, y


def _f(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True, eq=False, repr=False)
class ENA(Result):
    """Result of :func:`ena`. Matrices are in row → column orientation (row = from).

    Attributes
    ----------
    labels : firm labels (from a DataFrame or network), else ``("0", "1", …)``.
    flows, inputs, outputs : the model analysed (``F``, ``z``, ``y``).
    throughflow : ``T``, per firm.
    tst, tstp, boundary : total system throughflow, throughput, and ``Σ z``.
    direct : ``direct[i, j] = F[i, j] / T_i``.
    integral : ``N = (I − direct)^{-1}``; ``throughflow = integral.T @ inputs``.
    apl : average path length ``TST / Σ z``.
    tstc, fci : cycled throughflow and Finn cycling index ``TSTc / TST``.
    bfi, dfi, ifi, idf : boundary, direct, indirect flow intensities and ``IFI / DFI``.
    mode0, mode1, mode2 : boundary, first-passage and cycled flow (sum = TST).

    Examples
    --------
    >>> from dealloop.circularity import ena
    >>> r = ena([[0, 10, 0], [0, 0, 10], [5, 0, 0]], [5, 0, 0], [0, 0, 5])
    >>> round(r.fci, 6), r.to_frame()["throughflow"].tolist()
    (0.5, [10.0, 10.0, 10.0])
    >>> r.statistics()[["TST", "FCI"]].round(6).to_dict()
    {'TST': 30.0, 'FCI': 0.5}
    """

    labels: tuple[str, ...]
    flows: np.ndarray
    inputs: np.ndarray
    outputs: np.ndarray
    throughflow: np.ndarray
    tst: float
    tstp: float
    boundary: float
    direct: np.ndarray
    integral: np.ndarray
    apl: float
    tstc: float
    fci: float
    bfi: float
    dfi: float
    ifi: float
    idf: float
    mode0: float
    mode1: float
    mode2: float

    @property
    def cycled_share(self) -> np.ndarray:
        """Per firm, ``(N_ii − 1)/N_ii``: the share of its throughflow that has been round."""
        d = np.diag(self.integral)
        return np.where(d > 0, (d - 1.0) / np.where(d > 0, d, 1.0), 0.0)

    @property
    def cycled_throughflow(self) -> np.ndarray:
        """Per firm, ``cycled_share · T``; the sum is ``tstc``."""
        return self.cycled_share * self.throughflow

    def summary(self) -> str:
        """Throughflow, cycling index and path length in a few words."""
        return (f"ENA, {len(self.labels)} firms: total system throughflow {self.tst:,.4g}, "
                f"Finn cycling index {self.fci:.1%} (cycled {self.tstc:,.4g}), average path "
                f"length {self.apl:.3g}")

    def statistics(self) -> pd.Series:
        """System-level statistics, enaR names: Boundary, TST, TSTp, APL, FCI, BFI, DFI, IFI,
        ID.F, mode0.F, mode1.F, mode2.F, TSTc."""
        return pd.Series({
            "Boundary": self.boundary, "TST": self.tst, "TSTp": self.tstp, "APL": self.apl,
            "FCI": self.fci, "BFI": self.bfi, "DFI": self.dfi, "IFI": self.ifi,
            "ID.F": self.idf, "mode0.F": self.mode0, "mode1.F": self.mode1,
            "mode2.F": self.mode2, "TSTc": self.tstc,
        }, name="value")

    def to_frame(self) -> pd.DataFrame:
        """Per firm: ``inputs``, ``outputs``, ``inflow``, ``outflow``, ``throughflow``,
        ``cycled_share``, ``cycled_throughflow``."""
        return pd.DataFrame({
            "inputs": self.inputs, "outputs": self.outputs,
            "inflow": self.flows.sum(axis=0), "outflow": self.flows.sum(axis=1),
            "throughflow": self.throughflow, "cycled_share": self.cycled_share,
            "cycled_throughflow": self.cycled_throughflow,
        }, index=pd.Index(list(self.labels), name="firm"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable: ``system`` statistics, ``firms`` rows and ``integral`` matrix."""
        frame = self.to_frame()
        return {
            "system": {k: _f(v) for k, v in self.statistics().items()},
            "firms": [{"firm": f, **{c: _f(v) for c, v in row.items()}}
                      for f, row in frame.iterrows()],
            "labels": list(self.labels),
            "integral": [[_f(v) for v in row] for row in self.integral],
        }


def _network_flows(net: Any, kinds: Iterable[str] | str | None,
                   statuses: Iterable[str] | str | None, horizon: Any
                   ) -> tuple[np.ndarray, tuple[str, ...]]:
    from ._money_graph import money_graph

    g = money_graph(net, kinds=PURCHASE_KINDS if kinds is None else kinds, statuses=statuses,
                    horizon=horizon)
    return g.matrix(), tuple(str(x) for x in g.labels)


def ena(F: Any, inputs: Any = None, outputs: Any = None, *,
        labels: Sequence[str] | None = None, balance_tol: float | None = 0.01,
        kinds: Iterable[str] | str | None = None,
        statuses: Iterable[str] | str | None = None, horizon: Any = None) -> ENA:
    """Ecological network analysis of a flow matrix (see the module docstring).

    Parameters
    ----------
    F : (n, n) array_like or DataFrame or DealNetwork
        ``F[i, j]`` = flow from i to j, non-negative. A DealNetwork gives its purchase layer
        (``kinds`` default: compute contracts, chip purchases, revenue shares; ``statuses``
        and ``horizon`` as for ``flow_graph``).
    inputs, outputs : (n,) array_like, optional
        Boundary inputs ``z`` and outputs ``y``. When ``outputs`` is omitted the boundary is
        closed with :func:`balanced_boundary` (``inputs`` then act as a floor).
    labels : sequence of str, optional
        Firm names (taken from a DataFrame's index or the network otherwise).
    balance_tol : float or None, default 0.01
        Largest relative imbalance ``|in − out| / max(in, out)`` allowed per firm; ``None``
        skips the check (enaR's ``balance.override``). Throughflow is input-based.

    Returns
    -------
    ENA

    Raises
    ------
    ValueError
        Bad shapes, negative or NaN values, a leg selection with a matrix (``kinds``,
        ``statuses``, ``horizon`` select legs of a network), an unbalanced model, or flows
        that never leave the system (``I − G`` singular).

    See Also
    --------
    money_cycling : the cycling index of every cash leg on a dataset, as the CLI shows it.
    ascendency : how organised the same flows are.
    balanced_boundary : the boundary flows of a network that has none.

    References
    ----------
    J. T. Finn, "Measures of ecosystem structure and function derived from analysis of
    flows", Journal of Theoretical Biology 56(2), 363-380, 1976.
    doi:10.1016/S0022-5193(76)80080-X

    S. Allesina and R. E. Ulanowicz, "Cycling in ecological networks: Finn's index
    revisited", Computational Biology and Chemistry 28(3), 227-233, 2004.

    Examples
    --------
    FCI is 0 when nothing can come back, whatever the scale:

    >>> r = ena([[0, 4, 0], [0, 0, 4], [0, 0, 0]], [4, 0, 0], [0, 0, 4])
    >>> r.fci, r.tst, r.apl
    (0.0, 12.0, 3.0)
    """
    if is_network(F):
        M, net_labels = _network_flows(F, kinds, statuses, horizon)
        frame_labels: tuple[str, ...] | None = net_labels
    else:
        network_only("F", kinds=(kinds, None), statuses=(statuses, None),
                     horizon=(horizon, None))
        M, frame_labels = _flows(F)
    n = M.shape[0]
    if outputs is None:
        z, y = balanced_boundary(M, inputs)
    else:
        if inputs is None:
            raise ValueError("inputs: required when outputs are given")
        z = _vector(inputs, n, "inputs")
        y = _vector(outputs, n, "outputs")
    if labels is not None:
        if len(labels) != n:
            raise ValueError(f"labels: expected {n} names, got {len(labels)}")
        names = tuple(str(x) for x in labels)
    else:
        names = frame_labels or tuple(str(i) for i in range(n))
    inflow, outflow = M.sum(axis=0), M.sum(axis=1)
    T = z + inflow
    if balance_tol is not None:
        out_total = y + outflow
        scale = np.maximum(np.maximum(T, out_total), np.finfo(float).tiny)
        bad = np.flatnonzero(np.abs(T - out_total) > balance_tol * scale)
        if bad.size:
            show = ", ".join(f"{names[i]} (in {T[i]:.6g}, out {out_total[i]:.6g})"
                             for i in bad[:5])
            raise ValueError(f"F: not at steady state (inputs + inflow != outputs + outflow) "
                             f"for {show}; pass balance_tol=None to skip the check or use "
                             f"balanced_boundary()")
    safe_T = np.where(T > 0, T, 1.0)
    G = np.where(T[:, None] > 0, M / safe_T[:, None], 0.0)  # G[i, j] = F[i, j] / T_i
    eye = np.eye(n)
    try:
        N = np.linalg.inv(eye - G)
    except np.linalg.LinAlgError:
        raise ValueError("F: flows never leave the system (I − G is singular); every firm "
                         "needs a path to a boundary output") from None
    if not np.all(np.isfinite(N)) or np.any(N < -1e-9):
        raise ValueError("F: flows never leave the system (I − G is singular); every firm "
                         "needs a path to a boundary output")
    N = np.maximum(N, 0.0)
    # Column-orientation quantities of enaR: Gc = G.T, Nc = N.T.
    Nc = N.T
    tst = float(T.sum())
    boundary = float(z.sum())
    d = np.diag(N)
    cyc = np.where(d > 0, (d - 1.0) / np.where(d > 0, d, 1.0), 0.0)
    tstc = float(np.sum(cyc * T))
    direct = float((G.T @ z).sum())
    indirect = float(((Nc - eye - G.T) @ z).sum())
    first = Nc * z[None, :] / np.where(d > 0, d, 1.0)[:, None]
    mode1 = float(first.sum() - boundary)
    mode2 = float((cyc[:, None] * Nc * z[None, :]).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        apl = tst / boundary if boundary > 0 else math.nan
        fci = tstc / tst if tst > 0 else 0.0
        bfi = boundary / tst if tst > 0 else math.nan
        dfi = direct / tst if tst > 0 else math.nan
        ifi = indirect / tst if tst > 0 else math.nan
        idf = indirect / direct if direct > 0 else math.nan
    return ENA(
        labels=names, flows=M, inputs=z, outputs=y, throughflow=T, tst=tst,
        tstp=float(M.sum() + z.sum() + y.sum()), boundary=boundary, direct=G, integral=N,
        apl=apl, tstc=tstc, fci=max(0.0, fci), bfi=bfi, dfi=dfi, ifi=ifi, idf=idf,
        mode0=boundary, mode1=mode1, mode2=mode2,
    )


@dataclass(frozen=True, repr=False)
class Ascendency(Result):
    """Ulanowicz's information measures of a flow network (enaR ``enaAscendency`` names).

    ``H`` flow diversity (bits), ``AMI`` average mutual information, ``Hr = H − AMI``,
    ``CAP = H·TSTp`` development capacity, ``ASC = AMI·TSTp`` ascendency, ``OH`` overhead
    (``ASC + OH = CAP``), ``ASC_CAP``/``OH_CAP`` their shares, ``robustness = −a ln a`` with
    ``a = ASC/CAP``, ``ELD`` effective link density, ``TD`` trophic depth, and ASC split by
    where the flows go: ``A_input``, ``A_internal``, ``A_export``, ``A_respiration``.

    Examples
    --------
    >>> from dealloop.circularity import ascendency
    >>> a = ascendency([[0, 10], [10, 0]], [5, 0], [0, 5])
    >>> 0 < a.ASC_CAP < 1 and abs(a.ASC + a.OH - a.CAP) < 1e-9
    True
    """

    TSTp: float
    H: float
    AMI: float
    Hr: float
    CAP: float
    ASC: float
    OH: float
    ASC_CAP: float
    OH_CAP: float
    robustness: float
    ELD: float
    TD: float
    A_input: float
    A_internal: float
    A_export: float
    A_respiration: float

    def to_frame(self) -> pd.DataFrame:
        """One row per statistic, column ``value``."""
        d = self.to_dict()
        return pd.DataFrame({"value": list(d.values())},
                            index=pd.Index(list(d), name="statistic"))

    def summary(self) -> str:
        """Ascendency over capacity, and robustness."""
        return (f"Ascendency {self.ASC:,.4g} of capacity {self.CAP:,.4g} "
                f"({self.ASC_CAP:.1%}); overhead {self.OH_CAP:.1%}; robustness "
                f"{self.robustness:.3f}")

    def to_dict(self) -> dict[str, float | None]:
        """JSON-serialisable statistics."""
        return {k: _f(getattr(self, k)) for k in self.__dataclass_fields__}


def ascendency(F: Any, inputs: Any, exports: Any = None, respiration: Any = None
               ) -> Ascendency:
    """Ascendency, overhead, capacity and robustness of a flow network.

    Computed on the extended ``(n + 3) × (n + 3)`` matrix: internal flows ``F`` (row = from),
    an export column, a respiration column and an import row (enaR ``as.extended``), with
    base-2 logarithms; robustness uses the natural log. For money networks there is no
    respiration: pass the money leaving the network as ``exports``.

    Parameters
    ----------
    F : (n, n) array_like
        Internal flows, ``F[i, j]`` from i to j.
    inputs : (n,) array_like
        Boundary inputs (imports).
    exports, respiration : (n,) array_like, optional
        Boundary outputs (default zeros).

    See Also
    --------
    ena : throughflow, cycling index and the other flow statistics.

    References
    ----------
    R. E. Ulanowicz, Growth and Development: Ecosystems Phenomenology, Springer, 1986.

    Examples
    --------
    >>> a = ascendency([[0, 10], [10, 0]], [5, 0], [0, 5])
    >>> round(a.ASC + a.OH - a.CAP, 9)
    0.0
    """
    M, _ = _flows(F)
    n = M.shape[0]
    z = _vector(inputs, n, "inputs")
    ex = np.zeros(n) if exports is None else _vector(exports, n, "exports")
    re = np.zeros(n) if respiration is None else _vector(respiration, n, "respiration")
    X = np.zeros((n + 3, n + 3))
    X[:n, :n] = M
    X[:n, n] = ex
    X[:n, n + 1] = re
    X[n + 2, :n] = z
    tstp = float(X.sum())
    if tstp <= 0:
        raise ValueError("F: no flow at all")
    row = X.sum(axis=1)
    col = X.sum(axis=0)
    nz = X > 0
    i_idx, j_idx = np.nonzero(nz)
    x = X[nz]
    t = x / tstp
    # Logarithms of each factor separately, so tiny flows cannot underflow a product.
    lx, lr, lc, lt = np.log2(x), np.log2(row[i_idx]), np.log2(col[j_idx]), math.log2(tstp)
    ami_terms = t * (lx + lt - lr - lc)
    AMI = float(ami_terms.sum())
    H = float(-(t * (lx - lt)).sum())
    OH = float(-(x * (2.0 * lx - lr - lc)).sum())
    CAP = H * tstp
    ASC = AMI * tstp
    a = ASC / CAP if CAP > 0 else math.nan
    ln2 = math.log(2.0)
    # ELD = prod (sqrt(r_i c_j) / t_ij)^t_ij and TD = prod (t_ij / (r_i c_j))^t_ij, with
    # r, c the row and column sums of t = X / TSTp.
    ELD = float(np.exp(ln2 * np.sum(t * (0.5 * (lr + lc) - lx))))
    TD = float(np.exp(ln2 * np.sum(t * (lx + lt - lr - lc))))
    asc_terms = ami_terms * tstp

    def part(mask: np.ndarray) -> float:
        return float(asc_terms[mask].sum())

    return Ascendency(
        TSTp=tstp, H=H, AMI=AMI, Hr=H - AMI, CAP=CAP, ASC=ASC, OH=OH, ASC_CAP=a,
        OH_CAP=OH / CAP if CAP > 0 else math.nan,
        robustness=float(-a * math.log(a)) if a > 0 else 0.0, ELD=ELD, TD=TD,
        A_input=part(i_idx == n + 2), A_internal=part((i_idx < n) & (j_idx < n)),
        A_export=part(j_idx == n), A_respiration=part(j_idx == n + 1),
    )
