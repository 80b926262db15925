"""Content checks on the bundled ``ai2026`` dataset (entities, deals, sources).

The CSV files are read with pandas directly so these checks do not depend on the loader; when
``dealloop.validate`` is importable it is run as well. Totals are computed here from the rows
(live legs, parts counted once), never hard-coded per leg.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "src" / "dealloop" / "datasets" / "ai2026"

ENTITY_COLUMNS = ["id", "name", "kind", "country", "listed", "ticker", "parent", "as_of",
                  "sources", "notes"]
DEAL_COLUMNS = ["id", "payer", "payee", "kind", "amount_usd_bn", "amount_low", "amount_high",
                "basis", "money", "status", "condition", "announced", "status_date", "start", "end",
                "stake",
                "evidence", "supersedes", "part_of", "sources", "notes"]
SOURCE_COLUMNS = ["id", "url", "publisher", "title", "date", "tier", "original_publisher",
                  "original_title", "original_date"]
FIGURE_COLUMNS = ["id", "entity", "metric", "value", "unit", "period", "as_of", "sources",
                  "counterparty", "notes", "evidence"]

ENTITY_KINDS = {"chip_vendor", "ai_lab", "hyperscaler", "neocloud", "cloud", "investor",
                "lender", "developer", "spv", "other"}
DEAL_KINDS = {"equity_investment", "warrant", "compute_contract", "chip_purchase",
              "capacity_backstop", "loan", "bond", "private_credit", "revenue_share", "lease",
              "other"}
STATUSES = {"committed", "conditional", "superseded", "cancelled", "reported"}
DEAD = {"superseded", "cancelled"}
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def entities() -> pd.DataFrame:
    return _read("entities.csv")


@pytest.fixture(scope="module")
def deals() -> pd.DataFrame:
    return _read("deals.csv")


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return _read("sources.csv")


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.replace("", float("nan")), errors="raise")


def _refs(value: str) -> list[str]:
    return [x for x in value.split(";") if x]


def _effective(deals: pd.DataFrame) -> pd.DataFrame:
    """Live legs with ``eff``: the point amount, an aggregate only with what its parts leave."""
    live = deals[~deals["status"].isin(DEAD)].copy()
    amount = _num(live["amount_usd_bn"])
    mid = (_num(live["amount_low"]) + _num(live["amount_high"])) / 2
    live["amt"] = amount.fillna(mid).fillna(0.0)
    parts = live[live["part_of"] != ""].groupby("part_of")["amt"].sum()
    live["eff"] = [max(a - parts.get(i, 0.0), 0.0) for i, a in zip(live["id"], live["amt"],
                                                                      strict=True)]
    return live


def _total(deals: pd.DataFrame, payer: str, payee: str, statuses: set[str] | None = None,
           reported_only: bool = True) -> float:
    live = _effective(deals)
    if reported_only:
        live = live[live["basis"] == "reported"]
    sel = live[(live["payer"] == payer) & (live["payee"] == payee)]
    if statuses is not None:
        sel = sel[sel["status"].isin(statuses)]
    return float(sel["eff"].sum())


# ----------------------------------------------------------------------------- file format


@pytest.mark.parametrize(("name", "columns"), [("entities.csv", ENTITY_COLUMNS),
                                               ("deals.csv", DEAL_COLUMNS),
                                               ("sources.csv", SOURCE_COLUMNS)])
def test_header_and_encoding(name: str, columns: list[str]) -> None:
    raw = (DATA / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    assert b"\r" not in raw, "LF line endings only"
    text = raw.decode("utf-8")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == columns
    assert all(len(r) == len(columns) for r in csv.reader(text.splitlines(keepends=True)))


def test_ids_unique(entities: pd.DataFrame, deals: pd.DataFrame,
                    sources: pd.DataFrame) -> None:
    for df in (entities, deals, sources):
        dup = df["id"][df["id"].duplicated()].tolist()
        assert not dup, dup


# ----------------------------------------------------------------------------- entities


def test_entities_fields(entities: pd.DataFrame) -> None:
    assert entities["id"].map(lambda x: bool(SLUG_RE.match(x))).all()
    assert set(entities["kind"]) <= ENTITY_KINDS
    assert set(entities["listed"]) <= {"true", "false"}
    assert entities["country"].map(lambda c: c == "" or bool(re.fullmatch(r"[A-Z]{2}", c))).all()
    assert (entities.loc[entities["listed"] == "false", "ticker"] == "").all()
    assert (entities.loc[entities["listed"] == "true", "ticker"] != "").all()
    parents = set(entities["parent"]) - {""}
    assert parents <= set(entities["id"])
    for v in entities["as_of"]:
        assert DATE_RE.match(v)
        pd.Timestamp(v)


def test_umbrella_ids(entities: pd.DataFrame) -> None:
    ids = set(entities["id"])
    assert {"amazon", "alphabet", "microsoft", "nvidia", "openai", "oracle"} <= ids
    assert not ids & {"aws", "google", "google-cloud", "azure"}


def test_every_entity_is_used(entities: pd.DataFrame, deals: pd.DataFrame) -> None:
    used = set(deals["payer"]) | set(deals["payee"])
    assert set(entities["id"]) == used


# ----------------------------------------------------------------------------- deals


def test_deal_references(entities: pd.DataFrame, deals: pd.DataFrame) -> None:
    ids = set(entities["id"])
    assert set(deals["payer"]) <= ids, set(deals["payer"]) - ids
    assert set(deals["payee"]) <= ids, set(deals["payee"]) - ids
    assert (deals["payer"] != deals["payee"]).all()


def test_deal_enums(deals: pd.DataFrame) -> None:
    assert set(deals["kind"]) <= DEAL_KINDS
    assert set(deals["status"]) <= STATUSES
    assert set(deals["basis"]) <= {"reported", "estimate", "derived"}
    assert set(deals["evidence"]) <= {"A", "B", "C"}


def test_deal_ids_cover_reference_table(deals: pd.DataFrame) -> None:
    base = deals["id"].str.extract(r"^(D\d+)[a-z]?$")[0].dropna()
    reference = {f"D{i:02d}" for i in range(1, 110)}
    assert reference <= set(base)
    # legs added after the reference table (D110 on) are each named in the changelog
    changelog = (DATA / "CHANGELOG.md").read_text(encoding="utf-8")
    for extra in sorted(set(base) - reference):
        assert int(extra[1:]) >= 110 and extra in changelog, extra
    assert deals["id"].str.match(r"^(D\d{2,3}[a-z]?|X\d{2})$").all()
    # a suffixed row never coexists with its unsuffixed parent id
    split = set(deals["id"].str.extract(r"^(D\d+)[a-z]$")[0].dropna())
    assert not split & set(deals["id"])


def test_amounts_ranges_stakes(deals: pd.DataFrame) -> None:
    amount, low, high = (_num(deals[c]) for c in ("amount_usd_bn", "amount_low", "amount_high"))
    for s in (amount, low, high):
        assert (s.dropna() >= 0).all()
    assert (low.isna() == high.isna()).all(), "a range needs both ends"
    both = low.notna() & high.notna()
    assert (low[both] <= high[both]).all()
    inside = both & amount.notna()
    assert ((low[inside] <= amount[inside]) & (amount[inside] <= high[inside])).all()
    stake = _num(deals["stake"])
    assert stake.dropna().between(0, 1).all()
    assert deals.loc[stake.notna(), "kind"].isin(["equity_investment", "warrant"]).all()


def test_dates(deals: pd.DataFrame) -> None:
    for col in ("announced", "start", "end"):
        for v in deals[col]:
            if v:
                assert DATE_RE.match(v), (col, v)
                pd.Timestamp(v)
    for _, r in deals[(deals["start"] != "") & (deals["end"] != "")].iterrows():
        assert r["start"][:4] <= r["end"][:4], r["id"]


def test_post_cutoff_rows_flagged(deals: pd.DataFrame) -> None:
    late = deals[(deals["announced"] >= "2026-03") & deals["id"].str.startswith("D")]
    assert len(late) > 0
    assert late["notes"].str.contains(r"\[post-cutoff\]").all(), late["id"].tolist()


def test_notes_everywhere(deals: pd.DataFrame, entities: pd.DataFrame) -> None:
    assert (deals["notes"].str.len() > 0).all()
    assert (entities["notes"].str.len() > 0).all()


def test_conditional_legs_state_condition(deals: pd.DataFrame) -> None:
    cond = deals[deals["status"] == "conditional"]
    assert (cond["condition"] != "").all(), cond.loc[cond["condition"] == "", "id"].tolist()


# ----------------------------------------------------------------------------- sources


def test_sources_resolve(entities: pd.DataFrame, deals: pd.DataFrame,
                         sources: pd.DataFrame) -> None:
    known = set(sources["id"])
    assert (deals["sources"] != "").all(), "every leg has a source"
    for df in (entities, deals):
        for _, r in df.iterrows():
            missing = [s for s in _refs(r["sources"]) if s not in known]
            assert not missing, (r["id"], missing)
    assert " " not in "".join(deals["sources"])


def test_figures_reference_entities_and_sources(entities: pd.DataFrame,
                                                sources: pd.DataFrame) -> None:
    assert (DATA / "figures.csv").exists()
    fig = _read("figures.csv")
    assert list(fig.columns) == FIGURE_COLUMNS
    ids = set(entities["id"])
    assert set(fig["entity"]) <= ids, set(fig["entity"]) - ids
    assert set(fig["counterparty"]) - {""} <= ids
    known = set(sources["id"])
    missing = {s for v in fig["sources"] for s in _refs(v) if s not in known}
    assert not missing, sorted(missing)[:10]


def test_source_urls_and_ids(sources: pd.DataFrame) -> None:
    assert sources["url"].str.match(r"^https?://\S+$").all()
    for _, r in sources.iterrows():
        digest = hashlib.sha1(r["url"].strip().encode("utf-8")).hexdigest()[:10]
        assert r["id"] == f"s-{digest}", r["url"]
        if r["date"]:
            assert DATE_RE.match(r["date"])
    assert sources["url"].is_unique


def test_every_deal_source_is_cited(deals: pd.DataFrame, sources: pd.DataFrame) -> None:
    """Deal sources are a subset of sources.csv (which also holds figure/history sources)."""
    cited = {s for v in deals["sources"] for s in _refs(v)}
    assert cited <= set(sources["id"])


# ------------------------------------------------------------------------- supersedes / part_of


def _graph_has_cycle(edges: dict[str, list[str]]) -> bool:
    state: dict[str, int] = {}

    def visit(n: str) -> bool:
        state[n] = 1
        for m in edges.get(n, []):
            if state.get(m) == 1 or (state.get(m) is None and visit(m)):
                return True
        state[n] = 2
        return False

    return any(state.get(n) is None and visit(n) for n in list(edges))


def test_supersedes_and_part_of(deals: pd.DataFrame) -> None:
    ids = set(deals["id"])
    sup = {x: r["id"] for _, r in deals.iterrows() for x in _refs(r["supersedes"])}
    assert set(sup) <= ids
    superseded = set(deals.loc[deals["status"] == "superseded", "id"])
    assert superseded == set(sup), "superseded rows are exactly those named in supersedes"
    parts = deals[deals["part_of"] != ""]
    assert set(parts["part_of"]) <= ids
    assert (parts["part_of"] != parts["id"]).all()
    for col in ("supersedes", "part_of"):
        edges = {r["id"]: _refs(r[col]) for _, r in deals.iterrows()}
        assert not _graph_has_cycle(edges), col


def test_parts_never_exceed_their_aggregate(deals: pd.DataFrame) -> None:
    live = _effective(deals)
    parts = live[live["part_of"] != ""].groupby("part_of")["amt"].sum()
    amounts = dict(zip(live["id"], live["amt"], strict=True))
    for agg, s in parts.items():
        if amounts.get(agg):
            assert s <= amounts[agg] + 1e-9, (agg, s, amounts[agg])


# ----------------------------------------------------------------------------- reconciliations


def test_openai_coreweave_total(deals: pd.DataFrame) -> None:
    assert _total(deals, "openai", "coreweave") == pytest.approx(22.4)
    assert _total(deals, "openai", "coreweave", {"committed"}) == pytest.approx(15.9)
    assert _total(deals, "openai", "coreweave", {"conditional"}) == pytest.approx(6.5)


def test_meta_coreweave_total(deals: pd.DataFrame) -> None:
    assert _total(deals, "meta", "coreweave") == pytest.approx(35.2, abs=0.05)


def test_nvidia_openai_live_is_the_30bn_equity(deals: pd.DataFrame) -> None:
    assert _total(deals, "nvidia", "openai") == pytest.approx(30.0)
    live = _effective(deals)
    legs = live[(live["payer"] == "nvidia") & (live["payee"] == "openai")]
    assert set(legs["kind"]) == {"equity_investment"}
    loi = deals[(deals["payer"] == "nvidia") & (deals["payee"] == "openai")
                & (_num(deals["amount_usd_bn"]) == 100)]
    assert len(loi) == 1 and loi["status"].item() == "superseded"
    assert any(loi["id"].item() in _refs(v) for v in legs["supersedes"])


def test_classic_loop_present_with_sources(deals: pd.DataFrame, sources: pd.DataFrame) -> None:
    known = set(sources["id"])
    live = deals[~deals["status"].isin(DEAD)]
    for payer, payee, kind in (("nvidia", "openai", "equity_investment"),
                               ("openai", "oracle", "compute_contract"),
                               ("oracle", "nvidia", "chip_purchase")):
        legs = live[(live["payer"] == payer) & (live["payee"] == payee)
                    & (live["kind"] == kind) & (live["basis"] == "reported")]
        assert len(legs) >= 1, (payer, payee)
        for v in legs["sources"]:
            assert _refs(v) and set(_refs(v)) <= known
        assert (_num(legs["amount_usd_bn"]) > 0).all()


def test_aggregate_remainder_nvidia_cloud(deals: pd.DataFrame) -> None:
    """NVIDIA's $26B rent-back aggregate keeps only what its named parts leave over."""
    live = _effective(deals)
    agg = live[(live["payer"] == "nvidia") & (live["payee"] == "cloud-providers")]
    assert len(agg) == 1
    parts = live[live["part_of"] == agg["id"].item()]
    assert len(parts) >= 1
    assert agg["eff"].item() + parts["amt"].sum() == pytest.approx(agg["amt"].item())


