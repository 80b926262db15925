"""Dataset summary: firms, legs, and totals that never add a dollar twice or count a guess.

Totals are given per deal kind in separate columns for each status (``committed``,
``reported``, ``conditional``) and as ``firm`` (committed + reported) and ``all`` (every live
leg). These headline columns count **cash flows** whose amount a source states: superseded
and cancelled legs are counted but never added; aggregate legs add only the remainder their
parts do not cover; undisclosed amounts are counted as legs and never enter a sum. Kept apart,
each in its own column: ``stock`` (amounts outstanding at a date, such as debt drawn) and
``non_cash`` (all-stock mergers, share swaps, warrants), both over every live leg with a
stated amount; ``estimate`` legs (a third party's estimate, as a low-high range; in a total
only with ``include_estimates``) and ``derived`` legs (amounts the dataset infers, evidence
C, as a range).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .network import DealNetwork
from .vocabulary import DEAL_KINDS, EVIDENCE, FIRM_STATUSES, LIVE_STATUSES, STATUSES

#: The rules behind every total, stated once (summary JSON, report and API repeat it).
RULES = ("firm = committed + reported; all = every live leg (adds conditional); headline "
         "columns count stated cash flows only; stocks (amounts outstanding) and non-cash legs "
         "(all-stock mergers, share swaps, warrants) are separate columns; superseded/cancelled "
         "never added; aggregates add only their remainder; undisclosed amounts are counted as "
         "legs, never as 0 or as a guess; estimated and derived legs are shown apart as "
         "low-high ranges and enter no other column unless estimates are included")


@dataclass(frozen=True)
class Summary:
    """What :func:`summarize` returns: headline counts and three tables.

    Examples
    --------
    >>> import dealloop as dl
    >>> s = summarize(dl.load())
    >>> list(s.totals.columns[:5])
    ['committed', 'reported', 'conditional', 'firm', 'all']
    >>> t = s.totals.loc["total"]
    >>> bool(abs(t["firm"] - t["committed"] - t["reported"]) < 1e-9)  # firm = committed + reported
    True
    >>> bool(abs(s.to_dict()["totals_usd_bn"]["total"]["firm"] - t["firm"]) < 1e-6)
    True
    """

    name: str
    version: str | None
    n_entities: int
    n_legs: int
    entities_by_kind: dict[str, int]
    legs_by_status: dict[str, int]
    totals: pd.DataFrame  # index: kind (+ "total"); columns: see module docstring
    evidence: pd.DataFrame  # index: A/B/C; legs, live legs, firm and all totals
    first_announced: str | None
    last_announced: str | None
    undisclosed_live: int
    include_estimates: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The counts and the three tables (kind x status, evidence, firms) as nested dicts;
        JSON-safe (what ``dealloop summary --json`` prints)."""
        def table(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
            return {str(k): {str(c): _num(v) for c, v in row.items()} for k, row in df.iterrows()}

        return {
            "dataset": self.name,
            "version": self.version,
            "entities": self.n_entities,
            "legs": self.n_legs,
            "entities_by_kind": self.entities_by_kind,
            "legs_by_status": self.legs_by_status,
            "announced": {"first": self.first_announced, "last": self.last_announced},
            "undisclosed_live_legs": self.undisclosed_live,
            "totals_usd_bn": table(self.totals),
            "evidence": table(self.evidence),
            "units": "USD bn",
            "include_estimates": self.include_estimates,
            "rules": RULES,
        }


def _num(v: Any) -> Any:
    if isinstance(v, float):
        return None if pd.isna(v) else round(v, 6)
    if hasattr(v, "item"):
        return v.item()
    return v


def summarize(net: DealNetwork, *, include_estimates: bool = False) -> Summary:
    """Summarise a network.

    Parameters
    ----------
    net : the dataset.
    include_estimates : count legs whose basis is ``estimate`` at their range midpoint in the
        headline columns (default ``False``: they are shown apart, as a range).

    Examples
    --------
    >>> import dealloop as dl
    >>> s = summarize(dl.load())
    >>> bool(s.totals.loc["total", "all"] >= s.totals.loc["total", "firm"])
    True
    >>> float(s.totals.loc["other", "non_cash"]) >= 250  # SpaceX's all-stock xAI takeover
    True
    """
    deals = net.deals
    live = net.legs(statuses=LIVE_STATUSES)
    cash = live["money"] == "cash_flow"
    counted_basis = ["reported", "estimate"] if include_estimates else ["reported"]
    counted = live[cash & live["basis"].isin(counted_basis)]
    estimated = live[live["basis"] == "estimate"]
    derived = live[live["basis"] == "derived"]
    stated = live[live["basis"].isin(counted_basis)]
    rows = {}
    for kind in [*DEAL_KINDS, "total"]:
        def pick(frame: pd.DataFrame, kind: str = kind) -> pd.DataFrame:
            return frame if kind == "total" else frame[frame["kind"] == kind]

        sub, dsub, esub, ssub = pick(counted), pick(derived), pick(estimated), pick(stated)
        if kind != "total" and sub.empty and dsub.empty and esub.empty and ssub.empty:
            continue
        row: dict[str, Any] = {s: sub.loc[sub["status"] == s, "value"].sum()
                               for s in ("committed", "reported", "conditional")}
        row["firm"] = sub.loc[sub["status"].isin(FIRM_STATUSES), "value"].sum()
        row["all"] = sub["value"].sum()
        row["legs"] = len(sub)
        row["undisclosed_legs"] = int(sub["value"].isna().sum())
        row["stock"] = ssub.loc[ssub["money"] == "stock", "value"].sum()
        row["non_cash"] = ssub.loc[ssub["money"] == "non_cash", "value"].sum()
        row["estimate_low"] = esub["value_low"].sum()
        row["estimate_high"] = esub["value_high"].sum()
        row["estimate_legs"] = len(esub)
        row["derived_low"] = dsub["value_low"].sum()
        row["derived_high"] = dsub["value_high"].sum()
        row["derived_legs"] = len(dsub)
        rows[kind] = row
    totals = pd.DataFrame.from_dict(rows, orient="index")
    ev_rows = {}
    for grade in EVIDENCE:
        sub = counted[counted["evidence"] == grade]
        ev_rows[grade] = {
            "legs": int((deals["evidence"] == grade).sum()),
            "live_legs": len(sub),
            "firm": sub.loc[sub["status"].isin(FIRM_STATUSES), "value"].sum(),
            "all": sub["value"].sum(),
        }
    announced = deals["announced"].dropna().astype(str).sort_values()
    return Summary(
        name=str(net.meta.get("name", "")),
        version=net.meta.get("version"),
        n_entities=len(net.entities),
        n_legs=len(deals),
        entities_by_kind={str(k): int(v) for k, v in net.entities["kind"].value_counts().items()},
        legs_by_status={s: int((deals["status"] == s).sum()) for s in STATUSES},
        totals=totals,
        evidence=pd.DataFrame.from_dict(ev_rows, orient="index"),
        first_announced=announced.iloc[0] if len(announced) else None,
        last_announced=announced.iloc[-1] if len(announced) else None,
        undisclosed_live=int(live["value"].isna().sum()),
        include_estimates=include_estimates,
    )
