"""Early-warning signals per firm: market and network indicators with traffic lights.

Each indicator's formula and thresholds live in the signals config
(:mod:`dealloop.markets.config`, shipped as ``signals.yaml``). Market indicators come from the
dataset's ``market.csv`` (:mod:`dealloop.prices.quotes`); network indicators reuse the
circularity measures (:func:`~dealloop.circularity.customer_concentration`,
:func:`~dealloop.circularity.commitment_coverage`,
:func:`~dealloop.circularity.self_financed_revenue`) on the legs announced by the as-of date,
over the window after it. A missing input gives ``n/a``, never a green light.

Entities' headline figures (revenue, cash) are the dataset's latest, whatever the as-of date:
the dataset holds one balance sheet per firm, so an as-of view moves the legs and the quotes,
not the accounts.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from ..data.read import parse_date, split_refs
from ..prices.implied import default_probability
from ..prices.quotes import (
    as_of_date,
    equity_series,
    implied_pds,
    on_or_before,
    quotes,
    spread_series,
    value_as_of,
)
from ..result import Result
from ..vocabulary import DAYS_PER_YEAR, DEBT_KINDS, FIRM_STATUSES, month_ends
from .config import INDICATORS, SignalsConfig, load_config
from .revenue import (
    NO_REVENUE,
    OVER,
    Revenue,
    customer_shares,
    purchases,
    revenues_as_of,
    supplier_dependence,
    top_customer,
)
from .revenue import (
    finite_float as _f,
)
from .revenue import (
    months_after as _months_after,
)
from .revenue import (
    months_before as _months_before,
)

__all__ = ["LABELS", "Signals", "firms_to_watch", "signal_history", "signals",
           "signals_bundle"]

#: Plain-text label of each light, so a table read without colour says the same.
LABELS = {"red": "ALERT", "amber": "WATCH", "green": "OK", "n/a": "NO DATA"}
_MARKET = ("spread_widening_3m", "spread_widening_6m", "implied_pd_1y", "equity_drawdown")


def _clean(obj: Any) -> Any:
    """JSON-safe: NaN and infinities become None, numpy scalars plain numbers."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@dataclass(frozen=True, eq=False, repr=False)
