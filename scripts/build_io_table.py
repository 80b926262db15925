"""Build the input-output table bundled for the capex pullback from BEA lines typed in.

``python scripts/build_io_table.py`` writes ``src/dealloop/macro/data/bea1997_ai_capex.csv``;
``--check`` only compares (exit 1 when the shipped file differs). Nothing here is estimated:
every number of the output is a sum of products of the typed lines below, and the capex split
is the ratio of two published figures.

The source is BEA's 1997 benchmark input-output accounts, summary level (Survey of Current
Business, December 2002; summary diskette NDN-0305), read from a public copy of BEA's own
text files. Typed in, line by line and unchanged, in ``scripts/data/bea1997/``:

* ``IODirectRequirements.rows.txt``: every line of ``IODirectRequirements.txt`` (direct
  requirements per dollar of industry output, producers' prices; commodity row, industry
  column, table 5, coefficient) whose row is one of the commodities named in ``SECTORS``.
  The new-construction commodities 2301 and 2302 have no lines in the file: they are sold
  to final demand only.
* ``IODirectRequirements.va.txt``: the file's value-added rows V001 (compensation of
  employees), V002 (indirect business taxes) and V003 (other value added) for every industry.
* ``NAICSUseSummary.va.txt``: fields 1-5 (row, column, year, table 2, producers' value, USD
  million) of the value-added lines V001-V003 of ``NAICSUseSummary.txt`` (the use table);
  fields 6-14 are 0 and field 15 repeats field 5 on those lines.

Arithmetic (USD million in, USD billion out):

* industry output ``x_j = VA_j / v_j`` with ``VA_j`` the sum of industry j's V001-V003
  dollars (use table) and ``v_j`` the sum of its V001-V003 coefficients (direct requirements);
* intermediate sales ``Z[I, J] = sum_{i in I, j in J} a_ij x_j`` for the named commodity
  groups I; the rest-of-economy row takes what the columns buy beyond that:
  ``Z[rest, J] = sum_{j in J} x_j (1 - v_j) - sum_{named I} Z[I, J]``;
* group output ``x_J = sum x_j`` and value added ``VA_J = sum VA_j``, so that every column
  balances: output = intermediate inputs + value added.

The split of AI capex over sectors (``capex_share``) is Bernstein's cost of one GB200 NVL72
rack as Investing.com reports it: USD 3.4 million of compute hardware (GPUs, CPUs,
networking, storage: computer and electronic products) and USD 2.5 million of physical
infrastructure (building, mechanical and electrical systems), counted as construction the way
the national accounts count equipment built into a structure; construction then buys its
electrical equipment through its own column of the table.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scripts" / "data" / "bea1997"
OUT = ROOT / "src" / "dealloop" / "macro" / "data" / "bea1997_ai_capex.csv"
sys.path.insert(0, str(ROOT / "src"))

from dealloop.userdata import source_id  # noqa: E402

_COPY = ("https://github.com/MacroFinanceHub/Skill-Biased-Structural-Change---Replication-"
         "Package/blob/14f693286f731dc5621586780032b75893ee8540/Sensitivity/"
         "Consumption_Investment_VA/summarytables1997/")
#: The files the lines were typed from (a public copy of BEA's summary diskette).
URL_DR = _COPY + "IODirectRequirements.txt"
URL_USE = _COPY + "NAICSUseSummary.txt"
#: Bernstein's cost per GB200 NVL72 rack (Investing.com).
URL_CAPEX = ("https://ng.investing.com/news/stock-market-news/"
             "how-much-does-a-gw-of-data-center-capacity-actually-cost-2169144")
RACK_COMPUTE_USD_MN = 3.4
RACK_PHYSICAL_USD_MN = 2.5

#: (sector, label, BEA 1997 summary codes); the last sector takes every other industry.
SECTORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("computer_electronic", "Computer and electronic products (NAICS 334)",
     ("3341", "3344", "3345", "3346", "334A")),
    ("electrical_equipment", "Electrical equipment, appliances and components (NAICS 335)",
     ("3351", "3352", "3353", "3359")),
    ("construction", "Construction (NAICS 23)", ("2301", "2302", "2303")),
    ("utilities", "Utilities (NAICS 22)", ("2211", "2212", "2213")),
    ("information_data_processing", "Information and data processing services (NAICS 514)",
     ("5141", "5142")),
    ("computer_systems_design", "Computer systems design and related services (NAICS 5415)",
     ("5415",)),
    ("rest_of_economy", "All other industries, government included", ()),
)
#: Commodities with no intermediate sales (no lines in the direct requirements file).
NO_ROWS = frozenset({"2301", "2302"})
CAPEX_SHARE = {
    "computer_electronic": round(RACK_COMPUTE_USD_MN / (RACK_COMPUTE_USD_MN
                                                        + RACK_PHYSICAL_USD_MN), 4),
    "construction": round(RACK_PHYSICAL_USD_MN / (RACK_COMPUTE_USD_MN
                                                  + RACK_PHYSICAL_USD_MN), 4),
}


def _lines(name: str) -> list[list[str]]:
    return [ln.strip().split(",") for ln in (DATA / name).read_text().splitlines()
            if ln.strip()]


def _in_file_order(name: str, lines: list[list[str]]) -> None:
    """BEA's files list rows, and columns within a row, in ascending code order, each once: a
    line typed out of place or a mistyped code shows up here."""
    keys = [(ln[0], ln[1]) for ln in lines]
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        bad = next(k for k, nxt in pairwise(keys) if nxt <= k)
        raise SystemExit(f"{name}: lines out of BEA's order after {','.join(bad)}")


def industry_totals() -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Per BEA industry code: value added (USD million), value-added coefficient, output."""
    va: dict[str, float] = defaultdict(float)
    dollars = _lines("NAICSUseSummary.va.txt")
    _in_file_order("NAICSUseSummary.va.txt", dollars)
    for row, col, year, table, value in dollars:
        assert row in ("V001", "V002", "V003") and year == "1997" and table == "2", row
        va[col] += float(value)
    coef: dict[str, float] = defaultdict(float)
    coefs = _lines("IODirectRequirements.va.txt")
    _in_file_order("IODirectRequirements.va.txt", coefs)
    for row, col, table, value in coefs:
        assert row in ("V001", "V002", "V003") and table == "5", row
        coef[col] += float(value)
    if [ln[:2] for ln in dollars] != [ln[:2] for ln in coefs]:
        raise SystemExit("the two value-added excerpts name different (row, industry) cells")
    return dict(va), dict(coef), {c: va[c] / coef[c] for c in va}


