"""Write a valid random dataset, read it back: identical frames, no problems."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dealloop as dl
from dealloop.data.frames import write_dataset
from dealloop.vocabulary import BASES, DEAL_KINDS, ENTITY_KINDS, EVIDENCE, STATUSES

slug = st.from_regex(r"[a-z][a-z0-9\-]{0,11}", fullmatch=True)
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=";"),
    max_size=30,
).map(str.strip).filter(lambda s: s != "")
amount = st.floats(min_value=0, max_value=1e4, allow_nan=False, allow_infinity=False)
date = st.dates(min_value=pd.Timestamp("1990-01-01").date(),
                max_value=pd.Timestamp("2040-12-31").date()).map(lambda d: d.isoformat())


@st.composite
def datasets(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    ids = draw(st.lists(slug, min_size=2, max_size=8, unique=True))
    src_ids = [f"s{k}" for k in range(draw(st.integers(1, 4)))]
    sources = pd.DataFrame({
        "id": src_ids,
        "url": [f"https://example.com/{k}?q={draw(slug)}" for k in range(len(src_ids))],
        "publisher": [draw(st.one_of(st.none(), text)) for _ in src_ids],
        "title": [draw(st.one_of(st.none(), text)) for _ in src_ids],
        "date": [draw(st.one_of(st.none(), date)) for _ in src_ids],
    })
    entities = pd.DataFrame({
        "id": ids,
        "name": [draw(text) for _ in ids],
        "kind": [draw(st.sampled_from(ENTITY_KINDS)) for _ in ids],
        "revenue_usd_bn": [draw(st.one_of(st.none(), amount)) for _ in ids],
        "sources": [draw(st.sampled_from(src_ids)) for _ in ids],
        "notes": [draw(st.one_of(st.none(), text)) for _ in ids],
    })
    n = draw(st.integers(0, 12))
    rows = []
    for k in range(n):
        payer, payee = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        start = draw(st.one_of(st.none(), date))
        rows.append({
            "id": f"D{k:02d}", "payer": payer, "payee": payee,
            "kind": draw(st.sampled_from(DEAL_KINDS)),
            "amount_usd_bn": draw(st.one_of(st.none(), amount)),
            "basis": draw(st.sampled_from(BASES[:1] + BASES[2:])),
            "status": draw(st.sampled_from([s for s in STATUSES if s != "superseded"])),
            "announced": draw(st.one_of(st.none(), date)),
            "start": start, "end": start if start and draw(st.booleans()) else None,
            "evidence": draw(st.sampled_from(EVIDENCE)),
            "sources": ";".join(draw(st.lists(st.sampled_from(src_ids), min_size=1,
                                              max_size=2, unique=True))),
            "notes": draw(st.one_of(st.none(), text)),
        })
    deals = pd.DataFrame(rows, columns=["id", "payer", "payee", "kind", "amount_usd_bn", "basis",
                                        "status", "announced", "start", "end", "evidence",
                                        "sources", "notes"])
    return {"entities.csv": entities, "deals.csv": deals, "sources.csv": sources}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_write_then_read_is_identity(frames: dict[str, pd.DataFrame]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_dataset(frames, Path(tmp))
        assert [p for p in dl.validate(tmp) if p.severity == "error"] == []
        net = dl.load(tmp)
        for name, attr in (("entities.csv", "entities"), ("deals.csv", "deals"),
                           ("sources.csv", "sources")):
            got = getattr(net, attr)
            want = frames[name]
            for col in want.columns:
                a = [None if pd.isna(v) else v for v in got[col]]
                b = [None if pd.isna(v) else v for v in want[col]]
                assert a == b, (name, col)
        # And written again from what was read, the bytes are the same.
        with tempfile.TemporaryDirectory() as tmp2:
            write_dataset({"entities.csv": net.entities[frames["entities.csv"].columns],
                           "deals.csv": net.deals[frames["deals.csv"].columns],
                           "sources.csv": net.sources[frames["sources.csv"].columns]},
                          Path(tmp2))
            for name in ("deals.csv", "sources.csv"):
                assert (Path(tmp) / name).read_text() == (Path(tmp2) / name).read_text()