class Signals(Result):
    """Indicators of every watched firm as of one date.

    ``values`` (firm × indicator, NaN when unknown), ``details`` (per firm and indicator: the
    inputs, dates and source ids behind the value), ``implied`` (the default probabilities
    implied by each quoted firm's latest spread, :func:`~dealloop.markets.implied_pds`),
    ``config`` and ``as_of``.

    Examples
    --------
    >>> import dealloop as dl
    >>> sig = signals(dl.load(), as_of="2026-01-31")
    >>> bool(sig.lights().loc["oracle"].isin(["red", "amber", "green", "n/a"]).all())
    True
    >>> sig.headline().startswith("As of 2026-01-31")
    True
    >>> list(sig.light_counts().columns)
    ['red', 'amber', 'green', 'n/a']
    >>> set(sig.crossed()["label"]) <= {"ALERT", "WATCH"}
    True
    """

    as_of: dt.date
    config: SignalsConfig
    values: pd.DataFrame
    details: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    implied: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Why this date: "the latest market quote in the data" when no date was asked for.
    as_of_basis: str = ""

    def lights(self) -> pd.DataFrame:
        """Firm × indicator: ``red``, ``amber``, ``green`` or ``n/a``."""
        return pd.DataFrame({name: [self.config.indicator(name).light(_f(v))
                                    for v in self.values[name]]
                             for name in INDICATORS}, index=self.values.index)

    def crossed(self) -> pd.DataFrame:
        """One row per threshold crossed: ``firm``, ``indicator``, ``value``, ``light``,
        ``label`` (ALERT/WATCH), ``threshold``, ``worse`` (higher/lower) and ``basis`` (what
        the value is a share of and over which period, where the indicator states one, else
        None); reds first."""
        lights = self.lights()
        rows = []
        for firm in lights.index:
            for name in INDICATORS:
                light = str(lights.at[firm, name])
                if light not in ("red", "amber"):
                    continue
                ind = self.config.indicator(name)
                rows.append({"firm": firm, "indicator": name, "value": self.values.at[firm, name],
                             "light": light, "label": LABELS[light],
                             "threshold": ind.red if light == "red" else ind.amber,
                             "worse": ind.worse,
                             "basis": self.details.get(firm, {}).get(name, {}).get("basis")})
        frame = pd.DataFrame(rows, columns=["firm", "indicator", "value", "light", "label",
                                            "threshold", "worse", "basis"])
        order = frame["light"].map({"red": 0, "amber": 1})
        return frame.assign(_o=order).sort_values(["_o", "firm"], kind="stable") \
            .drop(columns="_o").reset_index(drop=True)

    def summary(self) -> str:
        """The headline, then one line per threshold crossed (alerts first)."""
        rows = []
        for r in self.crossed().itertuples(index=False):
            v = _f(r.value)
            rows.append(f"  {r.label} {r.firm}: {r.indicator} "
                        + ("n/a" if v is None else f"{v:.4g}"))
        return "\n".join([self.headline(), *rows])

    def light_counts(self) -> pd.DataFrame:
        """Per firm: counts of ``red``, ``amber``, ``green`` and ``n/a`` lights, worst first."""
        lights = self.lights()
        out = pd.DataFrame({k: (lights == k).sum(axis=1) for k in ("red", "amber", "green",
                                                                    "n/a")})
        return out.sort_values(["red", "amber"], ascending=False, kind="stable")

    def has_data(self) -> bool:
        """Whether any watched firm has a figure for any indicator as of the date (without
        one, "no threshold crossed" would read as "no alert").

        Examples
        --------
        >>> import dealloop as dl
        >>> signals(dl.load(), as_of="2020-01-01").has_data()
        False
        >>> signals(dl.load(), as_of="2025-12-31", firms=["coreweave"]).has_data()
        True
        """
        return bool((self.lights() != "n/a").to_numpy().any())

    def headline(self) -> str:
        """One sentence: how many firms show an alert or a watch, and the worst ones."""
        s = self.light_counts()
        reds = s[s["red"] > 0]
        ambers = s[(s["red"] == 0) & (s["amber"] > 0)]
        worst = ", ".join(f"{f} ({int(n)})" for f, n in reds["red"].head(5).items())
        basis = f" ({self.as_of_basis})" if self.as_of_basis else ""
        if len(s) and not self.has_data():
            return (f"As of {self.as_of.isoformat()}{basis}: NO DATA - none of the {len(s)} "
                    "watched firms has a figure for any indicator yet, so no light can be "
                    "read (not: no alert).")
        text = (f"As of {self.as_of.isoformat()}{basis}: {len(reds)} of {len(s)} firms show "
                f"at least one ALERT, {len(ambers)} more a WATCH")
        return text + (f"; most alerts: {worst}." if worst else ".")

    def to_frame(self) -> pd.DataFrame:
        """Values and lights side by side: ``<indicator>`` and ``<indicator>_light``."""
        lights = self.lights().add_suffix("_light")
        cols = [c for name in INDICATORS for c in (name, f"{name}_light")]
        return pd.concat([self.values, lights], axis=1)[cols]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable: ``as_of``, ``config`` (thresholds and formulas), ``headline``,
        ``firms`` (value, light, label and inputs of each indicator) and ``crossed``."""
        lights = self.lights()
        firms = []
        for firm in self.values.index:
            inds = {}
            for name in INDICATORS:
                light = str(lights.at[firm, name])
                inds[name] = {"value": _f(self.values.at[firm, name]), "light": light,
                              "label": LABELS[light],
                              **self.details.get(firm, {}).get(name, {})}
            firms.append({"firm": firm, "indicators": inds})
        crossed = self.crossed()
        return _clean({
            "as_of": self.as_of.isoformat(), "as_of_basis": self.as_of_basis or None,
            "headline": self.headline(),
            "config": {"source": self.config.source, "recovery": self.config.recovery,
                       "pd_horizon_years": self.config.pd_horizon_years,
                       "max_age_days": self.config.max_age_days,
                       "window_months": self.config.window_months,
                       "drawdown_min_span_days": self.config.drawdown_min_span_days,
                       "figure_max_age_months": self.config.figure_max_age_months,
                       "indicators": {n: self.config.indicator(n).model_dump()
                                      for n in INDICATORS}},
            "firms": firms,
            "crossed": [{k: (_f(v) if k in ("value", "threshold") else v)
                         for k, v in r.items()} for r in crossed.to_dict("records")],
            "implied": [{"firm": f, **{k: (_f(v) if isinstance(v, float) else v)
                                       for k, v in row.items()}}
                        for f, row in self.implied.iterrows()],
        })


def firms_to_watch(net: Any) -> list[str]:
    """Listed firms and every firm with a market quote, in dataset order.

    Examples
    --------
    >>> import dealloop as dl
    >>> watch = firms_to_watch(dl.load())
    >>> "coreweave" in watch and "oracle" in watch
    True
    """
    q = quotes(net)
    quoted = set(q["entity"])
    ent = net.entities
    listed = ent["listed"].fillna(False).astype(bool) if "listed" in ent else False
    keep = ent["id"].isin(quoted) | listed
    return [str(x) for x in ent.loc[keep, "id"]]


def _as_of_network(net: Any, day: dt.date) -> Any:
    """The network with only the legs announced on or before ``day`` (undated legs kept)."""
    from ..network import DealNetwork

    ann = net.deals["announced"]
    keep = pd.Series([not isinstance(a, str) or parse_date(a) <= day for a in ann],
                     index=ann.index, dtype=bool)
    if keep.all():
        return net
    return DealNetwork(net.entities, net.deals.loc[keep].reset_index(drop=True), net.sources,
                       net.figures, net.history, provenance=net.provenance,
                       tables=getattr(net, "tables", None), path=net.path, meta=net.meta)


def _in_network_share(rv: Revenue | None, received: dict[str, float]
                      ) -> tuple[float | None, dict]:
    """A firm's in-network revenue share and its detail: what network firms paid it over the
    period of its reported revenue ``rv`` (``received``: payer -> amount), divided by that
    revenue; ``None`` with a note when it reports no revenue or the purchases exceed it."""
    if rv is None:
        return None, {"note": NO_REVENUE}
    inn = float(sum(received.values()))
    detail: dict = {"in_network_revenue": inn, **rv.details()}
    if inn <= rv.value:
        return inn / rv.value, detail
    detail["note"] = OVER.format(amount=inn, rv=rv)
    return None, detail


def _payment_coverage(pay: float | None, csh: float | None, rev: float | None, years: float,
                      window: tuple[dt.date, dt.date], figures: list[str]
                      ) -> tuple[float | None, dict]:
    """A firm's payment coverage and its detail: cash plus revenue over the window
    (``years`` long) against the contract payments it owes in it (``pay``); ``None`` with
    nothing due, or with neither cash nor revenue reported."""
    value = None
    if pay and pay > 0 and (rev is not None or csh is not None):
        value = ((csh or 0.0) + (rev or 0.0) * years) / pay
    return value, {"payments_due": pay, "cash": csh, "revenue": rev,
                   "window": [window[0].isoformat(), window[1].isoformat()],
                   "figures": figures,
                   "note": None if pay else "no contract payments due in the window"}


def _debt_due_to_cash(mine_due: pd.DataFrame, csh: float | None
                      ) -> tuple[float | None, dict]:
    """A firm's debt due in the window (its debt legs ``mine_due``) over its cash, and the
    detail; ``None`` without cash reported (or with none)."""
    total = float(mine_due["value"].sum())
    return total / csh if csh else None, {
        "debt_due": total, "cash": csh, "legs": [str(x) for x in mine_due["id"]],
        "note": "principal of debt legs with a reported end in the window; legs with no end "
                "are not counted"}


def _network_indicators(net: Any, firms: list[str], day: dt.date, cfg: SignalsConfig
                        ) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, dict]]]:
    from ..circularity import commitment_coverage, self_financed_revenue

    sub = _as_of_network(net, day)
    start = day + dt.timedelta(days=1)
    end = _months_after(day, cfg.window_months)
    window = (start, end)
    years = ((end - start).days + 1) / DAYS_PER_YEAR
    cov = commitment_coverage(sub, horizon=window, horizon_years=years).to_frame()
    sf = self_financed_revenue(sub, horizon=window)
    sff = sf.to_frame()
    ent = sub.entities.set_index("id")
    revenue = pd.to_numeric(ent["revenue_usd_bn"], errors="coerce")
    cash = pd.to_numeric(ent["cash_usd_bn"], errors="coerce")
    prov = getattr(sub, "provenance", None)
    prov = prov.set_axis(sub.entities["id"]) if prov is not None else None

    def figure(firm: str, col: str) -> str | None:
        if prov is None or col not in prov:
            return None
        v = prov.at[firm, col]
        return v if isinstance(v, str) else None

    legs = sub.legs(statuses=FIRM_STATUSES, horizon=window)
    revenues = revenues_as_of(sub, day)
    shares = customer_shares(sub, day, cfg)
    cache: dict[tuple[dt.date, dt.date], dict[str, dict[str, float]]] = {}

    def period_flows(rv: Revenue | None) -> dict[str, dict[str, float]]:
        """Payee -> payer -> in-network purchases over the revenue's period."""
        if rv is None:
            return {}
        key = (rv.start, rv.end)
        if key not in cache:
            cache[key] = purchases(sub, key)
        return cache[key]

    debt = legs[legs["kind"].isin(DEBT_KINDS) & legs["value"].notna()]
    due = debt.loc[pd.Series([isinstance(e, str) and start <= parse_date(e, end=True) <= end
                              for e in debt["end"]], index=debt.index, dtype=bool)]
    values: dict[str, dict[str, float]] = {}
    details: dict[str, dict[str, dict]] = {}
    for firm in firms:
        v: dict[str, float] = {}
        d: dict[str, dict] = {}
        rev, csh = _f(revenue.get(firm)), _f(cash.get(firm))
        pay = _f(cov.at[firm, "commitments"]) if firm in cov.index else None
        v_pay, d["payment_coverage"] = _payment_coverage(
            pay, csh, rev, years, window,
            [x for x in (figure(firm, "cash_usd_bn"), figure(firm, "revenue_usd_bn")) if x])
        if v_pay is not None:
            v["payment_coverage"] = v_pay
        rv = revenues.get(firm)
        received = period_flows(rv).get(firm, {}) if rv else {}
        v_top, d["top_customer_share"] = top_customer(rv, received, shares.get(firm), cfg)
        if v_top is not None:
            v["top_customer_share"] = v_top
        v_in, d["in_network_revenue_share"] = _in_network_share(rv, received)
        if v_in is not None:
            v["in_network_revenue_share"] = v_in
        if firm in sff.index:
            v["self_financed_share"] = cast(float, sff.at[firm, "share"])
            d["self_financed_share"] = {"self_financed": _f(sff.at[firm, "self_financed"]),
                                        "top_payer": sff.at[firm, "top_payer"]}
        v_sup, d_sup = supplier_dependence(firm, revenues, period_flows)
        if v_sup is not None:
            v["supplier_dependence"] = v_sup
        if d_sup:
            d["supplier_dependence"] = d_sup
        v_due, d["debt_due_to_cash"] = _debt_due_to_cash(due[due["payee"] == firm], csh)
        if v_due is not None:
            v["debt_due_to_cash"] = v_due
        values[firm] = v
        details[firm] = d
    return values, details


