"""The main charts as image files (SVG or PNG), drawn with matplotlib, no browser needed.

:data:`CHARTS` names them: ``timeline`` (new money, legs and loops by month), ``calendar``
(a firm's or the system's payment calendar: the cliff) and ``network`` (firms and firm legs,
the report's layout). Each ``draw_*`` function returns a :class:`matplotlib.figure.Figure`
built from the same library results the report shows; :func:`save` writes it atomically.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ..vocabulary import DEFAULT_HORIZON

__all__ = ["CHARTS", "FORMATS", "draw", "save"]

#: Chart name -> what it shows.
CHARTS: dict[str, str] = {
    "timeline": "New money, live legs and loops by month (the network growing).",
    "calendar": "What a firm (or the system) must pay each year against its revenue.",
    "network": "Firms and their firm legs (committed, reported), sized by amount.",
}
#: File formats :func:`save` writes, by suffix.
FORMATS = ("svg", "png")

_PARTS = (("contracts", "Contracts", "#4c78a8"), ("equity", "Equity instalments", "#72b7b2"),
          ("debt_interest", "Debt interest", "#f58518"),
          ("debt_principal", "Debt principal", "#e45756"))


def _figure(width: float = 9.0, height: float = 4.5) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def draw_timeline(result: Any, title: str) -> Any:
    """A :class:`~dealloop.circularity.timeline.Timeline` as bars (new money) and lines."""
    frame = result.to_frame()
    fig = _figure()
    ax = fig.add_subplot()
    x = list(range(len(frame)))
    ax.bar(x, frame["new_money_usd_bn"], color="#4c78a8", label="New money (USD bn)")
    ax.set_ylabel("USD bn")
    right = ax.twinx()
    right.plot(x, frame["legs"], color="#f58518", label="Live legs known")
    right.plot(x, frame["loops"], color="#e45756", linestyle=":", label="Money loops")
    right.set_ylabel("count")
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], list(frame.index)[::step], rotation=45, ha="right")
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles, [str(h.get_label()) for h in handles], loc="upper left", frameon=False)
    ax.set_title(title, loc="left")
    return fig


def draw_calendar(cal: Any, title: str) -> Any:
    """A :class:`~dealloop.scenarios.calendar.PaymentCalendar` as stacked yearly bars with
    the firm's revenue as a line."""
    frame = cal.to_frame()
    fig = _figure()
    ax = fig.add_subplot()
    years = [str(y) for y in frame.index]
    bottom = [0.0] * len(years)
    for key, label, colour in _PARTS:
        values = frame[key].tolist()
        ax.bar(years, values, bottom=bottom, color=colour, label=label)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    if cal.revenue == cal.revenue:  # not NaN
        ax.plot(years, frame["revenue"], color="#222222", linestyle="--", marker="o",
                label="Revenue (latest year)")
    ax.set_ylabel("USD bn due")
    ax.legend(loc="upper left", frameon=False)
    ax.set_title(title, loc="left")
    return fig


def draw_network(net: Any, layout: dict[str, list[float]], title: str) -> Any:
    """Firms at the report's layout positions and their firm legs (width ~ amount)."""
    import math

    from ..network import Selection

    fig = _figure(9.0, 9.0)
    ax = fig.add_subplot()
    legs = net.legs(selection=Selection())
    top = max([v for v in legs["value"].tolist() if v == v] or [1.0])
    for payer, payee, value in zip(legs["payer"], legs["payee"], legs["value"], strict=True):
        if payer not in layout or payee not in layout:
            continue
        (x0, y0), (x1, y1) = layout[payer][:2], layout[payee][:2]
        width = 0.4 + 4 * math.sqrt((value if value == value else 0.0) / top)
        ax.annotate("", xy=(x1, -y1), xytext=(x0, -y0),
                    arrowprops={"arrowstyle": "-|>", "color": "#8894a8", "lw": width,
                                "alpha": 0.7, "shrinkA": 6, "shrinkB": 6})
    names = dict(zip(net.entities["id"], net.entities["name"], strict=True))
    for eid, (x, y, *_) in layout.items():
        ax.plot([x], [-y], "o", color="#4c78a8", markersize=6)
        ax.annotate(str(names.get(eid, eid)), (x, -y), fontsize=6, ha="center",
                    xytext=(0, 6), textcoords="offset points")
    ax.set_axis_off()
    ax.set_title(title, loc="left")
    return fig


def draw(name: str, net: Any, *, firm: str | None = None,
         horizon: tuple[int, int] = DEFAULT_HORIZON) -> Any:
    """The chart ``name`` (see :data:`CHARTS`) of ``net`` as a matplotlib Figure.

    Examples
    --------
    >>> import dealloop as dl
    >>> fig = draw("calendar", dl.load(), firm="openai")
    >>> fig.axes[0].get_ylabel()
    'USD bn due'
    """
    label = net.meta.get("name", "dataset")
    when = f", as of {net.meta['as_of']}" if net.meta.get("as_of") else ""
    if name == "timeline":
        from ..circularity.timeline import timeline

        return draw_timeline(timeline(net, end=net.meta.get("as_of")),
                             f"{label}: the network by month{when}")
    if name == "calendar":
        from ..scenarios.calendar import payment_calendar

        cal = payment_calendar(net, firm, horizon=horizon)
        return draw_calendar(cal, f"{label}: payment calendar of {firm or 'the system'}, "
                                  f"USD bn{when}")
    if name == "network":
        from .layout import layout_part

        return draw_network(net, layout_part(net), f"{label}: firms and firm legs{when}")
    raise ValueError(f"chart: unknown {name!r}; expected one of {', '.join(CHARTS)}")


def save(fig: Any, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix: .svg or .png), atomically; the SVG
    carries no date, so the same chart gives the same file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import dealloop as dl
    >>> out = save(draw("calendar", dl.load(), firm="openai"), Path(tempfile.mkdtemp()) / "c.svg")
    >>> out.read_text(encoding="utf-8").startswith("<?xml")
    True
    """
    from ..data.write import atomic_write_bytes

    out = Path(path)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"output: {out.name!r} must end in .svg or .png")
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "dealloop", "svg.fonttype": "path"}):
        fig.savefig(buf, format=fmt, dpi=200,
                    metadata={"Date": None} if fmt == "svg" else {"Software": "dealloop"})
    return atomic_write_bytes(out, buf.getvalue())