def build() -> str:
    """The table as CSV text (see the module docstring)."""
    va, coef, x = industry_totals()
    group = {c: s for s, _, codes in SECTORS for c in codes}
    rest = SECTORS[-1][0]
    names = [s for s, _, _ in SECTORS]
    z: dict[tuple[str, str], float] = defaultdict(float)
    seen: set[str] = set()
    rows = _lines("IODirectRequirements.rows.txt")
    _in_file_order("IODirectRequirements.rows.txt", rows)
    for row, col, table, value in rows:
        assert table == "5" and row in group, row
        if col not in x:
            raise SystemExit(f"industry {col} has no value added lines")
        seen.add(row)
        z[group[row], group.get(col, rest)] += float(value) * x[col]
    expected = set(group) - NO_ROWS
    if seen != expected:
        raise SystemExit(f"rows typed in differ from the sectors: {sorted(seen ^ expected)}")
    out_x: dict[str, float] = defaultdict(float)
    out_va: dict[str, float] = defaultdict(float)
    inputs: dict[str, float] = defaultdict(float)
    for c in x:
        s = group.get(c, rest)
        out_x[s] += x[c]
        out_va[s] += va[c]
        inputs[s] += x[c] * (1.0 - coef[c])
    for j in names:
        z[rest, j] = inputs[j] - sum(z[i, j] for i in names if i != rest)
    ids = {"io": f"{source_id(URL_DR)};{source_id(URL_USE)}", "capex": source_id(URL_CAPEX)}
    buf = io.StringIO()
    buf.write("# title: BEA 1997 benchmark input-output table, summary level, in 7 sectors\n"
              "# year: 1997\n"
              "# units: USD billion (1997 dollars); capex_share from Bernstein's cost of a "
              "GB200 NVL72 rack\n"
              "# built by: scripts/build_io_table.py (every number traces to the BEA lines "
              "in scripts/data/bea1997)\n"
              f"# note: Capex split {CAPEX_SHARE['computer_electronic']:.1%} computer and "
              f"electronic products, {CAPEX_SHARE['construction']:.1%} construction: "
              f"Bernstein's cost of a GB200 NVL72 rack, USD {RACK_COMPUTE_USD_MN:g} million "
              f"of compute hardware and USD {RACK_PHYSICAL_USD_MN:g} million of physical "
              "infrastructure (building, mechanical and electrical systems, counted as "
              f"construction as the national accounts count equipment built into a structure;"
              f" {ids['capex']})\n"
              "# note: The coefficients are BEA's for 1997; a data centre's construction and "
              "chips buy their inputs in other proportions today (a newer table can be given "
              "with dealloop macro --io FILE)\n"
              "# note: Intermediate inputs include imported ones (no import matrix), so the "
              "value-added multiplier is 1 and the GDP effect equals the domestic demand "
              "cut; the table adds the sector detail and the output multiplier\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["sector", *names, "output", "value_added", "capex_share", "label", "sources"])
    for i, label, _ in ((s, lab, c) for s, lab, c in SECTORS):
        share = CAPEX_SHARE.get(i, 0.0)
        srcs = ids["io"] + (f";{ids['capex']}" if share else "")
        w.writerow([i, *(f"{z[i, j] / 1000:.3f}" for j in names), f"{out_x[i] / 1000:.3f}",
                    f"{out_va[i] / 1000:.3f}", f"{share:g}", label, srcs])
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the shipped file only")
    args = ap.parse_args(argv)
    text = build()
    if args.check:
        same = OUT.exists() and OUT.read_text() == text
        print(f"{OUT.relative_to(ROOT)}: {'up to date' if same else 'DIFFERS'}")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
