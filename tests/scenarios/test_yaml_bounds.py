"""Scenario files are read like datasets (issue #20): regular files only, a size cap, and a
YAML loader with a nesting limit, an alias budget and no tags on mappings or lists."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealloop.data.problems import DataError
from dealloop.scenarios.spec import MAX_DEPTH, MAX_SCENARIO_BYTES, load, loads

from ..conftest import MINI, cli


def one_problem(call, *args) -> str:
    with pytest.raises(DataError) as info:
        call(*args)
    assert len(info.value.problems) == 1, info.value.problems
    text = str(info.value.problems[0])
    assert "\n" not in text
    return text


def bomb(levels: int) -> str:
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "name: x\nquestion: q\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [6, 9, 12])
def test_alias_bomb_is_refused_in_bounded_work(levels: int) -> None:
    assert "expands to more than 100,000 values" in one_problem(loads, bomb(levels))


def test_recursive_alias_is_a_problem_not_a_recursion_error() -> None:
    msg = one_problem(loads, "name: &r [*r]\nquestion: q\n")
    assert "<scenario>:1: name[0]: recursive alias" in msg


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 600, 5000])
def test_deep_nesting_is_refused(depth: int) -> None:
    for text in ("x: " + "[" * depth + "]" * depth, "x: " + "{a: " * depth + "1" + "}" * depth):
        assert f"nested more than {MAX_DEPTH} levels deep" in one_problem(loads, text)


def test_too_many_aliases() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 1000) + "]\n"
    assert "aliases" in one_problem(loads, text)


@pytest.mark.parametrize("tagged", ["shocks: !!set {a: null}", "shocks: !!omap [{a: 1}]",
                                    "legs: !custom {include: [M01]}",
                                    "shocks: !!python/object/apply:os.system [ls]"])
def test_tags_on_mappings_and_lists_are_rejected(tagged: str) -> None:
    msg = one_problem(loads, f"name: x\nquestion: q\n{tagged}\n")
    assert ":3: " in msg and ("is not allowed" in msg or "cannot read value" in msg)


def test_plain_tags_are_fine() -> None:
    assert loads("!!map\nname: !!str x\nquestion: q\n").name == "x"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_and_devices_are_refused_before_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)  # opening it would block forever
    assert "is not a regular file" in one_problem(load, str(fifo))
    assert "is not a regular file" in one_problem(load, "/dev/zero")
    assert "is a directory" in one_problem(load, str(tmp_path))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_signals_config_is_read_like_a_scenario_file(tmp_path: Path) -> None:
    """The signals config (``signals -c``) goes through the same reader: a pipe or device
    is refused unopened (it was reported as 'no such file'), a huge file unread."""
    from dealloop.markets.config import load_config

    fifo = tmp_path / "c.yaml"
    os.mkfifo(fifo)
    assert "is not a regular file" in one_problem(load_config, str(fifo))
    assert "is not a regular file" in one_problem(load_config, "/dev/zero")
    assert "is a directory, not a signals config" in one_problem(load_config, str(tmp_path))
    assert "no such file" in one_problem(load_config, str(tmp_path / "missing.yaml"))
    big = tmp_path / "big.yaml"
    with open(big, "w") as fh:
        fh.write("recovery: 0.4\nnotes: ")
        fh.truncate(MAX_SCENARIO_BYTES + 1)
    assert "larger than the 1,024 KiB a signals config" in one_problem(load_config, str(big))


def test_size_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "w") as fh:
        fh.write("name: x\nquestion: q\nnotes: ")
        fh.truncate(MAX_SCENARIO_BYTES + 1)
    assert "larger than the 1,024 KiB" in one_problem(load, str(big))
    assert "characters; refusing" in one_problem(loads, "x" * (MAX_SCENARIO_BYTES + 1))


@pytest.mark.parametrize(("data", "expect"), [("\ufeffname: x".encode("utf-16"), "UTF-16"),
                                              (b"name: \xff\xfe x\n", "not UTF-8")])
def test_encodings(tmp_path: Path, data: bytes, expect: str) -> None:
    f = tmp_path / "s.yaml"
    f.write_bytes(data)
    assert expect in one_problem(load, str(f))


def test_cli_alias_bomb_and_dev_zero_exit_1_without_traceback(tmp_path: Path) -> None:
    f = tmp_path / "bomb.yaml"
    f.write_text(bomb(9))
    for target in (str(f), "/dev/zero"):
        res = cli("stress", target, "--data", str(MINI))
        assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr[-2000:]


# ------------------------------------------------------------------------ fuzz
_FUZZ = settings(max_examples=150, deadline=10_000,  # bounded work: no example may take 10 s
                 suppress_health_check=[HealthCheck.too_slow])

_TOKENS = st.sampled_from(["&a ", "*a", "&b ", "*b", "[", "]", "{", "}", ": ", ", ", "- ",
                           "\n", "  ", "!!set ", "!!omap ", "!!python/object:os.system ",
                           "!x ", "<<: ", "name", "question", "shocks", "type: fail",
                           "entity: chipco", "1e308", "-0", "~", "'", '"', "#", "|", ">",
                           "? ", "---", "...", "%YAML 1.1\n", "\t", "\x00", "\u202e", "\x1b"])


@_FUZZ
@given(st.lists(_TOKENS, max_size=60).map("".join))
def test_fuzz_yaml_tokens_give_a_clean_error(text: str) -> None:
    try:
        loads(text)
    except DataError as exc:
        assert exc.problems and all("\n" not in str(p) for p in exc.problems)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=25)


@_FUZZ
@given(st.dictionaries(st.sampled_from(["name", "question", "shocks", "legs", "mapping",
                                        "monte_carlo", "horizon", "models", "x"]),
                       _VALUES, max_size=6))
def test_fuzz_yaml_documents_give_a_clean_error(doc: dict) -> None:
    try:
        loads(yaml.safe_dump(doc))
    except DataError as exc:
        assert exc.problems


@_FUZZ
@given(st.binary(max_size=2048))
def test_fuzz_bytes_as_a_scenario_file(tmp_path_factory: pytest.TempPathFactory,
                                       raw: bytes) -> None:
    f = tmp_path_factory.mktemp("fz") / "s.yaml"
    f.write_bytes(raw)
    try:
        load(str(f))
    except DataError as exc:
        assert exc.problems
