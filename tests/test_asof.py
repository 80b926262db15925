"""As-of views: the network as it was known on a date, and the monthly timeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import dealloop as dl
from dealloop.circularity.timeline import timeline
from dealloop.cli import COMMANDS, TIMELESS, app
from dealloop.data.asof import deals_as_of

MINI = Path(__file__).parent / "data" / "mini"

#: Two more legs on top of the mini dataset: one cancelled on a stated date, one cancelled
#: with no date (dead since announced).
EXTRA = (
    "M13,cloudco,neo,compute_contract,9,,,reported,cancelled,,2025-10-06,2025-06-02,2025-07,"
    "2030,,B,,,s3,Cancelled in October.\n"
    "M14,labco,cloudco,equity_investment,2,,,reported,cancelled,,,2025-08,,,,B,,,s2,"
    "Walked away.\n"
)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    shutil.copytree(MINI, root)
    deals = (root / "deals.csv").read_text().splitlines()
    header = deals[0].split(",")
    header.insert(header.index("announced"), "status_date")
    rows = []
    for line in deals[1:]:
        cells = line.split(",")
        cells.insert(header.index("status_date"), "")
        rows.append(",".join(cells))
    (root / "deals.csv").write_text("\n".join([",".join(header), *rows]) + "\n" + EXTRA)
    return root


def test_dataset_with_status_dates_is_valid(folder: Path) -> None:
    assert [p for p in dl.validate(folder) if p.severity == "error"] == []


def test_as_of_drops_later_legs_and_undoes_later_status_changes(folder: Path) -> None:
    full = dl.load(folder)
    status = dict(zip(full.deals["id"], full.deals["status"], strict=True))
    assert status["M01"] == "superseded" and status["M13"] == "cancelled"

    then = dl.load(folder, as_of="2025-09-30").deals.set_index("id")
    # Announced later: gone.
    assert "M02" not in then.index and "M12" not in then.index
    # Superseded by M02 (announced 2026-02-20): still the letter of intent it was.
    assert then.at["M01", "status"] == "conditional"
    # Cancelled on 2025-10-06: still live at the end of September, with no condition.
    assert then.at["M13", "status"] == "committed"
    # Cancelled with no date: dead since announced.
    assert then.at["M14", "status"] == "cancelled"

    later = dl.load(folder, as_of="2025-10").deals.set_index("id")
    assert later.at["M13", "status"] == "cancelled"
    assert later.at["M01", "status"] == "conditional"
    after = dl.load(folder, as_of="2026-03").deals.set_index("id")
    assert after.at["M01", "status"] == "superseded" and "M02" in after.index
    # Firm money at each date counts the cancelled leg only while it was alive.
    sel = dl.Selection(kinds=("compute_contract",))
    assert "M13" in set(dl.load(folder, as_of="2025-09").legs(selection=sel)["id"])
    assert "M13" not in set(dl.load(folder, as_of="2025-12").legs(selection=sel)["id"])


def test_as_of_after_every_date_is_the_dataset(folder: Path) -> None:
    full = dl.load(folder)
    late = dl.load(folder, as_of="2099")
    pd.testing.assert_frame_equal(late.deals, full.deals)
    assert late.meta["as_of"] == "2099-12-31"


def test_as_of_drops_later_figures_and_quotes() -> None:
    net = dl.load()
    then = net.as_of("2025-06-30")
    assert (then.figures["as_of"].str.slice(0, 7) <= "2025-06").all()
    assert len(then.figures) < len(net.figures)
    market = then.tables["market.csv"]
    assert (market["date"].str.slice(0, 7) <= "2025-06").all()
    # A headline figure came from a figure still known then, or from entities.csv itself.
    known = set(then.figures["id"]) | {"entities.csv"}
    assert set(then.provenance["revenue_usd_bn"].dropna()) <= known


def test_bad_date_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="impossible date"):
        dl.load(as_of="2025-13")


@settings(max_examples=40, deadline=None)
@given(st.dates(min_value=pd.Timestamp("2022-01-01").date(),
                max_value=pd.Timestamp("2027-12-31").date()))
def test_as_of_never_adds_legs_and_grows_with_time(day) -> None:  # type: ignore[no-untyped-def]
    deals = dl.load(MINI).deals
    now = deals_as_of(deals, day)
    later = deals_as_of(deals, day + pd.Timedelta(days=90))
    assert set(now["id"]) <= set(later["id"]) <= set(deals["id"])
    # Nothing dies before its time: a leg live now was live or superseded later.
    assert set(now["status"]) <= set(deals["status"]) | {"conditional", "committed"}


def test_timeline_counts_legs_money_and_loops_by_month(folder: Path) -> None:
    net = dl.load(folder)
    t = timeline(net, start="2025-05", end="2026-03")
    frame = t.to_frame()
    assert list(frame.index[[0, -1]]) == ["2025-05", "2026-03"]
    for month, row in frame.iterrows():
        then = net.as_of(str(month))
        assert row["legs"] == len(then.legs())
        assert row["loops"] == dl_cycles(then)
    # New money is the month-on-month change of money; legs added are announced that month.
    assert frame["new_money_usd_bn"].iloc[1:].round(6).tolist() == \
        frame["money_usd_bn"].diff().iloc[1:].round(6).tolist()
    assert t.added["2026-02"] == ("M02",)
    assert frame.loc["2025-10", "money_usd_bn"] < frame.loc["2025-09", "money_usd_bn"] + 1e-9 \
        or frame.loc["2025-10", "new_legs"] > 0


def dl_cycles(net: dl.DealNetwork) -> int:
    from dealloop.circularity import cycles

    return cycles(net, max_length=6).n_loops


runner = CliRunner()


def test_every_dataset_command_takes_as_of() -> None:
    for name in COMMANDS:
        out = runner.invoke(app, [name, "--help"], terminal_width=200)
        assert out.exit_code == 0, name
        assert ("--as-of" in out.output) == (name not in TIMELESS), name


def test_cli_as_of_summary_and_timeline(folder: Path) -> None:
    out = runner.invoke(app, ["summary", "--data", str(folder), "--as-of", "2025-09-30",
                              "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["legs"] == len(dl.load(folder, as_of="2025-09-30").deals)
    out = runner.invoke(app, ["timeline", "--data", str(folder), "--from", "2025-09",
                              "--as-of", "2025-12", "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)["rows"]
    assert [r["month"] for r in rows] == ["2025-09", "2025-10", "2025-11", "2025-12"]
    bad = runner.invoke(app, ["summary", "--as-of", "2025-13"])
    assert bad.exit_code == 2 and "--as-of" in bad.output and "Traceback" not in bad.output


@pytest.mark.parametrize("month", ["2025-06", "2025-12", "2026-03"])
def test_timeline_money_is_the_summary_firm_total_as_of_the_month(month: str) -> None:
    """One number in both places: the timeline's money for a month equals the firm total
    of ``dealloop summary`` on the network as known at that month's end."""
    from dealloop.summary import summarize

    net = dl.load()
    row = timeline(net).to_frame().loc[month]
    end = pd.Period(month, "M").end_time.date().isoformat()
    want = float(summarize(dl.load(as_of=end)).totals.loc["total", "firm"])
    assert row["money_usd_bn"] == pytest.approx(want, abs=1e-6)
