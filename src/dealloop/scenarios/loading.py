"""Reading scenario YAML: every problem located by file, line and key, all at once."""

from __future__ import annotations

import difflib
import stat
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)

from ..data.problems import DataError, Problem
from ..vocabulary import (
    ENTITY_KINDS,
)
from .models import Scenario
from .shocks import SHOCK_TYPES
from .values import key_text, line_for

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_SCENARIO_BYTES", "MAX_VALUES", "BoundedLoader",
           "Budget", "InvalidScenario", "TooBig", "construct", "load", "loads", "parse_yaml",
           "read_text"]

# ---------------------------------------------------------------------------------- loading
#: Largest scenario file read, in bytes (the shipped ones are a few KB).
MAX_SCENARIO_BYTES = 2**20
#: Deepest nesting of mappings and lists (the shipped scenarios use four levels).
MAX_DEPTH = 32
#: Most aliases (``*name``) a scenario may use, and most values it may expand to through them.
MAX_ALIASES = 200
MAX_VALUES = 100_000


class TooBig(Exception):
    """A scenario over one of the limits above; ``line`` is where it was noticed.

    Examples
    --------
    >>> try:
    ...     BoundedLoader("a: " + "[" * 40 + "]" * 40).get_single_node()
    ... except TooBig as exc:
    ...     print(exc.line, exc)
    1 nested more than 32 levels deep
    """

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line


