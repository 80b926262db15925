"""Validating a dataset directory: every file, every row, every reference between them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..vocabulary import EQUITY_KINDS, LIVE_STATUSES
from .problems import Problem, cap
from .read import MAX_PROBLEMS_PER_FILE, Table, parse_date, read_table, split_refs
from .schema import (
    DEALS,
    ENTITIES,
    FILES,
    HOLDERS,
    HOLDINGS,
    ISSUE_INSTRUMENTS,
    MARKET,
    MARKET_UNITS,
    SOURCES,
)

__all__ = ["check_tables", "find_loops", "loop_text", "read_dataset", "validate"]

Tables = dict[str, Table]


def read_dataset(path: str | Path) -> tuple[Tables, list[Problem]]:
    """Read every file of a dataset directory and run all checks.

    Returns the tables that could be read and the full list of problems (errors and warnings).

    Examples
    --------
    >>> import dealloop as dl
    >>> from dealloop.data import read_dataset
    >>> tables, problems = read_dataset(dl.datasets.path())
    >>> bool("deals.csv" in tables and not [p for p in problems if p.severity == "error"])
    True
    """
    root = Path(path)
    if not root.exists():
        return {}, [Problem(str(root), None, None, "dataset directory does not exist")]
    if not root.is_dir():
        return {}, [Problem(str(root), None, None, "not a directory (give the dataset folder)")]
    tables: Tables = {}
    problems: list[Problem] = []
    for spec in FILES:
        file = root / spec.name
        if not file.exists():
            if spec.required:
                problems.append(Problem(spec.name, None, None, "required file is missing"))
            continue
        table, found = read_table(file, spec)
        problems.extend(found)
        if table is not None:
            tables[spec.name] = table
    problems.extend(_check_descriptor(root))
    problems.extend(check_tables(tables))
    ordered = sorted(problems, key=lambda p: (p.file, p.row or 0, p.field or ""))
    return tables, cap(ordered, MAX_PROBLEMS_PER_FILE)


def validate(path: str | Path) -> list[Problem]:
    """Check a dataset directory and return every problem found; empty when it is valid.

    Warnings (accepted oddities such as a byte-order mark) are included with
    ``severity == "warning"``; only errors make a dataset unusable.

    Examples
    --------
    >>> import dealloop as dl
    >>> [p for p in dl.validate(dl.datasets.path("ai2026")) if p.severity == "error"]
    []
    """
    return read_dataset(path)[1]


def _check_descriptor(root: Path) -> list[Problem]:
    file = root / "datapackage.json"
    if not file.exists():
        return []
    if not file.is_file():
        return [Problem("datapackage.json", None, None, "is not a regular file; expected a "
                        "JSON object")]
    try:
        pkg = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        return [Problem("datapackage.json", None, None, f"cannot read file: {exc.strerror}")]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        return [Problem("datapackage.json", line, None, f"not valid JSON: {exc}")]
    if not isinstance(pkg, dict):
        return [Problem("datapackage.json", 1, None, "expected a JSON object "
                        '({"name": ..., "version": ...}), got a ' + type(pkg).__name__)]
    return [Problem("datapackage.json", None, key, "expected a string")
            for key in ("name", "title", "version", "created")
            if key in pkg and not isinstance(pkg[key], str)]


def _ids(table: Table | None) -> set[str]:
    if table is None:
        return set()
    return {str(r["id"]) for r in table.rows if r.get("id")}


def _duplicates(table: Table) -> Iterable[Problem]:
    first: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        key = row.get(table.spec.key)
        if key is None:
            continue
        if key in first:
            yield Problem(table.spec.name, line, table.spec.key,
                          f"duplicate id {key!r} (first on line {first[key]})")
        else:
            first[str(key)] = line


def _refs(tables: Tables, ids: dict[str, set[str]]) -> Iterable[Problem]:
    for table in tables.values():
        for col in table.spec.columns:
            if col.type not in ("ref", "refs") or col.ref is None:
                continue
            target = ids.get(col.ref)
            if target is None:
                continue
            what = {"entities": "entity", "deals": "deal", "sources": "source"}[col.ref]
            for row, line in zip(table.rows, table.lines, strict=True):
                for ref in split_refs(row.get(col.name)):
                    if ref not in target:
                        yield Problem(table.spec.name, line, col.name, f"unknown {what} {ref!r}")


def loop_text(ids: list[str], keep: int = 8) -> str:
    """A loop of ids as ``a -> b -> ... -> a``, the middle of a long one elided so the
    message stays one readable line.

    Examples
    --------
    >>> loop_text(["D1", "D2", "D1"])
    'D1 -> D2 -> D1'
    >>> loop_text([f"C{i}" for i in range(100)] + ["C0"], keep=2)
    'C0 -> C1 -> ... (97 more) -> C99 -> C0 (100 legs)'
    """
    if len(ids) <= 2 * keep + 1:
        return " -> ".join(ids)
    hidden = len(ids) - 2 * keep
    return (f"{' -> '.join(ids[:keep])} -> ... ({hidden:,} more) -> "
            f"{' -> '.join(ids[-keep:])} ({len(ids) - 1:,} legs)")


def find_loops(graph: Mapping[str, Iterable[str]], starts: Iterable[str], *,
               limit: int = 20) -> list[list[str]]:
    """Loops in ``graph`` (each as a path back to its first node), at most ``limit`` of them.

    One depth-first pass over the nodes reachable from ``starts`` (in that order): linear in
    nodes and edges, whatever the shape of the graph. Each loop closes one back edge, so a loop
    is reported once; a node may sit on several reported loops.

    Examples
    --------
    >>> find_loops({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}, ["d", "a"])
    [['a', 'b', 'c', 'a']]
    >>> find_loops({"a": ["b"], "b": []}, ["a", "b"])
    []
    """
    done: set[str] = set()
    loops: list[list[str]] = []
    for start in starts:
        if start in done:
            continue
        path = [start]
        pos = {start: 0}  # node -> its place on the current path
        todo = [iter(graph.get(start, ()))]
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                node = path.pop()
                del pos[node]
                todo.pop()
                done.add(node)
            elif nxt in pos:
                loops.append([*path[pos[nxt]:], nxt])
                if len(loops) >= limit:
                    return loops
            elif nxt not in done:
                pos[nxt] = len(path)
                path.append(nxt)
                todo.append(iter(graph.get(nxt, ())))
    return loops


def _deal_rows(table: Table) -> Iterable[Problem]:
    """The checks of deals.csv within the file: each row on its own, then supersessions
    against statuses, then loops of ``supersedes`` and ``part_of``."""
    name = table.spec.name
    superseded_by: dict[str, str] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        yield from _deal_row(name, row, line)
        for old in split_refs(row.get("supersedes")):
            if old == row.get("id"):  # one problem, not also "its status is not superseded"
                yield Problem(name, line, "supersedes", "a leg cannot supersede itself")
            else:
                superseded_by.setdefault(old, str(row.get("id")))
        if row.get("part_of") and row.get("part_of") == row.get("id"):
            yield Problem(name, line, "part_of", "a leg cannot be part of itself")
    yield from _superseded(table, superseded_by)
    yield from _deal_loops(table)


def _deal_row(name: str, row: Mapping[str, object], line: int) -> Iterable[Problem]:
    """One leg's own checks: payer is not payee, amount and range, estimate basis, stake,
    dates in order."""
    payer, payee = row.get("payer"), row.get("payee")
    if payer and payer == payee:
        yield Problem(name, line, "payee", f"payer and payee are the same entity {payer!r}")
    yield from _deal_amounts(name, row, line)
    if row.get("stake") is not None and row.get("kind") not in EQUITY_KINDS:
        yield Problem(name, line, "stake",
                      f"a stake only applies to {' or '.join(EQUITY_KINDS)} legs", "warning")
    start, end = row.get("start"), row.get("end")
    if isinstance(start, str) and isinstance(end, str):
        if parse_date(end, end=True) < parse_date(start):
            yield Problem(name, line, "end", f"end {end} is before start {start}")


def _deal_amounts(name: str, row: Mapping[str, object], line: int) -> Iterable[Problem]:
    """A leg's amount and its range: both ends or none, in order, the amount inside; an
    estimate has one of them."""
    amount, low, high = row.get("amount_usd_bn"), row.get("amount_low"), row.get("amount_high")
    if (low is None) != (high is None):
        missing = "amount_high" if high is None else "amount_low"
        yield Problem(name, line, missing, "a range needs both amount_low and amount_high")
    if isinstance(low, float) and isinstance(high, float):
        if low > high:
            yield Problem(name, line, "amount_low",
                          f"amount_low {low:g} is greater than amount_high {high:g}")
        elif isinstance(amount, float) and not low <= amount <= high:
            yield Problem(name, line, "amount_usd_bn",
                          f"amount {amount:g} lies outside its range [{low:g}, {high:g}]",
                          "warning")
    if row.get("basis") == "estimate" and amount is None and low is None:
        yield Problem(name, line, "basis", "basis is 'estimate' but no amount or range given")


def _superseded(table: Table, superseded_by: Mapping[str, str]) -> Iterable[Problem]:
    """A leg another supersedes has status superseded (or cancelled), and the other way."""
    name = table.spec.name
    for row, line in zip(table.rows, table.lines, strict=True):
        rid = row.get("id")
        status = row.get("status")
        if rid in superseded_by and status not in ("superseded", "cancelled"):
            yield Problem(name, line, "status",
                          f"{rid} is superseded by {superseded_by[str(rid)]} but its status is "
                          f"{status!r}; set it to 'superseded'")
        if status == "superseded" and rid not in superseded_by:
            yield Problem(name, line, "status",
                          "status is 'superseded' but no leg lists it in 'supersedes'", "warning")


def _deal_loops(table: Table) -> Iterable[Problem]:
    """Loops of ``supersedes`` and of ``part_of``, each shown once from its first row."""
    name = table.spec.name
    by_id = {r["id"]: r for r in table.rows if r.get("id")}
    line_of = {str(r["id"]): line for r, line in zip(table.rows, table.lines, strict=True)
               if r.get("id")}
    for col in ("supersedes", "part_of"):
        graph = {str(r["id"]): [x for x in split_refs(r.get(col)) if x in by_id and x != r["id"]]
                 for r in table.rows if r.get("id")}  # a leg naming itself is reported above
        for loop in find_loops(graph, graph):
            first = min(loop[:-1], key=lambda x: line_of[x])  # shown from its first row
            i = loop.index(first)
            shown = [*loop[i:-1], *loop[:i], first]
            yield Problem(name, line_of[first], col, f"forms a loop: {loop_text(shown)}")


def _part_sums(table: Table) -> Iterable[Problem]:
    """Live parts (``part_of``) whose amounts add up to more than their aggregate's: the
    aggregate would be counted as zero and the parts twice over what was reported."""
    def amount(row: Mapping[str, object]) -> float | None:
        a, low, high = row.get("amount_usd_bn"), row.get("amount_low"), row.get("amount_high")
        if isinstance(a, float):
            return a
        return (low + high) / 2 if isinstance(low, float) and isinstance(high, float) else None

    whole = {str(r["id"]): (amount(r), line) for r, line in zip(table.rows, table.lines,
                                                                   strict=True) if r.get("id")}
    sums: dict[str, float] = {}
    for r in table.rows:
        agg, a = r.get("part_of"), amount(r)
        if isinstance(agg, str) and r.get("status") in LIVE_STATUSES and a is not None:
            sums[agg] = sums.get(agg, 0.0) + a
    for agg, total in sums.items():
        a, line = whole.get(agg, (None, 0))
        if a is not None and total > a + 1e-9:
            yield Problem(table.spec.name, line, "amount_usd_bn",
                          f"its live parts add up to {total:g}, more than its amount {a:g}",
                          "warning")


def check_tables(tables: Tables) -> list[Problem]:
    """Checks across rows and files: duplicate ids, references, ranges, dates, loops.

    Examples
    --------
    >>> from dealloop import datasets
    >>> tables, problems = read_dataset(datasets.path())
    >>> problems, [p for p in check_tables(tables) if p.severity == "error"]
    ([], [])
    """
    problems: list[Problem] = []
    for table in tables.values():
        problems.extend(_duplicates(table))
    ids = {
        "entities": _ids(tables.get(ENTITIES.name)),
        "deals": _ids(tables.get(DEALS.name)),
        "sources": _ids(tables.get(SOURCES.name)),
    }
    # A missing referenced file is already a problem of its own; don't flood every row.
    for spec, key in ((ENTITIES, "entities"), (DEALS, "deals"), (SOURCES, "sources")):
        if spec.name not in tables:
            ids.pop(key)
    problems.extend(_refs(tables, ids))
    if DEALS.name in tables:
        problems.extend(_deal_rows(tables[DEALS.name]))
        problems.extend(_part_sums(tables[DEALS.name]))
    if HOLDERS.name in tables:
        problems.extend(_holder_rows(tables[HOLDERS.name]))
    if HOLDINGS.name in tables:
        problems.extend(_holding_rows(tables[HOLDINGS.name]))
    if MARKET.name in tables:
        problems.extend(_market_rows(tables[MARKET.name]))
    return sorted(problems, key=lambda p: (p.file, p.row or 0, p.field or ""))


def _holder_rows(table: Table) -> Iterable[Problem]:
    """Each split needs a positive total, sources unless assumed, and no loop."""
    name = table.spec.name
    total: dict[str, float] = {}
    first: dict[str, int] = {}
    graph: dict[str, list[str]] = {}
    seen: dict[tuple[str, str], int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        holds, sector, w = row.get("holds"), row.get("sector"), row.get("weight")
        if not isinstance(holds, str) or not isinstance(sector, str):
            continue
        first.setdefault(holds, line)
        total[holds] = total.get(holds, 0.0) + (w if isinstance(w, float) else 0.0)
        graph.setdefault(holds, []).append(sector)
        if holds == sector:
            yield Problem(name, line, "sector", f"{holds!r} cannot hold itself")
        if (holds, sector) in seen:
            yield Problem(name, line, "sector", f"{holds} -> {sector} is already on line "
                          f"{seen[(holds, sector)]}; give one row per pair")
        seen.setdefault((holds, sector), line)
        if row.get("basis") != "assumption" and not split_refs(row.get("sources")):
            yield Problem(name, line, "sources", "a share that is not an assumption needs a "
                          "source")
    for holds, t in total.items():
        if t <= 0:
            yield Problem(name, first[holds], "weight", f"the weights of {holds!r} add up to "
                          "0; nothing to split by")
    for loop in find_loops(graph, first, limit=1):
        yield Problem(name, first[loop[0]], "holds", f"forms a loop: {loop_text(loop)}")


def _holding_rows(table: Table) -> Iterable[Problem]:
    """Named holders of one leg cannot hold more than all of it."""
    name = table.spec.name
    total: dict[str, float] = {}
    last: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        deal, share = row.get("deal"), row.get("share")
        if isinstance(deal, str) and isinstance(share, float):
            total[deal] = total.get(deal, 0.0) + share
            last[deal] = line
    for deal, t in total.items():
        if t > 1 + 1e-9:
            yield Problem(name, last[deal], "share", f"named holders of {deal} hold "
                          f"{t:.4g} of it, more than all of it")


def _market_rows(table: Table) -> Iterable[Problem]:
    """Each quote in its instrument's unit; bond quotes name their issue; one quote per
    entity, instrument, issue and date."""
    name = table.spec.name
    seen: dict[tuple[object, ...], int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        inst, unit = row.get("instrument"), row.get("unit")
        if isinstance(inst, str) and inst in MARKET_UNITS and unit is not None \
                and unit != MARKET_UNITS[inst]:
            yield Problem(name, line, "unit", f"{inst} is quoted in {MARKET_UNITS[inst]}, "
                          f"not {unit!r}")
        if inst in ISSUE_INSTRUMENTS and not row.get("issue"):
            yield Problem(name, line, "issue", f"a {inst} quote needs the issue it is for")
        key = (row.get("entity"), inst, row.get("issue") or "", row.get("date"))
        if None not in key:
            if key in seen:
                yield Problem(name, line, "date", f"{key[0]} {inst} on {key[3]} is already "
                              f"on line {seen[key]}")
            seen.setdefault(key, line)
