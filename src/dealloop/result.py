"""The results protocol: what every result object dealloop hands to a user has in common.

A result is a frozen dataclass that subclasses :class:`Result` and defines

* ``to_dict()``: plain, JSON-safe Python (through :func:`dealloop.jsonutil.jsonable`). The
  CLI's ``--json``, the report bundle and the web API print this, so a figure is the same
  number everywhere;
* ``summary()``: a few lines of readable text (the first line names the result), returned as
  a :class:`Summary`: a ``str`` that also renders as HTML in a notebook;
* ``to_frame()`` where the result has a main table: a pandas DataFrame, indexed by firm when
  the rows are firms.

:class:`Result` adds a short ``repr`` (the first line of the summary) and ``_repr_html_`` for
notebooks (the summary and the first rows of the table). Declare subclasses with
``@dataclass(frozen=True, repr=False)`` so the dataclass does not replace the short ``repr``
with one that prints every array. ``tests/test_results_protocol.py`` finds every result class
in the package and checks all of this, so a new result cannot skip it.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True, repr=False)
... class Total(Result):
...     value: float
...     def to_dict(self):
...         return {"value": self.value}
...     def summary(self):
...         return f"total {self.value:,.1f} bn"
>>> Total(1234.5)
<Total: total 1,234.5 bn>
"""

from __future__ import annotations

import functools
import html
from abc import ABC, abstractmethod
from typing import Any

__all__ = ["Result", "Summary"]

#: Longest first line kept by ``repr``; rows of a table shown by ``_repr_html_``.
REPR_WIDTH = 100
HTML_ROWS = 20


class Summary(str):
    """A result's summary: plain text (it is a ``str``) that a notebook shows as HTML.

    Examples
    --------
    >>> s = Summary("total 1.0 bn\\ndefaults: 0 of 2")
    >>> s.text.splitlines()[1], s.html
    ('defaults: 0 of 2', '<pre class="dealloop-summary">total 1.0 bn\\ndefaults: 0 of 2</pre>')
    >>> s._repr_html_() == s.html
    True
    """

    __slots__ = ()

    @property
    def text(self) -> str:
        """The summary as plain text."""
        return str.__str__(self)

    @property
    def html(self) -> str:
        """The summary as an HTML fragment (escaped, preformatted)."""
        return f'<pre class="dealloop-summary">{html.escape(self.text)}</pre>'

    def _repr_html_(self) -> str:
        return self.html


class Result(ABC):
    """Base class of every result object (see the module docstring for the protocol).

    Examples
    --------
    >>> import numpy as np
    >>> from dealloop.contagion import eisenberg_noe
    >>> c = eisenberg_noe(np.array([[0, 2.0], [1.0, 0]]), [1.0, 1.0])
    >>> isinstance(c, Result), sorted(c.to_dict())[:3]
    (True, ['alpha', 'beta', 'deadweight_loss'])
    >>> c.to_frame()[["pbar", "payments", "defaulted"]].to_dict("list")
    {'pbar': [2.0, 1.0], 'payments': [2.0, 1.0], 'defaulted': [False, False]}
    >>> print(c.summary().splitlines()[1])
    defaults: 0 of 2
    """

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make each subclass's own ``summary()`` return a :class:`Summary`."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("summary")
        if own is None or getattr(own, "__isabstractmethod__", False) \
                or getattr(own, "dealloop_summary", False):
            return

        @functools.wraps(own)
        def summary(self: Any, *args: Any, **kw: Any) -> Summary:
            return Summary(own(self, *args, **kw))

        summary.dealloop_summary = True  # type: ignore[attr-defined]
        cls.summary = summary  # type: ignore[method-assign]

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain Python: what ``--json``, the report and the API show."""

    @abstractmethod
    def summary(self) -> str:
        """A few lines of readable text; the first line names the result (a
        :class:`Summary`: text that a notebook shows as HTML)."""

    def __repr__(self) -> str:
        lines = self.summary().splitlines()
        head = " ".join(lines[0].split()) if lines else ""
        if len(head) > REPR_WIDTH:
            head = head[: REPR_WIDTH - 1] + "…"
        return f"<{type(self).__name__}: {head}>"

    def _repr_html_(self) -> str:
        """The summary, then the first rows of ``to_frame()`` when the result has one."""
        name = type(self).__name__
        parts = [f"<div class=\"dealloop-result\"><strong>{html.escape(name)}</strong>",
                 f"<pre>{html.escape(self.summary())}</pre>"]
        to_frame = getattr(self, "to_frame", None)
        if callable(to_frame):
            frame = to_frame()
            parts.append(frame.head(HTML_ROWS).to_html(border=0, na_rep="n/a"))
            if len(frame) > HTML_ROWS:
                parts.append(f"<p>{HTML_ROWS} of {len(frame):,} rows; "
                             "<code>to_frame()</code> has all of them.</p>")
        parts.append("</div>")
        return "\n".join(parts)
