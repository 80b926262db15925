"""``dealloop sources``: tiers, the weak list, and the library functions behind them."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

import dealloop as dl
from dealloop.cli import app
from dealloop.data.schema import SOURCE_TIERS
from dealloop.sources import (
    citable_gaps,
    source_table,
    tier_counts,
    tiers,
    undated_items,
    weak_items,
)

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


def _blanked(tmp_path, *columns: str) -> dl.DealNetwork:
    """The bundled dataset with some columns of ``sources.csv`` emptied."""
    import csv
    import io
    import shutil

    from dealloop.datasets import path as bundled_path

    root = tmp_path / "d"
    shutil.copytree(bundled_path(), root)
    text = (root / "sources.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    out = [text[0]]
    for row in csv.reader(io.StringIO("\n".join(text[1:]))):
        for column in columns:
            row[header.index(column)] = ""
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(row)
        out.append(buf.getvalue())
    (root / "sources.csv").write_text("\n".join(out) + "\n", encoding="utf-8")
    return dl.load(root)


def test_unrated_sources_count_as_aggregators(tmp_path) -> None:
    n = _blanked(tmp_path, "tier")
    assert set(tiers(n).values()) == {"aggregator"}
    assert len(citable_gaps(n)) == int((n.deals["evidence"] == "A").sum())


# Legs and company figures none of whose sources has a publication date yet. The list may
# only shrink: date a source (from the stored page's dateline, never a guess) or add a dated
# copy, then delete the id here.
UNDATED_YET = {
    "deals": {
        "D14", "D16", "D39", "X01", "X10",
    },
    "figures": {
        "F008", "F033", "F049", "F070", "F079", "F089", "F103", "F106", "F107", "F110",
        "F118", "F120", "F121", "F134", "F143", "F144", "F156", "F168", "F178", "F179", "F180",
        "F181", "F192", "F193", "F205", "F402",
    },
}


def test_every_leg_and_figure_has_a_dated_source(net: dl.DealNetwork) -> None:
    found: dict[str, set[str]] = {"deals": set(), "figures": set()}
    for item in undated_items(net):
        if item.file in found:
            found[item.file].add(item.id)
    for file, allowed in UNDATED_YET.items():
        new = found[file] - allowed
        assert not new, f"{file}: no source with a date: {sorted(new)}"
        fixed = allowed - found[file]
        assert not fixed, f"{file}: dated now, remove from UNDATED_YET: {sorted(fixed)}"


#: A source title in our own words rather than the page's: "Coverage of ...", "Repost of ..."
#: or a label such as "(aggregator)" or "(filing mirror)" (issue #11: titles are the page's own).
OWN_WORDS = re.compile(r"^(?:Coverage of|Repost of)\b|\((?:aggregator|filing mirror|"
                       r"AI-generated summary|research platform|crypto news repost)\)$")

#: Sources whose title is still our description because the stored page's headline was not
#: found; it may only shrink (each fixed title is removed from here).
OWN_WORDS_YET = {
    "s-0329d35109", "s-0bae2ead93", "s-0ca37d4e9e", "s-11e262833c", "s-13e79e3092", "s-152b07cd78",
    "s-162acc3557", "s-16847dda7e", "s-199333be09", "s-1ad1fa6191", "s-2226f1182b", "s-22b22022fb",
    "s-2737bd4799", "s-2bbdfc13d5", "s-336483301d", "s-3697f5801f", "s-3883071f95", "s-42234ff933",
    "s-42bad59418", "s-4b3dfe3108", "s-4c3161e5cf", "s-4cefd371c7", "s-4d42f80b1d", "s-5d6a4325b8",
    "s-61878eaedc", "s-64441c1843", "s-6d87e8c862", "s-6ec3755c68", "s-6fa09006eb", "s-77c5407e6f",
    "s-79ec53fb63", "s-7da205b427", "s-7ef722c30c", "s-7ff06f407c", "s-81519d2348", "s-902f9ff3ed",
    "s-a29e2357a6", "s-a6e299fb7f", "s-aa3f3d52ab", "s-aba4f75662", "s-abff193e53", "s-b53e6bb4ad",
    "s-bcf8b82738", "s-be7afe2361", "s-c12667a716", "s-c745ee010b", "s-c87899b593", "s-cd739097a0",
    "s-db4fd22294", "s-dba0a71186", "s-e0f2b3e0cf",
}


def test_own_words_pattern_tells_descriptions_from_page_titles() -> None:
    ours = ["Coverage of the Meta-AMD 6 GW deal", "Repost of AMD's Q4 results release",
            "NVIDIA debt analysis (aggregator)",
            "Alphabet 10-K segment information (filing mirror)"]
    theirs = ["Analysis of Debt (Intel Corp.)", "Meta And AMD Sign 6 Gigawatt Data Center Deal",
              "Recovering from coverage of the crash (aggregator data)", "Intel Statistics"]
    assert all(OWN_WORDS.search(t) for t in ours)
    assert not any(OWN_WORDS.search(t) for t in theirs)


def test_source_titles_are_the_pages_own(net: dl.DealNetwork) -> None:
    found = {str(i) for i, title in zip(net.sources["id"], net.sources["title"], strict=True)
             if isinstance(title, str) and OWN_WORDS.search(title)}
    new = found - OWN_WORDS_YET
    assert not new, f"titles in our words, not the page's: {sorted(new)}"
    fixed = OWN_WORDS_YET - found
    assert not fixed, f"titles fixed, remove from OWN_WORDS_YET: {sorted(fixed)}"


def test_undated_items_sees_every_row_when_no_source_has_a_date(tmp_path) -> None:
    n = _blanked(tmp_path, "date", "original_date")
    undated = {(u.file, u.id) for u in undated_items(n)}
    assert {("deals", str(i)) for i in n.deals["id"]} <= undated
    assert {("figures", str(i)) for i in n.figures["id"]} <= undated


def test_a_copy_stating_its_originals_date_is_dated(tmp_path) -> None:
    """Without their own dates, the legs citing a copy with an ``original_date`` stay dated."""
    n = _blanked(tmp_path, "date")
    copies = set(n.sources.dropna(subset=["original_date"])["id"])
    undated = {u.id for u in undated_items(n)}
    citing = {str(i) for i, refs in zip(n.deals["id"], n.deals["sources"], strict=True)
              if set(str(refs).split(";")) & copies}
    assert citing and not citing & undated


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