def _market_indicators(net: Any, q: pd.DataFrame, firm: str, day: dt.date, cfg: SignalsConfig
                       ) -> tuple[dict[str, float], dict[str, dict]]:
    v: dict[str, float] = {}
    d: dict[str, dict] = {}
    age = cfg.max_age_days
    s = spread_series(q, firm)
    now = value_as_of(s, day, max_age_days=age)
    if now is not None:
        bp = float(now["value"])
        v["implied_pd_1y"] = default_probability(bp, recovery=cfg.recovery, horizon=1.0)
        d["implied_pd_1y"] = {
            "spread_bp": bp, "date": now["date"], "instrument": s["instrument"].iloc[0],
            "recovery": cfg.recovery, "sources": split_refs(now["sources"]),
            "pd_horizon": default_probability(bp, recovery=cfg.recovery,
                                              horizon=cfg.pd_horizon_years),
            "horizon_years": cfg.pd_horizon_years}
    for months, name in ((3, "spread_widening_3m"), (6, "spread_widening_6m")):
        then = value_as_of(s, _months_before(day, months), max_age_days=age)
        if now is not None and then is not None:
            v[name] = float(now["value"]) - float(then["value"])
            d[name] = {"from": float(then["value"]), "from_date": then["date"],
                       "to": float(now["value"]), "to_date": now["date"],
                       "sources": sorted(set(split_refs(then["sources"]))
                                         | set(split_refs(now["sources"])))}
    eq = equity_series(q, net, firm, day, max_age_days=age)
    eq = eq.loc[on_or_before(eq["day"], day)]
    last = value_as_of(eq, day, max_age_days=age)
    span = (day - eq["day"].iloc[0]).days if len(eq) else 0
    if last is not None and len(eq) >= 2 and span >= cfg.drawdown_min_span_days:
        peak = eq.loc[eq["value"] == eq["value"].max()].iloc[0]  # the first row at the peak
        v["equity_drawdown"] = 1.0 - float(last["value"]) / float(peak["value"])
        d["equity_drawdown"] = {"instrument": eq["instrument"].iloc[0],
                                "latest": float(last["value"]), "latest_date": last["date"],
                                "peak": float(peak["value"]), "peak_date": peak["date"],
                                "sources": sorted(set(split_refs(last["sources"]))
                                                  | set(split_refs(peak["sources"])))}
    return v, d


