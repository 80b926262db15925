"""Problems found in a dataset or a scenario file, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

__all__ = ["DataError", "Problem", "cap", "errors"]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem, located as ``file:row: field: message``.

    ``row`` is the line number in the file as an editor shows it (the header is line 1), or
    ``None`` for a problem with the whole file. ``severity`` is ``"error"`` (the dataset is
    refused) or ``"warning"`` (accepted, but worth fixing).

    Examples
    --------
    >>> str(Problem("deals.csv", 7, "payer", "unknown entity 'nvdia'"))
    "deals.csv:7: payer: unknown entity 'nvdia'"
    >>> str(Problem("sources.csv", None, None, "required file is missing"))
    'sources.csv: required file is missing'
    >>> Problem("deals.csv", 7, "payer", "unknown entity 'nvdia'").to_dict()["row"]
    7
    """

    file: str
    row: int | None
    field: str | None
    message: str
    severity: str = "error"

    @property
    def location(self) -> str:
        """``file:row: field``; without a row ``file: field``, or just ``file``."""
        if self.row is None:
            return f"{self.file}: {self.field}" if self.field else self.file
        return f"{self.file}:{self.row}: {self.field or '-'}"

    def __str__(self) -> str:
        from ..text import printable  # one line on a terminal, whatever the input held

        tag = "" if self.severity == "error" else f"{self.severity}: "
        return printable(f"{self.location}: {tag}{self.message}")

    def to_dict(self) -> dict[str, object]:
        """Every field by name (file, row, field, message, severity), for ``--json``."""
        return asdict(self)


class DataError(ValueError):
    """Raised when a dataset or scenario cannot be used; ``problems`` lists every reason.

    Examples
    --------
    >>> import dealloop as dl
    >>> try:
    ...     dl.load("/nonexistent/folder")
    ... except dl.DataError as exc:
    ...     print(len(exc.problems) >= 1)
    True
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems = [p for p in problems if p.severity == "error"]
        n = len(self.problems)
        head = "\n".join(str(p) for p in self.problems[:20])
        more = f"\n... and {n - 20} more" if n > 20 else ""
        super().__init__(f"{n} problem{'s' if n != 1 else ''}:\n{head}{more}")


def cap(problems: Iterable[Problem], limit: int) -> list[Problem]:
    """At most ``limit`` problems per file, and one line saying how many more were found.

    Examples
    --------
    >>> many = [Problem("deals.csv", i, None, "bad") for i in range(2, 7)]
    >>> [str(p) for p in cap(many, 2)]
    ['deals.csv:2: -: bad', 'deals.csv:3: -: bad', 'deals.csv: 3 more problems not shown']
    """
    kept: list[Problem] = []
    seen: dict[str, int] = {}
    hidden_errors: set[str] = set()
    for p in problems:
        seen[p.file] = seen.get(p.file, 0) + 1
        if seen[p.file] <= limit:
            kept.append(p)
        elif p.severity == "error":
            hidden_errors.add(p.file)
    kept.extend(Problem(f, None, None, f"{n - limit} more problem{'s' if n - limit != 1 else ''}"
                        " not shown", "error" if f in hidden_errors else "warning")
                for f, n in seen.items() if n > limit)
    return kept


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """The problems of severity ``error``.

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.data import errors
    >>> errors(dl.validate(dl.datasets.path()))
    []
    """
    return [p for p in problems if p.severity == "error"]