# ------------------------------------------------------------------------ derived / undisclosed


def test_derived_legs(deals: pd.DataFrame) -> None:
    derived = deals[deals["basis"] == "derived"]
    assert len(derived) >= 5
    x = deals[deals["id"].str.startswith("X")]
    assert set(x["id"]) == set(derived["id"])
    assert x["basis"].isin(["derived", "estimate"]).all()
    assert (x["evidence"] == "C").all()
    assert ((x["amount_low"] != "") & (x["amount_high"] != "")).all(), "a range, not a point"
    assert (x["amount_usd_bn"] == "").all()
    assert x["notes"].str.contains("Derived").all()
    assert x["notes"].str.contains("=").all(), "the formula is stated"
    flows = set(zip(x["payer"], x["payee"], strict=True))
    assert ("coreweave", "nvidia") in flows and ("meta", "nvidia") in flows


def test_no_amount_where_undisclosed(deals: pd.DataFrame) -> None:
    amount = deals["amount_usd_bn"] != ""
    ranged = deals["amount_low"] != ""
    # an estimate or derived figure is never written as if it were a reported point amount
    assert not (amount & deals["basis"].isin(["estimate", "derived"])).any()
    # estimates always carry their range
    est = deals["basis"] == "estimate"
    assert ranged[est].all()
    # an undisclosed reported leg has no made-up range either
    undisclosed = (~amount) & (deals["basis"] == "reported")
    assert not ranged[undisclosed].any()


