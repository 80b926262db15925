"""Problems found in a dataset or a scenario file, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass


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
    """

    file: str
    row: int | None
    field: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        field = self.field or "-"
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.file}:{row}: {field}: {tag}{self.message}"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class DataError(ValueError):
    """Raised when a dataset or scenario cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = [p for p in problems if p.severity == "error"]
        n = len(self.problems)
        head = "\n".join(str(p) for p in self.problems[:20])
        more = f"\n... and {n - 20} more" if n > 20 else ""
        super().__init__(f"{n} problem{'s' if n != 1 else ''}:\n{head}{more}")


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """The problems of severity ``error``."""
    return [p for p in problems if p.severity == "error"]