class InvalidScenario(DataError):
    """A scenario file that parses but does not fit the schema. ``raw`` keeps its YAML data,
    line numbers and source name, so a caller can check the ids it names as well.

    Examples
    --------
    >>> try:
    ...     loads("name: x\\nquestion: q\\nhorizon: [2030, 2026]\\n")
    ... except InvalidScenario as exc:
    ...     print(exc.problems[0])
    <scenario>:3: horizon: end 2026-12-31 is before start 2030-01-01
    """

    def __init__(self, problems: list[Problem], data: dict[str, Any],
                 lines: dict[tuple, int], source: str) -> None:
        super().__init__(problems)
        self.raw = (data, lines, source)


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe composer with a nesting limit and an alias budget, checked while the
    document is read (composing is linear in the text; the budgets keep what follows so).

    Examples
    --------
    >>> node = BoundedLoader("name: x").get_single_node()
    >>> node.value[0][0].value, node.value[0][1].value
    ('name', 'x')
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        line = self.peek_event().start_mark.line + 1
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise TooBig(line, f"more than {MAX_ALIASES} aliases (*name); write the "
                                    "values out")
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise TooBig(line, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def read_text(p: Path, kind: str = "scenario") -> str:
    """The text of YAML file ``p`` (a ``kind`` file: a scenario, the signals config), read
    like a dataset file: a regular file only (a folder, a pipe or a device is refused before
    it is opened), at most :data:`MAX_SCENARIO_BYTES`, UTF-8.

    Examples
    --------
    >>> read_text(Path("/dev/zero"))
    Traceback (most recent call last):
    ...
    dealloop.data.problems.DataError: 1 problem:
    /dev/zero: is not a regular file (a pipe or a device); give a YAML file
    """
    source = str(p)

    def fail(message: str, line: int | None = None) -> DataError:
        return DataError([Problem(source, line, None, message)])

    try:
        st = p.stat()
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail(f"is a directory, not a {kind} file")
    if not stat.S_ISREG(st.st_mode):
        raise fail("is not a regular file (a pipe or a device); give a YAML file")
    too_big = (f"file is larger than the {MAX_SCENARIO_BYTES // 1024:,} KiB a {kind} file "
               "may have; refusing to read it")
    if st.st_size > MAX_SCENARIO_BYTES:
        raise fail(too_big)
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_SCENARIO_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_SCENARIO_BYTES:  # it grew since stat()
        raise fail(too_big)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw:
        raise fail("file is UTF-16 text or binary, not UTF-8; save it as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"bytes that are not UTF-8 (0x{raw[exc.start:exc.start + 1].hex()}); save "
                   "the file as UTF-8", raw[:exc.start].count(b"\n") + 1) from None


def load(path_or_name: str | Path) -> Scenario:
    """Read and check a scenario file, or a shipped scenario by name.

    Raises :class:`~dealloop.data.problems.DataError` listing every problem (file, line, key)
    when the file cannot be used.

    Examples
    --------
    >>> sc = load("coreweave-default")          # a shipped scenario, by name
    >>> sc.shocks[0].entity
    'coreweave'
    """
    from . import library

    if not str(path_or_name).strip():
        raise DataError([Problem("<scenario>", None, None, "no scenario given; name a YAML file "
                                 f"or a shipped scenario ({', '.join(library.names())})")])
    p = Path(path_or_name)
    if not p.exists() and isinstance(path_or_name, str) and path_or_name in library.names():
        p = library.path(path_or_name)
    if not p.exists():
        close = difflib.get_close_matches(str(path_or_name), library.names(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else \
            f"; shipped scenarios: {', '.join(library.names())}"
        raise DataError([Problem(str(path_or_name), None, None,
                                 f"no such scenario file or shipped scenario{hint}")])
    return loads(read_text(p), source=str(p))


def parse_yaml(text: str, source: str) -> tuple[Any, dict[tuple, int]] | None:
    """Read YAML text with the bounded loader: the data and the line of every key path,
    or ``None`` for an empty document.

    Nesting, aliases and size are bounded (:class:`BoundedLoader`, :class:`Budget`); tags are
    refused. Every problem raises :class:`DataError` naming ``source`` and the line. Scenario
    files and the signals config both read through here.

    Examples
    --------
    >>> data, lines = parse_yaml("{a: 1, b: [2, 3]}", "x.yaml")
    >>> data
    {'a': 1, 'b': [2, 3]}
    >>> parse_yaml("", "x.yaml") is None
    True
    """
    problems: list[Problem] = []
    lines: dict[tuple, int] = {}
    try:
        loader = BoundedLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        if node is None:
            return None
        data = construct(node, (), lines, problems, source, Budget())
    except TooBig as exc:
        raise DataError([Problem(source, exc.line, None, str(exc))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        msg = " ".join(str(x) for x in (getattr(exc, "context", None),
                                        getattr(exc, "problem", None)) if x) or str(exc)
        raise DataError([Problem(source, line, None, f"not valid YAML: {msg}")]) from None
    if problems:
        raise DataError(problems)
    return data, lines


def loads(text: str, *, source: str = "<scenario>") -> Scenario:
    """Parse and check scenario text (YAML); see :func:`load`.

    Examples
    --------
    >>> from dealloop import scenarios
    >>> sc = scenarios.loads("{name: x, question: who falls, "
    ...                      "shocks: [{type: fail, entity: oracle}]}")
    >>> sc.shocks[0].type, sc.shocks[0].entity
    ('fail', 'oracle')
    """
    if len(text) > MAX_SCENARIO_BYTES:
        raise DataError([Problem(source, None, None, f"more than {MAX_SCENARIO_BYTES:,} "
                                 "characters; refusing to read it")])
    parsed = parse_yaml(text, source)
    if parsed is None:
        raise DataError([Problem(source, None, None, "empty scenario file")])
    data, lines = parsed
    if not isinstance(data, dict):
        raise DataError([Problem(source, lines.get((), 1), None,
                                 "a scenario is a mapping of keys (name:, question:, ...)")])
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InvalidScenario(_problems(exc, data, lines, source), data, lines,
                              source) from None
    sc.locate(source, lines, data)
    problems = _check_internal(sc)
    if [p for p in problems if p.severity == "error"]:
        raise DataError(problems)
    return sc


class Budget:
    """What constructing one document may still do: values left, and the nodes being built
    (a node met again inside itself is a recursive alias).

    Examples
    --------
    >>> b = Budget()
    >>> b.values == MAX_VALUES, b.active
    (True, set())
    """

    def __init__(self) -> None:
        self.values = MAX_VALUES
        self.active: set[int] = set()


_PLAIN_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map",
               yaml.SequenceNode: "tag:yaml.org,2002:seq"}


def construct(node: yaml.Node, path: tuple, lines: dict[tuple, int], problems: list[Problem],
              source: str, budget: Budget | None = None) -> Any:
    """Python data from a composed YAML ``node``, recording the line of every key path in
    ``lines`` and every problem in ``problems``, within a value budget (a new one when not
    given): the YAML reader shared by every dealloop config file.

    Examples
    --------
    >>> node = BoundedLoader("name: x\\nshocks:\\n  - {type: fail}\\n").get_single_node()
    >>> lines, problems = {}, []
    >>> construct(node, (), lines, problems, "x.yaml"), lines[("shocks", 0, "type")], problems
    ({'name': 'x', 'shocks': [{'type': 'fail'}]}, 3, [])
    """
    if budget is None:
        budget = Budget()
    line = node.start_mark.line + 1
    budget.values -= 1
    if budget.values < 0:
        raise TooBig(line, f"expands to more than {MAX_VALUES:,} values (through aliases); "
                            "write the values out")
    if len(path) > MAX_DEPTH:
        raise TooBig(line, f"nested more than {MAX_DEPTH} levels deep (through aliases)")
    lines.setdefault(path, line)
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        if node.tag != _PLAIN_TAGS[type(node)]:
            problems.append(Problem(source, line, key_text(path), f"YAML tag {node.tag!r} is "
                                    "not allowed; write a plain mapping or list"))
            return None
        if id(node) in budget.active:
            problems.append(Problem(source, line, key_text(path), "recursive alias: the "
                                    "value contains itself"))
            return None
        budget.active.add(id(node))
        try:
            return _collection(node, path, lines, problems, source, budget)
        finally:
            budget.active.discard(id(node))
    try:
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        why = getattr(exc, "problem", None) or str(exc).splitlines()[0]  # not the snippet
        problems.append(Problem(source, line, key_text(path), f"cannot read value: {why}"))
        return None


def _collection(node: yaml.MappingNode | yaml.SequenceNode, path: tuple,
                lines: dict[tuple, int], problems: list[Problem], source: str,
                budget: Budget) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return [construct(v, (*path, i), lines, problems, source, budget)
                for i, v in enumerate(node.value)]
    out: dict[Any, Any] = {}
    for knode, vnode in node.value:
        key = construct(knode, (*path, "<key>"), {}, problems, source, budget)
        if isinstance(key, list | dict):
            problems.append(Problem(source, knode.start_mark.line + 1, key_text(path),
                                    "keys must be plain words"))
            continue
        if key in out:
            problems.append(Problem(source, knode.start_mark.line + 1,
                                    key_text((*path, key)), "duplicate key"))
            continue
        lines[(*path, key)] = knode.start_mark.line + 1
        out[key] = construct(vnode, (*path, key), lines, problems, source, budget)
    return out


def _clean_loc(loc: tuple) -> tuple:
    """Drop the discriminator tag pydantic inserts after a shock's index."""
    out: list[Any] = []
    k = 0
    while k < len(loc):
        part = loc[k]
        out.append(part)
        if (len(out) == 2 and out[0] == "shocks" and isinstance(part, int)
                and k + 1 < len(loc) and loc[k + 1] in SHOCK_TYPES):
            k += 1  # skip the tag
        k += 1
    return tuple(out)


def _problems(exc: ValidationError, data: Any, lines: dict[tuple, int], source: str
              ) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = _clean_loc(tuple(err["loc"]))
        msg = str(err["msg"]).removeprefix("Value error, ")
        kind = err["type"]
        if kind == "extra_forbidden":
            known = _known_keys(loc[:-1], data)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else \
                (f"; expected one of {', '.join(sorted(known))}" if known else "")
            msg = f"unknown key {loc[-1]!r}{hint}"
        elif kind == "union_tag_invalid":
            tag = err.get("ctx", {}).get("tag")
            close = difflib.get_close_matches(str(tag), list(SHOCK_TYPES), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            msg = f"unknown shock type {tag!r}; {hint}expected one of {', '.join(SHOCK_TYPES)}"
            loc = (*loc, "type")
        elif kind == "union_tag_not_found":
            msg = f"each shock needs a type: one of {', '.join(SHOCK_TYPES)}"
        elif kind == "missing":
            msg = f"missing required key {loc[-1]!r}"
        elif kind == "literal_error":
            got = err.get("input")
            expected = str(err.get("ctx", {}).get("expected", ""))
            options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
            close = difflib.get_close_matches(str(got), options, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            msg = f"{got!r} is not allowed; expected {expected}{hint}"
        problems.append(Problem(source, line_for(lines, loc), key_text(loc), msg))
    return sorted(problems, key=lambda p: (p.row or 0, p.field or ""))


def _unwrap(ann: Any) -> Any:
    """The model class inside an annotation (through Optional, list, dict, Annotated)."""
    origin = typing.get_origin(ann)
    if origin is Annotated:
        return _unwrap(typing.get_args(ann)[0])
    if origin in (Union, types.UnionType):
        for a in typing.get_args(ann):
            m = _unwrap(a)
            if isinstance(m, type) and issubclass(m, BaseModel):
                return m
        return None
    if origin in (list, tuple):
        return _unwrap(typing.get_args(ann)[0])
    if origin is dict:
        return _unwrap(typing.get_args(ann)[1])
    return ann


def _known_keys(loc: tuple, data: Any) -> list[str]:
    cls: Any = Scenario
    node = data
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if loc[0] == "shocks" and isinstance(node, dict):
                cls = SHOCK_TYPES.get(str(node.get("type")), cls)
            continue
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            return []
        f = cls.model_fields.get(part)
        if f is None:
            return []
        cls = _unwrap(f.annotation)
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return list(cls.model_fields)
    return []


def _check_internal(sc: Scenario) -> list[Problem]:
    """Checks that need the whole file but no network."""
    problems = []
    overlap = set(sc.legs.include) & set(sc.legs.exclude)
    for d in sorted(overlap):
        problems.append(sc.problem(("legs", "exclude"), f"{d} is both included and excluded"))
    kinds = set(ENTITY_KINDS)
    for k in sc.mapping.outside_kinds:
        if k not in kinds:  # pragma: no cover - guarded by the Literal
            problems.append(sc.problem(("mapping", "outside_kinds"), f"unknown kind {k!r}"))
    return problems