def test_contracts_without_term_are_documented(deals: pd.DataFrame) -> None:
    """A live compute contract with no ``end`` gets an assumed term, a modelling choice.

    Every such leg that began before 2026 must be named in the card's "Contracts without a
    term" gap, so the assumption is never silent.
    """
    live = deals[~deals["status"].isin(DEAD) & (deals["kind"] == "compute_contract")
                 & (deals["basis"] != "derived") & (deals["end"] == "")
                 & ((deals["amount_usd_bn"] != "") | (deals["amount_low"] != ""))]
    began = live["start"].where(live["start"] != "", live["announced"])
    early = set(live.loc[began.str[:4] < "2026", "id"])
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    m = re.search(r"\*\*Contracts without a term:\*\*(.*?)(?:\n- \*\*|\n\n)", readme, re.S)
    assert m, "README lists contracts without a term"
    named = set(re.findall(r"\bD\d+[a-z]?\b", m.group(1)))
    assert early <= named, sorted(early - named)


def test_up_to_amounts_are_conditional(deals: pd.DataFrame) -> None:
    up_to = deals[deals["condition"].str.contains(r"\bup to\b", case=False)
                  & (deals["amount_usd_bn"] != "")]
    assert len(up_to) > 0
    assert (up_to["status"] == "conditional").all(), up_to["id"].tolist()


