"""Adding a deal leg to a user copy: validated, sourced, versioned, bundled data untouched."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import dealloop as dl
from dealloop import datasets
from dealloop.cli import app
from dealloop.data.problems import DataError
from dealloop.report.bundle import dataset_part
from dealloop.userdata import add_leg, user_copy

runner = CliRunner()

LEG = ["--payer", "nvidia", "--payee", "openai", "--kind", "equity_investment", "--amount", "5",
       "--status", "committed", "--evidence", "B", "--announced", "2026-03"]
SOURCE = ["--url", "https://example.com/nv-oai", "--publisher", "Example", "--title",
          "NVIDIA adds five", "--date", "2026-03-02"]


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.iterdir()):
        if f.is_file():
            h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def test_cli_adds_a_leg_to_a_new_copy(tmp_path: Path) -> None:
    bundled = _digest(datasets.path())
    mine = tmp_path / "mine"
    out = runner.invoke(app, ["add-leg", "--data", str(mine), *LEG, *SOURCE, "--json"])
    assert out.exit_code == 0, out.output
    done = json.loads(out.output)
    assert done["leg"] == "U01" and done["new_source"]
    net = dl.load(mine)
    row = net.deals.set_index("id").loc["U01"]
    assert (row["payer"], row["payee"], row["amount_usd_bn"]) == ("nvidia", "openai", 5.0)
    assert net.source_urls(row["sources"]) == ["https://example.com/nv-oai"]
    assert net.meta["version"] == "2026.12.0+user.1"
    part = dataset_part(net)
    assert part["release_status"] == "modified" and "modified" in part["release_note"]
    assert _digest(datasets.path()) == bundled
    # The bundled legs are all still there, unchanged.
    base = dl.load()
    assert net.deals[net.deals["id"] != "U01"].reset_index(drop=True).equals(base.deals)
    # A second leg citing the same URL reuses the source and bumps the version again.
    again = runner.invoke(app, ["add-leg", "--data", str(mine), *LEG, "--amount", "2",
                                *SOURCE, "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["leg"] == "U02" and not json.loads(again.output)["new_source"]
    assert dl.load(mine).meta["version"] == "2026.12.0+user.2"


def test_bad_leg_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    mine = user_copy(tmp_path / "mine")
    before = _digest(mine)
    with pytest.raises(DataError) as info:
        add_leg(mine, {"payer": "nvdia", "payee": "openai", "kind": "equity_investment",
                       "amount_usd_bn": -3, "status": "committed", "evidence": "B"},
                source={"url": "https://example.com/x"})
    text = "\n".join(map(str, info.value.problems))
    assert "payer: unknown entity 'nvdia'" in text and "amount_usd_bn" in text
    assert all(str(p).startswith(str(mine / "deals.csv")) for p in info.value.problems)
    assert _digest(mine) == before
    out = runner.invoke(app, ["add-leg", "--data", str(mine), *LEG, "--payer", "nvdia",
                              *SOURCE])
    assert out.exit_code == 1 and "nothing written" in out.output
    assert "Traceback" not in out.output and _digest(mine) == before


def test_the_bundled_data_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="read-only"):
        add_leg(datasets.path(), {"payer": "nvidia"}, source={"url": "https://example.com"})
    out = runner.invoke(app, ["add-leg", "--data", str(datasets.path()), *LEG, *SOURCE])
    assert out.exit_code == 2 and "read-only" in out.output


def test_a_leg_needs_a_source_and_scripts_give_every_field(tmp_path: Path) -> None:
    mine = user_copy(tmp_path / "mine")
    with pytest.raises(ValueError, match="needs a source"):
        add_leg(mine, {"payer": "nvidia", "payee": "openai", "kind": "loan",
                       "status": "committed", "evidence": "B", "amount_usd_bn": 1})
    out = runner.invoke(app, ["add-leg", "--data", str(mine), "--payer", "nvidia"])
    assert out.exit_code == 2 and "--payee" in out.output and "--url" in out.output


def test_prompts_fill_missing_fields(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dealloop.commands import edit

    monkeypatch.setattr(edit, "interactive", lambda: True)
    mine = tmp_path / "mine"
    answers = "nvidia\nopenai\nequity_investment\ncommitted\nB\nhttps://example.com/p\n"
    out = runner.invoke(app, ["add-leg", "--data", str(mine), "--amount", "1"], input=answers)
    assert out.exit_code == 0, out.output
    assert "U01" in set(dl.load(mine).deals["id"])
