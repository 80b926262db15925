"""Releases: the content hash, the status a report shows, earlier releases for ``diff``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

import dealloop as dl
from dealloop import datasets
from dealloop.cli import app
from dealloop.data.release import content_hash, describe
from dealloop.report.bundle import dataset_part

runner = CliRunner()


def test_bundled_dataset_is_the_release_it_names() -> None:
    net = dl.load()
    pkg = json.loads((datasets.path() / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["version"] == "2026.12.0"
    assert net.meta["content_hash"] == content_hash(datasets.path())
    assert net.meta["release_status"] == "release", "run: python -m dealloop.data.release " \
        "src/dealloop/datasets/ai2026"
    assert "the release as published" in dataset_part(net)["release_note"]


def test_an_edited_copy_says_so(tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(datasets.path(), root)
    deals = root / "deals.csv"
    deals.write_text(deals.read_text(encoding="utf-8").replace(",30,,,reported,cash_flow,"
                                                               "committed,,2026-02-20,",
                                                               ",31,,,reported,cash_flow,"
                                                               "committed,,2026-02-20,", 1),
                     encoding="utf-8")
    net = dl.load(root)
    part = dataset_part(net)
    assert part["release_status"] == "modified"
    assert part["version"] == "2026.12.0" and "modified copy" in part["release_note"]
    assert part["content_hash"] != net.meta["release_hash"]


def test_a_copy_without_a_recorded_hash_is_not_a_release(tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(datasets.path(), root)
    pkg = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    del pkg["content_hash"]
    (root / "datapackage.json").write_text(json.dumps(pkg), encoding="utf-8")
    assert dl.load(root).meta["release_status"] == "unreleased"
    assert describe(dl.load(root).meta).endswith(")")


def test_the_report_states_the_release() -> None:
    from dealloop.report.bundle import results_bundle
    from dealloop.report.render import render_report

    html = render_report(results_bundle(dl.load(), layout=False))
    assert 'id="dataset-release"' in html and "the release as published" in html


def test_earlier_release_is_kept_and_diffable() -> None:
    assert "2026.11.0" in datasets.releases("ai2026")
    old = dl.load("ai2026@2026.11.0")
    assert old.meta["version"] == "2026.11.0"
    res = runner.invoke(app, ["diff", "ai2026@2026.11.0", "ai2026", "--json"])
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert "D53" in text and "amount_low" in text  # the invented range that was removed


def test_softbank_yen_figures_are_converted_with_a_sourced_rate() -> None:
    net = dl.load()
    row = net.entities.index[net.entities["id"] == "softbank"][0]
    fx = net.provenance.at[row, "fx"]
    rate = net.figures.loc[net.figures["id"] == fx].iloc[0]
    assert rate["metric"] == "fx_usd_jpy" and isinstance(rate["as_of"], str)
    fid = net.provenance.at[row, "cash_usd_bn"]
    yen = net.figures.loc[net.figures["id"] == fid].iloc[0]
    assert yen["unit"] == "jpy_tn"
    assert net.entities.at[row, "cash_usd_bn"] == yen["value"] * 1000 / rate["value"]


def test_changelog_has_no_repeated_paragraph() -> None:
    """Merges of parallel dataset work have interleaved and doubled the CHANGELOG; every
    paragraph and bullet (a block of text) says its thing once."""
    text = (Path(dl.__file__).parent / "datasets" / "ai2026" / "CHANGELOG.md").read_text()
    blocks = [b.strip() for b in text.replace("\n- ", "\n\n- ").split("\n\n")]
    long = [b for b in blocks if len(b) > 60]
    repeated = sorted({b[:70] for b in long if long.count(b) > 1})
    assert repeated == []
    headers = [b for b in blocks if b.endswith(":") and "\n" not in b]
    assert len(headers) == len(set(headers)), "a session's section appears twice"