def test_backstops_are_contingent(deals: pd.DataFrame) -> None:
    bs = deals[deals["kind"] == "capacity_backstop"]
    assert len(bs) > 0
    assert (bs["status"] == "conditional").all()


# ----------------------------------------------------------------------------- package files


def test_datapackage_descriptor() -> None:
    pkg = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["name"] == "ai2026"
    assert pkg["version"] == "2026.12.0"
    assert pkg["licenses"] and pkg["created"]
    by_name = {r["name"]: r for r in pkg["resources"]}
    assert {"entities", "deals", "sources", "figures"} <= set(by_name)
    for r in pkg["resources"]:
        path = DATA / r["path"]
        if not path.exists():
            continue
        header = next(csv.reader(path.read_text(encoding="utf-8").splitlines()))
        assert header == [f["name"] for f in r["schema"]["fields"]], r["name"]
        assert r["schema"]["primaryKey"] == ["id"]
    fks = {(tuple(fk["fields"]), fk["reference"]["resource"])
           for fk in by_name["deals"]["schema"]["foreignKeys"]}
    assert {(("payer",), "entities"), (("payee",), "entities")} <= fks
    fig_fks = {tuple(fk["fields"]) for fk in by_name["figures"]["schema"]["foreignKeys"]}
    assert ("entity",) in fig_fks
    enums = {f["name"]: f.get("constraints", {}).get("enum")
             for f in by_name["deals"]["schema"]["fields"]}
    assert set(enums["kind"]) == DEAL_KINDS and set(enums["status"]) == STATUSES