def _known_then(net: Any, as_of: str | dt.date | None) -> Any:
    """``net`` as known on ``as_of`` (itself without a date, or when already cut there)."""
    if as_of is None:
        return net
    day = as_of_date(net, as_of)
    return net if str(net.meta.get("as_of")) == day.isoformat() else net.as_of(day)


def signals(net: Any, *, as_of: str | dt.date | None = None, firms: list[str] | None = None,
            config: SignalsConfig | None = None) -> Signals:
    """Every indicator of every watched firm as of a date.

    Parameters
    ----------
    net : DealNetwork
    as_of : date or ``YYYY[-MM[-DD]]``, optional
        Default: the day of the latest market quote. Given, the network is read as it was
        known that day (:meth:`~dealloop.network.DealNetwork.as_of`): no figure, quote or
        leg dated later enters the lights, as in ``dealloop signals --as-of`` and the API.
    firms : list of str, optional
        Default: :func:`firms_to_watch` (listed firms and firms with quotes).
    config : SignalsConfig, optional
        Default: the shipped ``signals.yaml``.

    Examples
    --------
    >>> import dealloop as dl
    >>> s = signals(dl.load(), as_of="2025-12-31", firms=["coreweave"])
    >>> s.lights().at["coreweave", "implied_pd_1y"], LABELS["red"]
    ('red', 'ALERT')
    """
    cfg = config or load_config()
    net = _known_then(net, as_of)
    day = as_of_date(net, as_of)
    known = set(net.entities["id"])
    firms = list(firms) if firms else firms_to_watch(net)
    bad = [f for f in firms if f not in known]
    if bad:
        raise ValueError(f"firm: unknown entity {bad[0]!r}")
    q = quotes(net)
    values, details = _network_indicators(net, firms, day, cfg)
    by_firm = {str(e): g for e, g in q.groupby("entity", sort=False)}
    for firm in firms:  # each firm's own quotes: the series functions filter far less
        mv, md = _market_indicators(net, by_firm.get(firm, q.iloc[0:0]), firm, day, cfg)
        values[firm].update(mv)
        details[firm].update(md)
    frame = pd.DataFrame([[_f(values[f].get(n)) for n in INDICATORS] for f in firms],
                         index=pd.Index(firms, name="firm"), columns=list(INDICATORS),
                         dtype=float)
    implied = implied_pds(net, as_of=day, recovery=cfg.recovery,
                          horizon=cfg.pd_horizon_years, max_age_days=cfg.max_age_days)
    return Signals(day, cfg, frame, details, implied[implied.index.isin(firms)],
                   as_of_basis="" if as_of else "the latest market quote in the data")


