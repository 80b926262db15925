"""A capex pullback: the build-out is cut and the GDP effect is traced through an input-output
table with the Leontief model (:func:`dealloop.contagion.leontief`).

The cut removes ``cut`` of a year's capex (the macro panel's total: reported, else guidance)
from final demand. The imported part of that spending never was US output, so only
``(1 - import share)`` of it falls on US producers (the import share is the dataset's
``imports_share_of_data_centre_cost`` unless given). With an input-output table the domestic
cut is spread over sectors by the table's ``capex_share``, the Leontief model gives the
change in each sector's output, and the change in GDP is the change in value added,
``sum_j (va_j / x_j) * dx_j``. Two multipliers summarise it: output (all sectors' output
change per dollar of domestic demand cut) and value added (GDP change per dollar). In a table
whose intermediate inputs include imported ones (as BEA's use-based tables do) every column's
inputs and value added add up to its output, so the value-added multiplier is 1: the table
says where along the supply chain the GDP is lost and how much gross output moves, not that
GDP falls by more than the domestic cut. Without a table only the first round is known: the
GDP effect is the domestic cut itself, and no sector detail is shown. This is an open model
(Leontief type I): no induced consumption, prices fixed, so it is a first-order estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..jsonutil import jsonable
from ..result import Result
from .iotable import IOTable
from .panel import GDP_METRIC, IMPORT_SHARE_METRIC, capex_totals, level_at

__all__ = ["Pullback", "gdp_effect", "pullback"]


def gdp_effect(io: IOTable, demand_change: float) -> tuple[np.ndarray, float]:
    """Change in each sector's output and in GDP (value added) for a change in capex final
    demand of ``demand_change`` (USD bn, negative for a cut) spread by ``io.capex_share``.

    Examples
    --------
    Two sectors by hand: ``A = [[.1, .1], [.3, .2]]``, all capex demand on sector b; a cut
    of 13 moves output by ``(I - A)^-1 [0, -13] = [-1.884, -16.957]`` and value added
    (``va = [60, 140]`` on ``x = [100, 200]``) by ``-13``:

    >>> Z = np.array([[10.0, 20.0], [30.0, 40.0]])
    >>> t = IOTable(("a", "b"), Z, np.array([100.0, 200.0]), np.array([60.0, 140.0]),
    ...             np.array([0.0, 1.0]))
    >>> dx, dgdp = gdp_effect(t, -13.0)
    >>> [round(float(v), 3) for v in dx], round(dgdp, 6)
    ([-1.884, -16.957], -13.0)
    """
    from ..contagion import leontief

    df = demand_change * io.capex_share
    dx = np.asarray(leontief(io.Z, io.x, df), dtype=float)
    ratio = np.divide(io.va, io.x, out=np.zeros_like(io.x), where=io.x > 0)
    return dx, float(ratio @ dx)


@dataclass(frozen=True, repr=False)
class Pullback(Result):
    """A capex pullback and its GDP effect: ``year``, ``cut`` (fraction), ``capex`` (the
    year's total), ``demand_cut`` (USD bn), ``import_share``, ``domestic_cut``,
    ``gdp_change`` (USD bn), ``gdp`` (the GDP it is set against, with ``gdp_row``),
    ``share_of_gdp``, ``io_used`` (the table: title, year and source ids; None for the first
    round only), ``output_change`` (all sectors, USD bn), ``output_multiplier`` and
    ``gdp_multiplier`` (per dollar of domestic cut; NaN without a table), ``sectors`` (per
    sector: label, output change, value-added change; empty without a table), ``rows``, the
    history rows used, and ``notes``, the table's caveats.

    Examples
    --------
    >>> import dealloop as dl
    >>> p = pullback(dl.load(), cut=0.3, year=2026)
    >>> p.io_used is None, round(p.gdp_change, 6) == round(-p.domestic_cut, 6)
    (True, True)
    """

    year: int
    cut: float
    capex: float
    demand_cut: float
    import_share: float
    domestic_cut: float
    gdp_change: float
    gdp: float
    gdp_row: str | None
    share_of_gdp: float
    io_used: str | None = None
    output_change: float = math.nan
    output_multiplier: float = math.nan
    gdp_multiplier: float = math.nan
    sectors: pd.DataFrame = field(default_factory=pd.DataFrame)
    rows: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Per sector: ``label``, ``output_change`` and ``value_added_change`` (USD bn)."""
        return self.sectors.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({k: getattr(self, k) for k in (
            "year", "cut", "capex", "demand_cut", "import_share", "domestic_cut",
            "gdp_change", "gdp", "gdp_row", "share_of_gdp", "io_used", "output_change",
            "output_multiplier", "gdp_multiplier")}
            | {"sectors": self.sectors.reset_index() if len(self.sectors) else [],
               "rows": list(self.rows), "notes": list(self.notes)})

    def summary(self) -> str:
        how = (f"through the input-output table {self.io_used}: output "
               f"{self.output_change:+,.1f} bn (output multiplier {self.output_multiplier:.2f},"
               f" value-added multiplier {self.gdp_multiplier:.2f})" if self.io_used
               else "first round only (no input-output table given)")
        share = (f" ({self.share_of_gdp:.2%} of GDP, {self.gdp_row})"
                 if self.share_of_gdp == self.share_of_gdp else "")
        return (f"Capex pullback {self.year}: cutting {self.cut:.0%} of {self.capex:,.1f} bn "
                f"removes {self.demand_cut:,.1f} bn of demand, {self.domestic_cut:,.1f} bn of "
                f"it on US producers (import share {self.import_share:.0%}); GDP "
                f"{self.gdp_change:+,.1f} bn{share}, {how}")


def pullback(net: Any, *, cut: float = 0.3, year: int = 2026, import_share: float | None = None,
             io: IOTable | None = None) -> Pullback:
    """Cut ``cut`` of ``year``'s AI capex and report the GDP effect.

    Parameters
    ----------
    net : DealNetwork
    cut : float
        Fraction of the year's capex removed, in ``[0, 1]``.
    year : int
        A year of the macro panel's capex totals.
    import_share : float, optional
        Imported share of the spending; default the dataset's
        ``imports_share_of_data_centre_cost`` (0 when it has none).
    io : IOTable, optional
        Input-output table (:func:`~dealloop.macro.read_io`, or the shipped
        :func:`~dealloop.macro.bundled_io`); without one only the first round is computed.

    Examples
    --------
    >>> import dealloop as dl
    >>> p = pullback(dl.load(), cut=0.5, year=2026)
    >>> round(p.domestic_cut, 6) == round(p.demand_cut * (1 - p.import_share), 6)
    True
    """
    if not (isinstance(cut, int | float) and 0.0 <= cut <= 1.0):
        raise ValueError(f"cut: expected a fraction in [0, 1], got {cut!r}")
    totals = capex_totals(net)
    if year not in totals.index:
        raise ValueError(f"year: no capex figures for {year} (years: "
                         f"{', '.join(str(y) for y in totals.index) or 'none'})")
    rows: list[str] = []
    if import_share is None:
        row = level_at(net, IMPORT_SHARE_METRIC, "9999")
        import_share = row["value"] if row else 0.0
        if row:
            rows.append(row["id"])
    if not (0.0 <= import_share <= 1.0):
        raise ValueError(f"import_share: expected a fraction in [0, 1], got {import_share!r}")
    capex = float(totals["total"].get(year, math.nan))
    demand_cut = cut * capex
    domestic = demand_cut * (1.0 - import_share)
    sectors = pd.DataFrame()
    dout = mult_x = mult_va = math.nan
    if io is not None:
        dx, dgdp = gdp_effect(io, -domestic)
        ratio = np.divide(io.va, io.x, out=np.zeros_like(io.x), where=io.x > 0)
        sectors = pd.DataFrame({"label": list(io.labels or io.sectors), "output_change": dx,
                                "value_added_change": ratio * dx},
                               index=pd.Index(io.sectors, name="sector"))
        dout = float(dx.sum())
        if domestic > 0:
            mult_x, mult_va = dout / -domestic, dgdp / -domestic
    else:
        dgdp = -domestic
    gdp = level_at(net, GDP_METRIC, year)
    if gdp:
        rows.append(gdp["id"])
    return Pullback(int(year), float(cut), capex, demand_cut, float(import_share), domestic,
                    dgdp, gdp["value"] if gdp else math.nan, gdp["id"] if gdp else None,
                    dgdp / gdp["value"] if gdp else math.nan,
                    io.describe() if io is not None else None, dout, mult_x, mult_va, sectors,
                    tuple(rows), io.notes if io is not None else ())