def test_card_and_changelog() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for needle in ("Data dictionary", "Conventions", "How to cite", "Known gaps",
                   "Disagreements", "CC-BY-4.0", "post-cutoff"):
        assert needle in readme
    assert "2026.11.0" in (DATA / "CHANGELOG.md").read_text(encoding="utf-8")


def test_package_validator_finds_no_errors() -> None:
    import dealloop as dl

    errors = [p for p in dl.validate(DATA) if p.severity == "error"]
    assert not errors, [str(p) for p in errors[:10]]


def test_loader_agrees_with_csv_totals(deals: pd.DataFrame) -> None:
    import dealloop as dl

    net = dl.load(DATA)
    assert len(net.deals) == len(deals)
    legs = net.legs(include_derived=False)
    by_pair = legs.groupby(["payer", "payee"])["value"].sum()
    for payer, payee in (("openai", "coreweave"), ("meta", "coreweave"), ("nvidia", "openai")):
        assert by_pair[(payer, payee)] == pytest.approx(_total(deals, payer, payee))


# ----------------------------------------------------------------------------- honest totals


#: Ranges the seed dataset invented from words ("tens of billions", "multibillion") or from
#: share-price arithmetic; they must not come back.
INVENTED_RANGES = ("D07", "D08", "D09", "D40", "D53", "D64")


