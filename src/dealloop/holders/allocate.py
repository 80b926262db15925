"""Follow losses to where they land: pure functions over the holders :class:`~.layer.Layer`.

A loss enters at a node (a collective creditor such as ``bank-lenders``, or the outside
shareholders of a firm), is split first to the named holders of its legs, then by the
instrument's sector shares, and passes through intermediaries (funds, pensions, retirement
assets) until it reaches a terminal sector (banks, insurers, households, retirement accounts,
rest of the world, other). Every step is an edge of a flow table, so the chain can be drawn and
each number traced to its rows and sources. Money is conserved exactly: the terminal losses add
up to the losses that entered.

Conventions
-----------
* Debt losses are book losses: the part of principal or dues not paid (the engine's
  shortfall). Equity losses are market-value losses borne by outside shareholders (a firm's
  fall in market value less the part held by firms inside the network, which is counted in
  their own value).
* Shares are fractions of what is split; a split's weights are normalised to 1.
* Nothing here reads files: :func:`~.layer.layer` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from ..data.schema import HOUSEHOLD_SECTORS, RETIREMENT_SECTORS
from .layer import Layer

__all__ = ["FLOW_COLUMNS", "Loss", "allocate", "terminal"]

FLOW_COLUMNS = ["source_type", "source", "target_type", "target", "amount", "firm", "deals",
                "rows", "sources", "basis"]


@dataclass(frozen=True)
class Loss:
    """A loss entering the holders layer.

    ``firm`` caused it; ``node`` is the outside node that bears it first (a creditor id, or
    ``shareholders``); ``instrument`` is how the node holds the claim (its sector split
    applies), or ``sector`` when the loss goes straight to a sector (e.g. a named investor's
    stake). ``deals`` carry named holders; ``weights`` (same length) say how the loss divides
    over them (equal when empty).

    Examples
    --------
    >>> from dealloop.holders.layer import Layer, Split
    >>> lay = Layer({"bank_loan": (Split("banks", 1.0, "r1", "reported"),)})
    >>> loss = Loss("oracle", "bank-lenders", 2.0, instrument="bank_loan", deals=("D85",))
    >>> terminal(allocate([loss], lay))["amount"].to_dict()
    {'banks': 2.0}
    """

    firm: str
    node: str
    amount: float
    instrument: str | None = None
    sector: str | None = None
    holder: str | None = None
    deals: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()
    channel: str = "debt"


def _edge(rows: list[dict], st: str, s: str, tt: str, t: str, amount: float, firm: str,
          ids: Iterable[str] = (), sources: Iterable[str] = (), basis: str = "",
          deals: Iterable[str] = ()) -> None:
    if amount != 0.0:
        rows.append({"source_type": st, "source": s, "target_type": tt, "target": t,
                     "amount": amount, "firm": firm, "deals": ";".join(deals),
                     "rows": ";".join(ids), "sources": ";".join(dict.fromkeys(sources)),
                     "basis": basis})


def _pass(rows: list[dict], lay: Layer, kind: str, name: str, amount: float, firm: str,
          deals: tuple[str, ...] = (), depth: int = 0) -> None:
    """Split ``amount`` held by ``name`` over its holders, recursively, to terminals."""
    if depth > 20:  # pragma: no cover - the validator refuses loops
        raise ValueError(f"holders: split of {name!r} loops")
    splits = lay.splits.get(name)
    if not splits:
        if kind == "instrument":  # an instrument nobody split: say so, don't lose it
            _edge(rows, kind, name, "sector", "other", amount, firm, basis="no split",
                  deals=deals)
        return
    for sp in splits:
        part = amount * sp.share
        _edge(rows, kind, name, "sector", sp.sector, part, firm, (sp.row,), sp.sources, sp.basis,
              deals)
        _pass(rows, lay, "sector", sp.sector, part, firm, deals, depth + 1)


def allocate(losses: Sequence[Loss], lay: Layer) -> pd.DataFrame:
    """Route each loss through named holders, sector splits and pass-throughs.

    Returns the flow table (:data:`FLOW_COLUMNS`): one row per edge ``source -> target`` with
    its amount (USD bn), the firm whose loss it carries, the legs (``deals``) it comes from,
    the holders-layer rows and sources behind it. Terminal losses are the edges into sectors
    with no split of their own (:func:`terminal`).

    Examples
    --------
    >>> from dealloop.holders.layer import Layer, Split
    >>> lay = Layer({"bank_loan": (Split("banks", 0.75, "r1", "reported"),
    ...                            Split("other", 0.25, "r2", "reported"))})
    >>> flows = allocate([Loss("acme", "bank-lenders", 8.0, instrument="bank_loan")], lay)
    >>> terminal(flows)["amount"].to_dict()
    {'banks': 6.0, 'other': 2.0}
    """
    rows: list[dict] = []
    for loss in losses:
        if loss.amount == 0.0:
            continue
        d = loss.deals
        _edge(rows, "firm", loss.firm, "node", loss.node, loss.amount, loss.firm,
              basis=loss.channel, deals=d)
        rest = loss.amount
        if loss.deals:
            w = loss.weights or tuple(1.0 for _ in loss.deals)
            total = sum(w) or 1.0
            for deal, wd in zip(loss.deals, w, strict=True):
                for nh in lay.named.get(deal, ()):
                    part = loss.amount * (wd / total) * nh.share
                    rest -= part
                    _edge(rows, "node", loss.node, "holder", nh.holder, part, loss.firm,
                          (nh.row,), nh.sources, nh.basis, (deal,))
                    _edge(rows, "holder", nh.holder, "sector", nh.sector, part, loss.firm,
                          (nh.row,), nh.sources, nh.basis, (deal,))
                    _pass(rows, lay, "sector", nh.sector, part, loss.firm, (deal,))
        if loss.sector is not None:
            if loss.holder:
                _edge(rows, "node", loss.node, "holder", loss.holder, rest, loss.firm,
                      basis=loss.channel, deals=d)
                _edge(rows, "holder", loss.holder, "sector", loss.sector, rest, loss.firm,
                      basis=loss.channel, deals=d)
            else:
                _edge(rows, "node", loss.node, "sector", loss.sector, rest, loss.firm,
                      basis=loss.channel, deals=d)
            _pass(rows, lay, "sector", loss.sector, rest, loss.firm, d)
        else:
            inst = loss.instrument or "corporate_bond"
            _edge(rows, "node", loss.node, "instrument", inst, rest, loss.firm,
                  basis=loss.channel, deals=d)
            _pass(rows, lay, "instrument", inst, rest, loss.firm, d)
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)


def terminal(flows: pd.DataFrame) -> pd.DataFrame:
    """Loss per terminal sector (USD bn), with ``household`` and ``retirement`` flags.

    A sector is terminal when no edge leaves it.

    Examples
    --------
    >>> flows = pd.DataFrame([
    ...     {"source_type": "node", "source": "n", "target_type": "sector",
    ...      "target": "mutual_funds", "amount": 4.0},
    ...     {"source_type": "sector", "source": "mutual_funds", "target_type": "sector",
    ...      "target": "households_via_funds", "amount": 4.0}])
    >>> terminal(flows)["amount"].to_dict()
    {'households_via_funds': 4.0}
    """
    if flows.empty:
        frame = pd.DataFrame({"amount": pd.Series(dtype=float)},
                             index=pd.Index([], name="sector"))
    else:
        into = flows[flows["target_type"] == "sector"]
        leaving = set(flows.loc[flows["source_type"] == "sector", "source"])
        end = into[~into["target"].isin(leaving)]
        frame = end.groupby("target", sort=True)["amount"].sum().to_frame()
        frame.index.name = "sector"
    frame["household"] = [s in HOUSEHOLD_SECTORS for s in frame.index]
    frame["retirement"] = [s in RETIREMENT_SECTORS for s in frame.index]
    return frame
