"""The broken-dataset corpus: each fixture has exactly the problems its expected.txt lists."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import dealloop as dl
from dealloop.data.schema import MAX_FILE_BYTES

from .conftest import cli

DATA = Path(__file__).parent / "data"
BROKEN = sorted(p for p in (DATA / "broken").iterdir() if p.is_dir())


def _expected(case: Path) -> list[str]:
    """The problem lines of expected.txt (each the start of one printed problem)."""
    return [line for line in (case / "expected.txt").read_text().splitlines() if line.strip()]


def _dataset(case: Path, tmp_path: Path) -> Path:
    if case.name != "too_large":
        return case
    target = tmp_path / case.name
    shutil.copytree(case, target)
    with open(target / "deals.csv", "ab") as fh:  # a sparse file: no disk, no time
        fh.truncate(MAX_FILE_BYTES + 2**20)
    return target


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture_reports_exact_location(case: Path, tmp_path: Path) -> None:
    problems = dl.validate(_dataset(case, tmp_path))
    expected = _expected(case)
    for line in expected:
        assert any(str(p).startswith(line) for p in problems), \
            f"{case.name}: {line!r} not reported; got {[str(p) for p in problems]}"
    # Nothing else is reported as an error.
    extra = [str(p) for p in problems if p.severity == "error"
             and not any(line.startswith(p.location + ": ") for line in expected)]
    assert not extra, extra


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_load_raises_or_accepts_consistently(case: Path, tmp_path: Path) -> None:
    path = _dataset(case, tmp_path)
    errs = [p for p in dl.validate(path) if p.severity == "error"]
    if errs:
        with pytest.raises(dl.DataError) as info:
            dl.load(path)
        assert len(info.value.problems) == len(errs)
    else:
        assert len(dl.load(path).deals) > 0


def test_mini_is_clean() -> None:
    assert dl.validate(DATA / "mini") == []


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    """Several independent problems in several files come back together."""
    target = tmp_path / "many"
    shutil.copytree(DATA / "mini", target)
    deals = (target / "deals.csv").read_text()
    deals = deals.replace("chip_purchase,40,", "chip_purchase,-40,").replace(",0.03,A", ",2,A")
    (target / "deals.csv").write_text(deals)
    src = (target / "sources.csv").read_text().replace("https://example.com/chipco", "mailto:x")
    (target / "sources.csv").write_text(src)
    fields = {(p.file, p.field) for p in dl.validate(target)}
    want = {("deals.csv", "amount_usd_bn"), ("deals.csv", "stake"), ("sources.csv", "url")}
    assert want <= fields


@pytest.mark.parametrize("name", ["negative_amount", "unknown_payer", "non_utf8", "missing_file"])
def test_cli_validate_exit_1_without_traceback(name: str) -> None:
    res = cli("validate", str(DATA / "broken" / name))
    assert res.returncode == 1
    assert "Traceback" not in res.stderr + res.stdout
    assert _expected(DATA / "broken" / name)[0] in res.stderr
    assert "error(s)" in res.stderr


def test_cli_validate_clean_and_bom_exit_0() -> None:
    assert cli("validate", str(DATA / "mini")).returncode == 0
    res = cli("validate", str(DATA / "broken" / "bom"))
    assert res.returncode == 0 and "byte-order mark" in res.stderr


def test_cli_commands_refuse_bad_data_without_traceback(tmp_path: Path) -> None:
    out = tmp_path / "x.graphml"
    res = cli("export", "--format", "graphml", "-o", str(out),
               "--data", str(DATA / "broken" / "unknown_payer"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "deals.csv:" in res.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_cli_missing_directory() -> None:
    res = cli("summary", "--data", "/nonexistent/dir")
    assert res.returncode == 1 and "does not exist" in res.stderr and "Traceback" not in res.stderr