def signal_history(net: Any, *, firms: list[str] | None = None,
                   start: str | dt.date | None = None, end: str | dt.date | None = None,
                   config: SignalsConfig | None = None) -> pd.DataFrame:
    """Indicators at each month end from ``start`` (default: the first quote) to ``end``
    (default: the latest quote): one row per (date, firm) with each indicator's value and
    light.

    Examples
    --------
    >>> import dealloop as dl
    >>> h = signal_history(dl.load(), firms=["oracle"], start="2025-10", end="2025-12")
    >>> h["date"].tolist()
    ['2025-10-31', '2025-11-30', '2025-12-31']
    """
    end_day = as_of_date(net, end)
    if start is None:
        days = [d for d in quotes(net)["day"] if d is not None]
        start_day = min(days) if days else end_day
    else:
        start_day = parse_date(str(start)) if not isinstance(start, dt.date) else start
    frames = []
    for day in month_ends(start_day, end_day):
        s = signals(net, as_of=day, firms=firms, config=config)
        f = s.to_frame().reset_index()
        f.insert(0, "date", day.isoformat())
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    for name in INDICATORS:
        out[name] = out[name].astype(float)
    return out


def signals_bundle(net: Any, *, as_of: str | dt.date | None = None,
                   firms: list[str] | None = None, config: SignalsConfig | None = None,
                   history_firms: list[str] | None = None) -> dict[str, Any]:
    """What the report, the dashboard and ``signals --json`` show: :meth:`Signals.to_dict`
    plus ``history``, the month-end series (:func:`signal_history`) of ``history_firms``
    (default: the firms with a market quote among those shown), JSON-safe.

    Examples
    --------
    >>> import dealloop as dl
    >>> b = signals_bundle(dl.load(), as_of="2025-12-31", firms=["oracle", "nvidia"])
    >>> sorted({r["firm"] for r in b["history"]}), b["history"][-1]["date"]
    (['nvidia', 'oracle'], '2025-12-31')
    """
    cfg = config or load_config()
    net = _known_then(net, as_of)
    res = signals(net, as_of=as_of, firms=firms, config=cfg)
    out = res.to_dict()
    if history_firms is None:
        quoted = set(quotes(net)["entity"])
        history_firms = [f for f in res.values.index if f in quoted]
    if history_firms:
        hist = signal_history(net, firms=list(history_firms), end=res.as_of, config=cfg)
        out["history"] = _clean(hist.to_dict("records"))
    else:
        out["history"] = []
    return out
