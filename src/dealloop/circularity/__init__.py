"""How circular is the network, and for whom?

Loops (:func:`cycles`): every simple money loop up to a length, with the deal legs on each
hop, the bottleneck amount that can go all the way round, dates and whether the hops happen in
time order; per-firm participation; significance against a degree-preserving null model
(:func:`cycle_significance`).

Measures, per firm and for the system: ecological network analysis of the purchase layer
(:func:`ena`: throughflow, Finn cycling index, integral flows, path length; and
:func:`ascendency`), self-financed revenue (:func:`self_financed_revenue`), customer
concentration (:func:`customer_concentration`), commitment coverage
(:func:`commitment_coverage`) and cross-holding double counting (:func:`double_counting`).
:func:`circularity` runs them all on a network and joins them into one table per firm;
:func:`money_cycling` is the cycling index of every cash leg that the CLI, report and API show.

Each function takes a DealNetwork or plain arrays / networkx graphs; each result has
``to_frame()`` (pandas) and ``to_dict()`` (JSON-serialisable).

Examples
--------
>>> import networkx as nx
>>> from dealloop.circularity import cycles
>>> g = nx.DiGraph()
>>> g.add_edge("nvidia", "openai", amount=100.0)
>>> g.add_edge("openai", "oracle", amount=300.0)
>>> g.add_edge("oracle", "nvidia", amount=40.0)
>>> cycles(g)[0].path
'openai → oracle → nvidia → openai'
"""

from __future__ import annotations

from .cycles import (
    CycleArrays,
    Hop,
    Loop,
    LoopSet,
    MoneyGraph,
    count_cycles,
    cycles,
    enumerate_cycles,
    money_graph,
    to_csr,
)
from .ena import ENA, Ascendency, ascendency, balanced_boundary, ena
from .measures import (
    CommitmentCoverage,
    CustomerConcentration,
    DoubleCounting,
    commitment_coverage,
    customer_concentration,
    double_counting,
)
from .null_model import CycleSignificance, cycle_significance, null_counts, randomize
from .overview import Circularity, circularity, money_cycling
from .self_financed import SelfFinancedRevenue, self_financed_revenue

__all__ = [
    "ENA",
    "Ascendency",
    "Circularity",
    "CommitmentCoverage",
    "CustomerConcentration",
    "CycleArrays",
    "CycleSignificance",
    "DoubleCounting",
    "Hop",
    "Loop",
    "LoopSet",
    "MoneyGraph",
    "SelfFinancedRevenue",
    "ascendency",
    "balanced_boundary",
    "circularity",
    "commitment_coverage",
    "count_cycles",
    "customer_concentration",
    "cycle_significance",
    "cycles",
    "double_counting",
    "ena",
    "enumerate_cycles",
    "money_cycling",
    "money_graph",
    "null_counts",
    "randomize",
    "self_financed_revenue",
    "to_csr",
]
