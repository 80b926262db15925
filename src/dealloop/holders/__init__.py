"""Follow a stress run's losses to where they land: banks, insurers, pension funds, private
credit, households and their retirement accounts.

A post-processing step over an engine result::

    import dealloop as dl
    from dealloop import scenarios, holders
    net = dl.load()
    res = scenarios.run("openai-no-new-money", net)
    where = holders.follow(res, net)
    where.households["retirement"], where.banks

The layer (who holds what, with sources) is data: :func:`~.layer.layer` reads it from the
dataset, a scenario's ``holders:`` block changes it (:func:`~.layer.override`). The method
and its assumptions are in :data:`~.results.METHOD`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .allocate import FLOW_COLUMNS, Loss, allocate, terminal
from .layer import (
    CAPITAL_NAMES,
    CAPITAL_STALE_AFTER_DAYS,
    SECTOR_LINES,
    Bank,
    Layer,
    Named,
    SectorCapital,
    SectorLine,
    Split,
    data_basis,
    layer,
    line,
    override,
    stale_dates,
)

__all__ = ["FLOW_COLUMNS", "SECTOR_LINES", "Bank", "HoldersResult", "Layer", "Loss", "Named",
           "SectorCapital", "SectorLine", "Split", "allocate", "bank_capital",
           "banking_sector", "capital_text", "capitals", "follow", "layer", "line_losses",
           "override", "result_dict", "sector_line", "sector_lines", "summarize", "terminal"]


def __getattr__(name: str) -> Any:
    if name == "HoldersResult":
        from .results import HoldersResult

        return HoldersResult
    raise AttributeError(name)


def bank_capital(flows: Any, lay: Layer) -> Any:
    """Loss against capital per named bank, and the bank loss no capital figure covers.

    A bank's loss is the sum of the flows into it as a named holder; its CET1 after the loss
    is ``cet1 - loss`` and its ratio ``(cet1 - loss) / rwa`` (risk-weighted assets held
    fixed, a conservative simplification); ``below_min`` flags a ratio under the requirement;
    ``stale`` says when the bank's capital figure is older than the others'
    (:func:`~.layer.stale_dates`; empty otherwise).

    Examples
    --------
    >>> import pandas as pd
    >>> lay = Layer({}, banks={"b": Bank("b", "B", 0.12, 100.0, 0.10, "2025")})
    >>> flows = pd.DataFrame([{"source_type": "node", "source": "bank-lenders",
    ...     "target_type": "holder", "target": "b", "amount": 3.0},
    ...     {"source_type": "holder", "source": "b", "target_type": "sector",
    ...      "target": "banks", "amount": 3.0}])
    >>> r = bank_capital(flows, lay).loc["b"]
    >>> round(float(r["cet1_after"]), 6), round(float(r["ratio_after"]), 6), bool(r["below_min"])
    (9.0, 0.09, True)
    """
    import pandas as pd

    to_holder = flows[(flows["target_type"] == "holder")] if len(flows) else flows
    into_banks = flows[(flows["target_type"] == "sector") & (flows["target"] == "banks")] \
        if len(flows) else flows
    bank_total = float(into_banks["amount"].sum()) if len(into_banks) else 0.0
    from .layer import stale_dates

    rows = {}
    covered = 0.0
    stale = stale_dates({bid: b.as_of for bid, b in lay.banks.items()}, what="bank's")
    for bid, b in lay.banks.items():
        loss = float(to_holder.loc[to_holder["target"] == bid, "amount"].sum()) \
            if len(to_holder) else 0.0
        covered += loss
        after = b.cet1 - loss
        ratio_after = after / b.rwa if b.rwa > 0 else float("nan")
        rows[bid] = {"name": b.name, "loss": loss, "cet1": b.cet1, "cet1_after": after,
                     "ratio": b.cet1_ratio, "ratio_after": ratio_after,
                     "min_ratio": b.min_ratio, "headroom": b.headroom,
                     "loss_share_of_headroom": loss / b.headroom if b.headroom > 0
                     else float("nan"),
                     "below_min": bool(ratio_after < b.min_ratio), "as_of": b.as_of,
                     "stale": stale.get(bid, ""), "sources": ";".join(b.sources)}
    rows["banks (unnamed)"] = {"name": "banks without a capital figure",
                               "loss": bank_total - covered, "cet1": float("nan"),
                               "cet1_after": float("nan"), "ratio": float("nan"),
                               "ratio_after": float("nan"), "min_ratio": float("nan"),
                               "headroom": float("nan"), "loss_share_of_headroom": float("nan"),
                               "below_min": False, "as_of": "", "stale": "", "sources": ""}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "bank"
    return frame


def line_losses(flows: Any) -> dict[str, float]:
    """The loss of each sector line (:data:`~.layer.SECTOR_LINES`, by name) in a flow table.

    A line's loss is the sum of the edges into its targets (``SectorLine.into``): banks and
    insurers take what ends in their sector (named holders included); private-credit funds
    the loss on the ``private_credit`` instrument, before their investors bear it, plus what
    named private-credit funds take. An edge from one of a line's targets to another is
    counted once.

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame([
    ...     {"source_type": "node", "source": "n", "target_type": "instrument",
    ...      "target": "private_credit", "amount": 10.0},
    ...     {"source_type": "instrument", "source": "private_credit", "target_type": "sector",
    ...      "target": "insurers", "amount": 1.0},
    ...     {"source_type": "instrument", "source": "private_credit", "target_type": "sector",
    ...      "target": "pension_funds", "amount": 9.0}])
    >>> line_losses(flows)
    {'banks': 0.0, 'insurers': 1.0, 'private_credit': 10.0}
    """
    if not len(flows):
        return {x.name: 0.0 for x in SECTOR_LINES}
    edges = list(zip(zip(flows["target_type"], flows["target"], strict=True),
                     zip(flows["source_type"], flows["source"], strict=True),
                     flows["amount"].to_numpy(float), strict=True))
    out = {}
    for x in SECTOR_LINES:
        into = set(x.into)
        out[x.name] = float(sum(a for t, s, a in edges if t in into and s not in into))
    return out


def sector_line(flows: Any, lay: Layer, name: str = "banks",
                loss: float | None = None) -> dict[str, Any]:
    """One sector line: the loss that lands on a holder sector against that sector's capital.

    Returns ``line``, ``label``, ``loss`` (USD bn, :func:`line_losses`, or ``loss`` when
    given), ``capital``, ``share`` (loss / capital), ``metric``, ``capital_name`` (the metric
    in words), ``as_of``, ``stale`` (why the figure is older than the other sector lines',
    :func:`~.layer.stale_dates` over a year apart; empty otherwise), ``row``, ``sources``
    and ``no_data``: None when the layer has the sector's capital, else the reason (then
    ``capital`` and ``share`` are None, never 0).

    Examples
    --------
    >>> import pandas as pd
    >>> lay = Layer({}, capitals={"insurers": SectorCapital(
    ...     "us_insurers_capital_surplus", 1600.0, "2024-12-31", "H9", ("s",))})
    >>> flows = pd.DataFrame([{"source_type": "instrument", "source": "corporate_bond",
    ...     "target_type": "sector", "target": "insurers", "amount": 4.0}])
    >>> i = sector_line(flows, lay, "insurers")
    >>> i["loss"], i["share"], i["no_data"]
    (4.0, 0.0025, None)
    >>> p = sector_line(flows, lay, "private_credit")
    >>> p["share"] is None, p["no_data"].startswith("no private-credit fund capital")
    (True, True)
    """
    x = line(name)
    value = line_losses(flows)[name] if loss is None else float(loss)
    out: dict[str, Any] = {"line": x.name, "label": x.label, "loss": value}
    cap = lay.capitals.get(name)
    if cap is None:
        return {**out, "capital": None, "share": None, "metric": None, "capital_name": None,
                "as_of": None, "stale": "", "row": None, "sources": [], "no_data": x.missing}
    stale = stale_dates({k: c.as_of for k, c in lay.capitals.items()},
                        CAPITAL_STALE_AFTER_DAYS, "sector's").get(name, "")
    return {**out, "capital": cap.value, "share": value / cap.value, "metric": cap.metric,
            "capital_name": CAPITAL_NAMES.get(cap.metric, cap.metric.replace("_", " ")),
            "as_of": cap.as_of, "stale": stale, "row": cap.row, "sources": list(cap.sources),
            "no_data": None}


def sector_lines(flows: Any, lay: Layer) -> dict[str, dict[str, Any]]:
    """Every sector line (:func:`sector_line`), by name, in :data:`~.layer.SECTOR_LINES`
    order.

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame([{"source_type": "instrument", "source": "bank_loan",
    ...     "target_type": "sector", "target": "banks", "amount": 5.0}])
    >>> {k: v["loss"] for k, v in sector_lines(flows, Layer({})).items()}
    {'banks': 5.0, 'insurers': 0.0, 'private_credit': 0.0}
    """
    losses = line_losses(flows)
    return {x.name: sector_line(flows, lay, x.name, losses[x.name]) for x in SECTOR_LINES}


def capitals(lay: Layer, as_of: Any = None) -> dict[str, dict[str, Any]]:
    """The capital behind each sector line, by name (:func:`sector_line` without a loss):
    ``label``, ``capital``, ``capital_name``, ``metric``, ``as_of``, ``stale``, ``row``,
    ``sources`` and ``no_data`` (the reason where the data has no figure; ``capital`` is then
    None).

    ``as_of`` (an ISO date string or a date) reads them as known then: a figure dated after
    it is NO DATA too, with that reason.

    Examples
    --------
    >>> import dealloop as dl
    >>> caps = capitals(layer(dl.load()))
    >>> caps["insurers"]["capital"], caps["insurers"]["row"]
    (1595.3, 'H992')
    >>> capitals(Layer({}))["banks"]["capital"] is None
    True
    >>> capitals(layer(dl.load()), "2025-03-31")["banks"]["no_data"]
    'the figure (H943) is dated 2025-06-30, after 2025-03-31'
    """
    keep = ("line", "label", "capital", "capital_name", "metric", "as_of", "stale", "row",
            "sources", "no_data")
    out = {x.name: {k: v for k, v in sector_line(None, lay, x.name, 0.0).items() if k in keep}
           for x in SECTOR_LINES}
    day = "" if as_of is None else str(getattr(as_of, "isoformat", lambda: as_of)())
    for x in out.values():
        if day and x["capital"] is not None and str(x["as_of"] or "") > day:
            x.update(capital=None, stale="", no_data=f"the figure ({x['row']}) is dated "
                                                     f"{x['as_of']}, after {day}")
    # older than the others among the figures known then
    stale = stale_dates({k: x["as_of"] for k, x in out.items() if x["capital"] is not None},
                        CAPITAL_STALE_AFTER_DAYS, "sector's")
    for k, x in out.items():
        x["stale"] = stale.get(k, "")
    return out


def capital_text(x: Mapping[str, Any]) -> str:
    """One entry of :func:`capitals` in words, NO DATA with the reason where there is no
    figure.

    Examples
    --------
    >>> capital_text({"label": "Insurers", "capital": 1595.3, "capital_name": "their capital",
    ...               "as_of": "2024-12-31", "row": "H992", "no_data": None})
    'Insurers: 1,595 bn (their capital, 2024-12-31, H992)'
    >>> capital_text({"label": "Insurers", "capital": None, "no_data": "not in the data"})
    'Insurers: NO DATA (not in the data)'

    A figure older than the others says so (``stale``, see :func:`capitals`):

    >>> capital_text({"label": "Funds", "capital": 990.0, "capital_name": "their capital",
    ...               "as_of": "2021-12-31", "row": "H993", "no_data": None,
    ...               "stale": "at 2021-12-31, 42 months before the newest"})
    'Funds: 990 bn (their capital, at 2021-12-31, 42 months before the newest, H993)'
    """
    if x.get("capital") is None:
        return f"{x['label']}: NO DATA ({x.get('no_data') or 'no capital figure in the data'})"
    return (f"{x['label']}: {x['capital']:,.0f} bn ({x['capital_name']}, "
            f"{x.get('stale') or x['as_of']}, {x['row']})")


def banking_sector(flows: Any, lay: Layer) -> dict[str, Any]:
    """The banking-sector line: everything that lands on banks (named or not) against the
    whole US banking sector's capital (the layer's ``sector_capital``);
    :func:`sector_line` for ``banks``.

    ``capital`` and ``share`` are None without a capital figure (``no_data`` says why). The
    capital is of US banks while the loss also falls on foreign lenders, so the share
    overstates the hit to US banks when foreign banks take part of it.

    Examples
    --------
    >>> import pandas as pd
    >>> lay = Layer({}, sector_capital=SectorCapital("m", 2000.0, "2025-06-30", "H1", ("s",)))
    >>> flows = pd.DataFrame([{"source_type": "instrument", "source": "bank_loan",
    ...     "target_type": "sector", "target": "banks", "amount": 5.0}])
    >>> b = banking_sector(flows, lay)
    >>> b["loss"], b["share"]
    (5.0, 0.0025)
    """
    return sector_line(flows, lay, "banks")


def summarize(flows: Any, lay: Layer, notes: Sequence[str] = ()) -> Any:
    """Build a :class:`~.results.HoldersResult` from a flow table.

    Examples
    --------
    >>> lay = Layer({"listed_equity": (Split("retirement_ira", 0.5, "r", "reported"),
    ...                                Split("rest_of_world", 0.5, "q", "reported"))},
    ...             households=4e6, retirement_assets={"retirement_ira": 100.0})
    >>> flows = allocate([Loss("acme", "shareholders", 2.0, instrument="listed_equity")], lay)
    >>> h = summarize(flows, lay).households
    >>> h["total"], h["share_of_retirement"], h["per_household"]
    (1.0, 0.01, 250.0)
    """
    import pandas as pd

    from .results import HoldersResult

    sectors = terminal(flows)
    assets = dict(lay.retirement_assets)
    sectors["assets"] = [assets.get(s, float("nan")) for s in sectors.index]
    sectors["share_of_assets"] = sectors["amount"] / sectors["assets"]
    amt = sectors["amount"]

    def get(s: str) -> float:
        return float(amt.get(s, 0.0))

    total = float(amt[sectors["household"]].sum()) if len(amt) else 0.0
    ret = float(amt[sectors["retirement"]].sum()) if len(amt) else 0.0
    ret_assets = sum(assets.values())
    entered = float(flows.loc[flows["source_type"] == "firm", "amount"].sum()) \
        if len(flows) else 0.0
    hh: dict[str, Any] = {
        "entered": entered, "total": total, "retirement": ret,
        "ira": get("retirement_ira"), "dc": get("retirement_dc"), "db": get("retirement_db"),
        "annuities": get("annuities"), "direct": get("households"),
        "via_funds": get("households_via_funds"), "retirement_assets": ret_assets,
        "share_of_retirement": ret / ret_assets if ret_assets > 0 else float("nan"),
        "households": lay.households,
        "per_household": total * 1e9 / lay.households if lay.households else None,
    }
    named = flows[flows["source_type"] == "holder"] if len(flows) else flows
    named_frame = (named.groupby(["source", "target"], sort=False)["amount"].sum()
                   .reset_index().rename(columns={"source": "holder", "target": "sector"})
                   if len(named) else pd.DataFrame(columns=["holder", "sector", "amount"]))
    srcs: dict[str, tuple[str, ...]] = {"households": tuple(lay.household_sources)}
    for split_name, rows in lay.splits.items():
        srcs[split_name] = tuple(dict.fromkeys(s for r in rows for s in r.sources))
    return HoldersResult(flows=flows, sectors=sectors, households=hh,
                         banks=bank_capital(flows, lay), named=named_frame,
                         notes=tuple(notes), sources=srcs, capital=sector_lines(flows, lay),
                         basis=tuple(data_basis(lay)))


def follow(result: Any, net: Any, changes: Mapping[str, Any] | None = None,
           lay: Layer | None = None) -> Any:
    """Where the losses of a stress run land (a :class:`~.results.HoldersResult`).

    Parameters
    ----------
    result
        A :class:`~dealloop.scenarios.results.StressResult`.
    net
        The network it ran on (its holders layer and legs).
    changes
        A scenario's ``holders:`` block (see :func:`~.layer.override`); by default the
        result's scenario block when it carries one.
    lay
        A ready layer (default: read from ``net``).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import scenarios
    >>> net = dl.load()
    >>> res = scenarios.run("coreweave-default", net, band=False)
    >>> where = follow(res, net)
    >>> entered = where.households["entered"]
    >>> bool(abs(where.sectors["amount"].sum() - entered) < 1e-9)
    True
    """
    from .exposures import losses, sponsor_notes

    base = lay if lay is not None else layer(net)
    base = override(base, changes)
    flows = allocate(losses(result, net, base), base)
    return summarize(flows, base, sponsor_notes(result, net=net))


def result_dict(result: Any, net: Any, scenario: Any = None) -> dict[str, Any]:
    """A stress result's ``to_dict()`` with ``holders`` (where its losses land) added: the
    one JSON shape the CLI, the report and the dashboard share.

    ``scenario`` (a :class:`~dealloop.scenarios.spec.Scenario`) supplies its ``holders:``
    block; without it the dataset's shares apply. The comparison with history sets US
    households' loss against their 2000 loss
    (:func:`dealloop.scenarios.compare.with_households`).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop import holders, scenarios
    >>> net = dl.load()
    >>> d = holders.result_dict(scenarios.run("coreweave-default", net, band=False), net)
    >>> "holders" in d
    True
    """
    from dataclasses import replace

    from ..scenarios.compare import with_households

    spec = getattr(scenario, "holders", None)
    changes = spec.model_dump() if spec is not None else None
    where = follow(result, net, changes)
    if getattr(result, "comparison", None) is not None:
        result = replace(result, comparison=with_households(result.comparison,
                                                           where.households))
    return {**result.to_dict(), "holders": where.to_dict()}
