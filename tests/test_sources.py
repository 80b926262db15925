"""``dealloop sources``: tiers, the weak list, and the library functions behind them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import dealloop as dl
from dealloop.cli import app
from dealloop.data.schema import SOURCE_TIERS
from dealloop.sources import citable_gaps, source_table, tier_counts, tiers, weak_items

runner = CliRunner()


@pytest.fixture(scope="module")
def net() -> dl.DealNetwork:
    return dl.load()


def test_every_source_has_a_known_tier(net: dl.DealNetwork) -> None:
    t = tiers(net)
    assert set(t) == set(net.sources["id"])
    assert set(t.values()) <= set(SOURCE_TIERS)
    assert sum(tier_counts(net).values()) == len(net.sources)


def test_table_is_sorted_best_tier_first_and_counts_citations(net: dl.DealNetwork) -> None:
    table = source_table(net)
    ranks = table["tier"].map(SOURCE_TIERS.index).tolist()
    assert ranks == sorted(ranks)
    # the counts agree with the legs' own source lists
    sid = table.iloc[0]["id"]
    n = sum(sid in str(refs).split(";") for refs in net.deals["sources"])
    assert table.iloc[0]["legs"] == n


def test_weak_items_stand_only_on_aggregators(net: dl.DealNetwork) -> None:
    t = tiers(net)
    for item in weak_items(net):
        assert item.sources and all(t[s] == "aggregator" for s in item.sources)
    # and nothing citable is listed as weak
    weak = {(w.file, w.id) for w in weak_items(net)}
    a_legs = net.deals[net.deals["evidence"] == "A"]["id"]
    assert not {("deals", i) for i in a_legs} & weak


def test_no_a_grade_leg_lacks_a_citable_source(net: dl.DealNetwork) -> None:
    assert citable_gaps(net) == []


def test_unrated_sources_count_as_aggregators(tmp_path) -> None:
    import shutil

    from dealloop.datasets import path as bundled_path

    root = tmp_path / "d"
    shutil.copytree(bundled_path(), root)
    text = (root / "sources.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    k = header.index("tier")
    out = [text[0]]
    import csv
    import io

    for row in csv.reader(io.StringIO("\n".join(text[1:]))):
        row[k] = ""
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(row)
        out.append(buf.getvalue())
    (root / "sources.csv").write_text("\n".join(out) + "\n", encoding="utf-8")
    n = dl.load(root)
    assert set(tiers(n).values()) == {"aggregator"}
    assert len(citable_gaps(n)) == int((n.deals["evidence"] == "A").sum())


def test_cli_lists_tiers_and_weak_items() -> None:
    res = runner.invoke(app, ["sources", "--json", "--tier", "primary"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["sources"] and {s["tier"] for s in data["sources"]} == {"primary"}
    res = runner.invoke(app, ["sources", "--weak", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["a_grade_without_citable_source"] == []
    assert all(w["best_tier"] == "aggregator" for w in data["aggregator_only"])


def test_cli_refuses_an_unknown_tier() -> None:
    res = runner.invoke(app, ["sources", "--tier", "blog"])
    assert res.exit_code == 2
    assert "unknown tier" in res.output


def test_cli_lists_the_most_cited_of_each_tier_and_every_one_on_request() -> None:
    """By default the ten most cited sources of each tier and how many more there are;
    --all or --tier lists every one (each id printed once)."""
    net = dl.load()
    counts = tier_counts(net)
    short = runner.invoke(app, ["sources"], env={"COLUMNS": "120"})
    full = runner.invoke(app, ["sources", "--all"], env={"COLUMNS": "120"})
    assert short.exit_code == full.exit_code == 0
    ids = set(net.sources["id"])

    def listed(text: str) -> list[str]:
        return [w for w in text.split() if w in ids]

    assert sorted(listed(full.stdout)) == sorted(ids)
    assert len(listed(short.stdout)) == sum(min(n, 10) for n in counts.values() if n)
    top = source_table(net).groupby("tier", sort=False).head(10)["id"].tolist()
    assert listed(short.stdout) == top
    for t, n in counts.items():
        if n > 10:
            label = t.replace("_", " ")
            assert f"{n - 10} more: dealloop sources --tier '{label}'" in short.stdout
    one = runner.invoke(app, ["sources", "--tier", "primary"], env={"COLUMNS": "120"})
    assert len(listed(one.stdout)) == counts["primary"]
