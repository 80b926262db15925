"""The command line as a user runs it: exit codes, JSON, exports, no partial files (in this
process; a process of its own only to check what importing the command line loads)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from .conftest import MINI, cli


def test_version_and_help() -> None:
    res = cli("--version")
    assert res.returncode == 0 and res.stdout.startswith("dealloop ")
    res = cli("--help")
    assert res.returncode == 0
    for command in ("validate", "summary", "export", "diff"):
        assert command in res.stdout
    for command in ("validate", "summary", "export", "diff"):
        sub = cli(command, "--help")
        assert sub.returncode == 0 and "Usage" in sub.stdout


def test_command_list_shows_each_summary_unbroken() -> None:
    """Typer's rich mode keeps a docstring's line breaks; the list must not cut mid-sentence."""
    from dealloop.cli import COMMANDS

    res = cli("--help", env={"COLUMNS": "400"})
    rows = {line.strip("│ ").split(" ", 1)[0]: line for line in res.stdout.splitlines()}
    for name, command in COMMANDS.items():
        first = " ".join((command.__doc__ or "").split("\n\n")[0].split())
        assert first and first in rows[name], name


def test_help_does_not_import_heavy_libraries() -> None:
    code = ("import sys, dealloop.cli; heavy = {'pandas', 'numpy', 'scipy', 'networkx', 'dask'}"
            " & set(sys.modules); print(sorted(heavy))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"


def test_usage_error_exit_2() -> None:
    assert cli("summary", "--no-such-flag").returncode == 2
    assert cli("export", "--format", "pdf", "-o", "x").returncode == 2


def test_summary_json_totals(tmp_path: Path) -> None:
    res = cli("summary", "--data", str(MINI), "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    totals = data["totals_usd_bn"]
    compute = totals["compute_contract"]
    assert compute["firm"] == pytest.approx(300 + 15.9)
    assert compute["all"] == pytest.approx(300 + 22.4)
    assert data["legs_by_status"]["superseded"] == 1
    # derived legs sit apart, as a range
    assert totals["chip_purchase"]["derived_low"] == 8 and totals["chip_purchase"]["all"] == 40


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "csv"])
def test_export_formats_open(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"net.{fmt}"
    res = cli("export", "--format", fmt, "-o", str(out), "--data", str(MINI))
    assert res.returncode == 0, res.stderr
    if fmt == "graphml":
        g = nx.read_graphml(out)
        assert g.number_of_edges() == 12
    elif fmt == "gexf":
        assert nx.read_gexf(out).number_of_nodes() == 5
    elif fmt == "json":
        data = json.loads(out.read_text())
        g = nx.node_link_graph(data, edges="edges")
        assert g.number_of_edges() == 12 and data["cytoscape"]["nodes"]
    else:
        rows = list(csv.DictReader(out.open()))
        assert len(rows) == 12 and rows[0]["source_urls"].startswith("https://")


def test_csv_export_neutralises_formulas(tmp_path: Path) -> None:
    data = tmp_path / "evil"
    data.mkdir()
    for f in ("entities.csv", "deals.csv", "sources.csv"):
        (data / f).write_text((MINI / f).read_text())
    ent = (data / "entities.csv").read_text().replace("ChipCo,", '"=HYPERLINK(""http://x"")",')
    (data / "entities.csv").write_text(ent.replace("A chip vendor.", "@SUM(A1)"))
    deals = (data / "deals.csv").read_text().replace("Five-year contract.", "+1+1")
    (data / "deals.csv").write_text(deals)
    out = tmp_path / "legs.csv"
    assert cli("export", "-f", "csv", "-o", str(out), "--data", str(data)).returncode == 0
    cells = [c for row in csv.reader(out.open()) for c in row]
    assert "'=HYPERLINK(\"http://x\")" in cells and "'+1+1" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_export_to_unwritable_place_fails_cleanly(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    res = cli("export", "-f", "json", "-o", str(target / "sub" / "out.json"), "--data", str(MINI))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert target.read_text() == "x"


def test_diff(tmp_path: Path) -> None:
    new = tmp_path / "new"
    new.mkdir()
    for f in ("entities.csv", "sources.csv"):
        (new / f).write_text((MINI / f).read_text())
    deals = (MINI / "deals.csv").read_text().replace("chip_purchase,40,", "chip_purchase,45,")
    deals = "\n".join(line for line in deals.splitlines() if not line.startswith("M12,")) + "\n"
    (new / "deals.csv").write_text(deals)
    res = cli("diff", str(MINI), str(new), "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)["deals.csv"]
    assert d["removed"] == ["M12"] and d["added"] == []
    assert d["changed"]["M04"]["amount_usd_bn"] == {"old": 40.0, "new": 45.0}
    text = cli("diff", str(MINI), str(new)).stdout
    assert "deals.csv: ~ M04.amount_usd_bn: 40.0 -> 45.0" in text


def test_synth_writes_a_valid_dataset(tmp_path: Path) -> None:
    out = tmp_path / "syn"
    res = cli("synth", "-n", "120", "--degree", "2", "--seed", "3", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert cli("validate", str(out)).returncode == 0
    data = json.loads(cli("summary", "--data", str(out), "--json").stdout)
    assert data["entities"] == 120 and data["legs"] > 150


def test_cycles_json_has_the_classic_loop() -> None:
    res = cli("cycles", "--json", "--limit", "200")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    rings = {tuple(loop["firms"]) for loop in data["loops"]}
    rotations = {("nvidia", "openai", "oracle"), ("openai", "oracle", "nvidia"),
                 ("oracle", "nvidia", "openai")}
    assert rings & rotations
    classic = next(lp for lp in data["loops"] if tuple(lp["firms"]) in rotations)
    legs = {leg for hop in classic["hops"] for leg in hop["legs"]}
    assert {"D02", "D03", "D04"} <= legs


def test_cycles_respects_max_length_and_filters() -> None:
    data = json.loads(cli("cycles", "--json", "-k", "3", "--evidence", "A").stdout)
    assert data["loops"] and all(len(lp["firms"]) <= 3 for lp in data["loops"])
    res = cli("cycles", "--status", "signed")
    assert res.returncode == 2 and "Traceback" not in res.stderr


def test_circularity_json() -> None:
    res = cli("circularity", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert 0 <= data["system"]["fci"] < 1 and 0 <= data["system"]["fci_all_money"] < 1
    firms = {row["firm"]: row for row in data["firms"]}
    assert firms["openai"]["commitments"] > firms["openai"]["n_loops"] > 0


def test_written_files_follow_the_umask(tmp_path: Path) -> None:
    from dealloop.data.write import atomic_write_text

    old = os.umask(0o022)
    try:
        out = atomic_write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644