def test_no_invented_ranges(deals: pd.DataFrame) -> None:
    rows = deals.set_index("id").loc[list(INVENTED_RANGES)]
    assert (rows["amount_low"] == "").all() and (rows["amount_high"] == "").all()
    assert (rows["amount_usd_bn"] == "").all()


def test_every_range_is_stated_by_a_source(deals: pd.DataFrame) -> None:
    """A reported leg with a range says in its note or condition where the range comes from."""
    ranged = deals[(deals["amount_low"] != "") & (deals["basis"] == "reported")]
    for rid, low, high, text in zip(ranged["id"], ranged["amount_low"], ranged["amount_high"],
                                    ranged["notes"] + " " + ranged["condition"], strict=True):
        cited = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", text.replace(",", ""))}
        assert float(low) in cited or float(high) in cited, (rid, low, high)


def test_money_column(deals: pd.DataFrame) -> None:
    assert set(deals["money"]) <= {"cash_flow", "stock", "non_cash"}
    by_id = deals.set_index("id")["money"]
    assert by_id["D80"] == "non_cash"  # SpaceX's all-stock takeover of xAI
    assert (by_id[[i for i in by_id.index if i.startswith("D94")]] == "stock").all()
    assert (deals.loc[deals["kind"] == "warrant", "money"] == "non_cash").all()


def test_no_total_counts_a_guess_or_non_cash_by_default() -> None:
    import dealloop as dl
    from dealloop.summary import summarize

    net = dl.load(DATA)
    legs = net.legs()
    t = summarize(net).totals
    cash = legs[(legs["money"] == "cash_flow") & (legs["basis"] == "reported")]
    assert t.loc["total", "all"] == pytest.approx(cash["value"].sum())
    non_cash = legs.loc[legs["money"] == "non_cash", "value"].sum()
    assert non_cash >= 250 and t.loc["total", "non_cash"] == pytest.approx(non_cash)
    # the layers the models read carry no estimated, derived-off or non-cash money
    from dealloop.mapping import layers

    lay = layers(net, include_derived=False)
    ids = {d for layer in ("L", "F") for deals_ in lay.legs[layer].values() for d in deals_}
    bad = set(legs.loc[(legs["money"] == "non_cash") | (legs["basis"] == "estimate"), "id"])
    assert not ids & bad


def test_estimates_are_counted_only_when_asked(tmp_path: Path) -> None:
    import shutil

    import dealloop as dl
    from dealloop.summary import summarize

    shutil.copytree(DATA, tmp_path / "d")
    path = tmp_path / "d" / "deals.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for r in rows:
        if r["id"] == "D09":
            r["basis"], r["amount_low"], r["amount_high"] = "estimate", "350", "500"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=DEAL_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    net = dl.load(tmp_path / "d")
    base, more = summarize(net), summarize(net, include_estimates=True)
    assert base.totals.loc["total", "all"] == pytest.approx(summarize(dl.load(DATA)).totals.loc[
        "total", "all"])
    assert base.totals.loc["total", "estimate_low"] == 350
    assert more.totals.loc["total", "all"] == pytest.approx(base.totals.loc["total", "all"]
                                                            + 425)
    assert not net.flow_graph().has_edge("openai", "broadcom") or "D09" not in \
        net.flow_graph().edges["openai", "broadcom"]["legs"]
    g = net.flow_graph(include_estimates=True)
    assert "D09" in g.edges["openai", "broadcom"]["legs"]
    assert g.edges["openai", "broadcom"]["caveats"][0] == ("estimate",)


