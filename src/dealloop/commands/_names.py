"""Names users type on the command line: firms, deal kinds, statuses, evidence grades.

A firm can be named by its id (``openai``) or its name (``OpenAI``, any case); a kind or
status by its id (``equity_investment``) or as tables print it (``equity investment``). An
unknown name is a usage error (exit code 2) with one line on stderr:
``Error: --firm: unknown firm 'OpenAl'; did you mean openai (OpenAI)?``.

Examples
--------
>>> _norm("Equity Investment"), _norm("equity-investment"), _norm(" equity_investment ")
('equity_investment', 'equity_investment', 'equity_investment')
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["ChoiceError", "resolve", "resolve_firm", "resolve_many"]


class ChoiceError(ValueError):
    """A name that matches nothing; ``str()`` is the message, ready for stderr."""


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_]+", "_", str(text).strip().lower())


def resolve(text: str, choices: Mapping[str, str] | Sequence[str], *, what: str) -> str:
    """The id ``text`` names: an id or a label, in any case, with ``_``, ``-`` or spaces.

    ``choices`` maps id -> label (or is a plain sequence of ids). Raises :class:`ChoiceError`
    with "did you mean" suggestions when nothing matches.

    Examples
    --------
    >>> firms = {"openai": "OpenAI", "oracle": "Oracle Corporation", "amd": "AMD"}
    >>> resolve("OpenAI", firms, what="firm"), resolve("oracle", firms, what="firm")
    ('openai', 'oracle')
    >>> try:
    ...     resolve("oracel", firms, what="firm")
    ... except ChoiceError as exc:
    ...     print(exc)
    unknown firm 'oracel'; did you mean oracle (Oracle Corporation)?
    """
    table = dict(choices) if isinstance(choices, Mapping) else {c: c for c in choices}
    key = _norm(text)
    for cid, label in table.items():
        if key in (_norm(cid), _norm(label)):
            return cid
    keys: dict[str, str] = {}
    for cid, label in table.items():
        keys.setdefault(_norm(cid), cid)
        keys.setdefault(_norm(label), cid)
    close = difflib.get_close_matches(key, list(keys), n=6, cutoff=0.6)
    picks = list(dict.fromkeys(keys[c] for c in close))[:3]

    def shown(cid: str) -> str:
        label = table[cid]
        return cid if _norm(label) == _norm(cid) else f"{cid} ({label})"

    if picks:
        hint = f"; did you mean {', '.join(shown(c) for c in picks)}?"
    elif len(table) <= 12:
        hint = f"; one of: {', '.join(table)}"
    else:
        hint = ""
    raise ChoiceError(f"unknown {what} {text!r}{hint}")


def resolve_many(texts: Iterable[str] | None, choices: Mapping[str, str] | Sequence[str], *,
                 what: str) -> list[str] | None:
    """:func:`resolve` each of ``texts`` (comma-separated values are split); None stays None.

    >>> resolve_many(["equity investment,loan"], ["equity_investment", "loan"], what="kind")
    ['equity_investment', 'loan']
    """
    if texts is None:
        return None
    out: list[str] = []
    for t in texts:
        out.extend(resolve(p, choices, what=what) for p in str(t).split(",") if p.strip())
    return out


def firm_choices(net: Any) -> dict[str, str]:
    """id -> name of every entity of ``net``."""
    ents = net.entities
    names = ents["name"] if "name" in ents.columns else ents["id"]
    return {str(i): str(n) if n == n and n is not None else str(i)
            for i, n in zip(ents["id"], names, strict=True)}


def resolve_firm(net: Any, text: str) -> str:
    """The entity id ``text`` names in ``net`` (id or name, any case)."""
    return resolve(text, firm_choices(net), what="firm")


def kind_choices() -> dict[str, str]:
    """id -> label of every deal kind."""
    from ..vocabulary import DEAL_KINDS

    return {k: k.replace("_", " ") for k in DEAL_KINDS}


def status_choices() -> dict[str, str]:
    """id -> id of every leg status."""
    from ..vocabulary import STATUSES

    return {k: k for k in STATUSES}
