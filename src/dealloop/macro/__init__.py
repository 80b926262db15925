"""The macro panel: AI capex by firm and year against US GDP, history comparisons in nominal
dollars, real dollars and shares of GDP, and a capex-pullback scenario through an
input-output table.

Examples
--------
>>> import dealloop as dl
>>> from dealloop.macro import macro_panel
>>> panel = macro_panel(dl.load())
>>> sorted(panel.capex["firm"].unique())[:3]
['alphabet', 'amazon', 'coreweave']
"""

from __future__ import annotations

from .iotable import BUNDLED_IO, IOTable, bundled_io, read_io
from .panel import COMPARISONS, MacroPanel, capex_table, capex_totals, comparisons, macro_panel
from .pullback import Pullback, pullback

__all__ = ["BUNDLED_IO", "COMPARISONS", "IOTable", "MacroPanel", "Pullback", "bundled_io",
           "capex_table", "capex_totals", "comparisons", "macro_panel", "pullback", "read_io"]