# ----------------------------------------------------------------------------- sources


ODD_HOST = re.compile(r"^https?://(?:\d+\.\d+\.\d+\.\d+|[^/]*mailinator|[^/]*\.github\.io|"
                      r"[^/]*\.pages\.dev|[^/]*\.up\.railway\.app|[^/]*:\d+)(?:/|$)")


def test_source_tiers_and_hosts(sources: pd.DataFrame) -> None:
    assert set(sources["tier"]) <= {"primary", "major_outlet", "trade_press", "aggregator"}
    assert (sources["tier"] != "").all(), "every source has a tier"
    odd = sources[sources["url"].str.contains(ODD_HOST) | sources["url"].str.contains(
        "utm_source=chatgpt") | sources["url"].str.endswith("llms.txt")]
    assert odd.empty, odd["url"].tolist()
    # sec.gov is a primary source wherever it is cited
    assert (sources.loc[sources["url"].str.contains(r"//(?:www\.)?sec\.gov/"), "tier"]
            == "primary").all()


def test_a_grade_legs_have_a_dated_primary_or_major_source(deals: pd.DataFrame,
                                                           sources: pd.DataFrame) -> None:
    """Grade A means a reporter can cite it: a filing, a company release or a major outlet."""
    tier = dict(zip(sources["id"], sources["tier"], strict=True))
    dated = set(sources.loc[sources["date"] != "", "id"])
    bad = []
    for rid, refs in zip(deals.loc[deals["evidence"] == "A", "id"],
                         deals.loc[deals["evidence"] == "A", "sources"], strict=True):
        ids = _refs(refs)
        if not any(tier[s] in ("primary", "major_outlet") for s in ids):
            bad.append((rid, "no primary or major-outlet source"))
        if not any(s in dated for s in ids):
            bad.append((rid, "no dated source"))
    assert not bad, bad


def test_primary_and_major_sources_are_dated_or_named(sources: pd.DataFrame) -> None:
    citable = sources[sources["tier"].isin(["primary", "major_outlet"])]
    assert (citable["publisher"] != "").all()
    # every source that is a copy says whose copy it is, in words, not as an address
    orig = sources[sources["original_publisher"] != ""]
    assert not orig["original_publisher"].str.contains("://").any()


def test_figure_grades_follow_their_sources(sources: pd.DataFrame) -> None:
    figures = _read("figures.csv")
    tier = dict(zip(sources["id"], sources["tier"], strict=True))
    dated = set(sources.loc[sources["date"] != "", "id"])
    assert set(figures["evidence"]) <= {"A", "B", "C"}
    for fid, grade, refs in zip(figures["id"], figures["evidence"], figures["sources"],
                                strict=True):
        ids = _refs(refs)
        citable = [s for s in ids if tier[s] in ("primary", "major_outlet")]
        if grade == "A":
            assert any(s in dated for s in citable), fid
        if not citable and all(tier[s] == "aggregator" for s in ids):
            assert grade == "C", fid


def test_free_cash_flow_never_exceeds_operating_cash_flow() -> None:
    """Free cash flow is operating cash flow less capex, so for one firm and period it
    cannot be the larger of the two (AMD's 6.7 against its 10-K's 6.493 was)."""
    figures = _read("figures.csv")
    cash = figures[figures["metric"].isin(["free_cash_flow", "operating_cash_flow"])]
    table = cash.pivot_table(index=["entity", "period"], columns="metric",
                             values="value", aggfunc=lambda v: float(v.iloc[0]))
    both = table.dropna()
    assert len(both), "no firm has both figures for one period: the check checks nothing"
    over = both[both["free_cash_flow"] > both["operating_cash_flow"]]
    assert over.empty, over
