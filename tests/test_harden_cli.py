"""Command-line hardening (issue #20): data that validates never crashes a command, special
files are never replaced, SIGTERM cleans up, the dashboard refuses what it cannot compute."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import dealloop as dl

from .conftest import DATA, MINI, clean, cli, copy_mini, dense_dataset, free_port, run


def no_deals(tmp_path: Path) -> Path:
    data = copy_mini(tmp_path, "nodeals")
    (data / "deals.csv").write_text((data / "deals.csv").read_text().splitlines()[0] + "\n")
    return data


def no_rows(tmp_path: Path) -> Path:
    data = copy_mini(tmp_path, "norows")
    for f in data.glob("*.csv"):
        f.write_text(f.read_text().splitlines()[0] + "\n")
    return data


# ------------------------------------------------------------------------ huge values
def test_1e308_is_refused_where_read(tmp_path: Path) -> None:
    data = copy_mini(tmp_path)
    (data / "deals.csv").write_text(
        (data / "deals.csv").read_text().replace("chip_purchase,40,", "chip_purchase,1e308,"))
    err = clean(cli("validate", str(data)), 1)
    assert "amount_usd_bn: 1e308 is too large" in err
    err = clean(cli("summary", "--json", "--data", str(data)), 1)
    assert "too large" in err


def test_largest_accepted_values_combine_without_overflow(tmp_path: Path) -> None:
    """Every amount and figure at just under the limit: sums, products and JSON stay finite."""
    data = copy_mini(tmp_path)
    deals = (data / "deals.csv").read_text().splitlines()
    head = deals[0].split(",")
    col = head.index("amount_usd_bn")
    rows = []
    for line in deals[1:]:
        cells = line.split(",")
        if cells[col]:
            cells[col] = "9.99e14"
        rows.append(",".join(cells))
    (data / "deals.csv").write_text("\n".join([deals[0], *rows]) + "\n")
    assert not [p for p in dl.validate(data) if p.severity == "error"]
    for args in (("summary", "--json"), ("cycles", "--json"), ("circularity", "--json"),
                 ("stress", "baseline", "--json", "--no-band")):
        res = cli(*args, "--data", str(data))
        assert res.returncode in (0, 1), (args, res.stderr[-2000:])
        assert "Traceback" not in res.stderr, (args, res.stderr[-3000:])
        if res.returncode == 0:
            json.loads(res.stdout)  # strict JSON: Infinity/NaN would not parse as numbers
            assert "Infinity" not in res.stdout and "NaN" not in res.stdout


def test_json_output_refuses_infinity_with_its_location() -> None:
    from dealloop.commands._common import json_text

    res = cli("--version")  # the app is importable and runs
    assert res.returncode == 0
    import typer

    with pytest.raises(typer.Exit):
        json_text({"system": {"loss": [1.0, float("inf")]}})
    assert json_text({"a": 1.0}) == '{\n  "a": 1.0\n}\n'


def test_circularity_data_problem_is_exit_1_and_bad_option_exit_2(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import dealloop.circularity as circ

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("F: flows never leave the system")

    monkeypatch.setattr(circ, "circularity", broken)
    res = cli("circularity", "--data", str(MINI))
    assert res.returncode == 1 and "flows never leave the system" in res.output
    res = cli("circularity", "--data", str(MINI), "--status", "bogus")
    assert res.returncode == 2 and "bogus" in res.output


# ------------------------------------------------------------------------ empty datasets
@pytest.mark.parametrize("args", [("summary",), ("summary", "--json"), ("cycles",),
                                  ("circularity",), ("stress", "baseline", "--no-band"),
                                  ("simulate", "baseline", "-n", "20", "-w", "0"),
                                  ("systemic",), ("calendar", "--json"),
                                  ("timeline", "--json"), ("signals", "--json"),
                                  ("sources", "--json"), ("cite", "--json")])
def test_every_command_runs_on_a_dataset_without_deals(tmp_path: Path,
                                                       args: tuple[str, ...]) -> None:
    data = no_deals(tmp_path)
    assert dl.validate(data) == []
    clean(cli(*args, "--data", str(data)), 0)


def test_report_with_a_scenario_on_a_dataset_without_deals(tmp_path: Path) -> None:
    data = no_deals(tmp_path)
    out = tmp_path / "r.html"
    clean(cli("report", "--data", str(data), "-s", "baseline", "--no-band", "-o", str(out)), 0)
    assert out.stat().st_size > 0


@pytest.mark.parametrize("args", [("stress", "baseline"), ("simulate", "baseline", "-n", "5"),
                                  ("systemic",)])
def test_dataset_without_firms_gives_a_clean_message(tmp_path: Path,
                                                     args: tuple[str, ...]) -> None:
    data = no_rows(tmp_path)
    assert dl.validate(data) == []
    err = clean(cli(*args, "--data", str(data)), 1)
    assert "entities.csv: the dataset has no firms; nothing to stress" in err


def test_report_and_summary_on_a_dataset_without_rows(tmp_path: Path) -> None:
    data = no_rows(tmp_path)
    clean(cli("summary", "--data", str(data)), 0)
    clean(cli("report", "--data", str(data), "-o", str(tmp_path / "r.html")), 0)


def test_dashboard_on_a_dataset_without_deals_answers_every_page(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from dealloop.web.app import create_app

    client = TestClient(create_app(dl.load(no_deals(tmp_path))), base_url="http://127.0.0.1")
    for url in ("/", "/api/dataset", "/api/bundle", "/api/entities", "/api/network",
                "/api/loops", "/api/flows", "/api/measures", "/loops", "/scenarios"):
        assert client.get(url).status_code == 200, url
    res = client.post("/api/scenarios/baseline/run", json={"parameters": {}, "band": False})
    assert res.status_code == 200, res.text


def test_serve_refuses_a_dataset_it_cannot_compute(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    import dealloop.report.bundle as bundle
    from dealloop.commands import web

    ran: list[bool] = []

    class Sock:
        def close(self) -> None:
            pass

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("F: contains NaN or infinite values")

    monkeypatch.setattr(web, "_bind", lambda host, port: Sock())
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: ran.append(True))
    monkeypatch.setattr(bundle, "results_bundle", broken)
    res = cli("serve", "--data", str(MINI), "--port", "8123")
    assert res.returncode == 1 and not ran
    assert "cannot serve" in res.output and "NaN or infinite" in res.output


def test_serve_banner_shows_one_pair_of_brackets(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from dealloop.commands import web

    class Sock:
        def close(self) -> None:
            pass

    monkeypatch.setattr(web, "_bind", lambda host, port: Sock())
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
    for host in ("[::1]", "::1"):
        res = cli("serve", "--data", str(MINI), "--host", host,
                                  "--port", "8123")
        assert res.returncode == 0, res.output
        assert "http://[::1]:8123/" in res.output and "[[" not in res.output


def test_ctrl_c_on_idle_serve_is_quiet(tmp_path: Path) -> None:

    for _ in range(3):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "dealloop", "serve", "--data", str(MINI),
                                 "--port", str(port)], stderr=subprocess.PIPE, text=True,
                                stdout=subprocess.DEVNULL,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        assert proc.stderr is not None
        banner = proc.stderr.readline()  # written just before the server loop starts
        assert "dealloop dashboard on" in banner, banner
        for _ in range(600):  # wait for the loop to listen (not a timing assertion)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                break
            except ConnectionRefusedError:
                time.sleep(0.1)
        time.sleep(0.5)  # idle
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
        assert proc.returncode in (0, 130)


# ------------------------------------------------------------------------ special outputs
def _specials(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    real = tmp_path / "real.json"
    real.write_text("keep me\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    return {"FIFO": fifo, "character device": Path("/dev/null"), "symbolic link": link}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("kind", ["FIFO", "character device", "symbolic link"])
def test_output_refuses_special_files(tmp_path: Path, kind: str) -> None:
    target = _specials(tmp_path)[kind]
    before = os.lstat(target)
    for args in (("export", "-f", "json", "--data", str(MINI), "-o", str(target)),
                 ("report", "--data", str(MINI), "-o", str(target)),
                 ("simulate", "baseline", "-n", "5", "--data", str(MINI), "-o", str(target))):
        # a FIFO opened for writing would block: a process of its own, with a timeout
        ran = run(*args, timeout=60) if kind == "FIFO" else cli(*args)
        err = clean(ran, 1)
        assert f"cannot write {target}" in err and "refusing to replace it" in err
        assert kind.split()[-1].lower() in err.lower() or "FIFO" in err
        after = os.lstat(target)
        assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert (tmp_path / "real.json").read_text() == "keep me\n"


def test_atomic_open_refuses_special_files_itself(tmp_path: Path) -> None:
    from dealloop.data.write import atomic_write_text

    link = tmp_path / "l"
    link.symlink_to(tmp_path / "elsewhere")
    for target in (Path("/dev/null"), link):
        with pytest.raises(OSError, match="refusing to replace it"):
            atomic_write_text(target, "x")
    assert link.is_symlink() and not (tmp_path / "elsewhere").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l"]


_SIGTERM_CHILD = textwrap.dedent("""
    import os, signal, sys
    import dealloop.data.write as w

    def fsync(fd):  # SIGTERM arrives while the output is being written
        os.kill(os.getpid(), signal.SIGTERM)

    w.os.fsync = fsync
    from dealloop.cli import main
    sys.argv = ["dealloop", *sys.argv[1:]]
    main()
""")


@pytest.mark.parametrize("args", [("export", "-f", "json", "--data", str(MINI), "-o", "out.json"),
                                  ("synth", "-n", "50", "-o", "syn")])
def test_sigterm_during_a_write_leaves_nothing_behind(tmp_path: Path,
                                                      args: tuple[str, ...]) -> None:
    res = subprocess.run([sys.executable, "-c", _SIGTERM_CHILD, *args], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 128 + signal.SIGTERM, res.stderr[-2000:]
    assert "Traceback" not in res.stderr and "terminated" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_sigterm_to_a_running_command_is_clean(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "dealloop", "synth", "-n", "200000",
                             "-o", str(tmp_path / "syn")], stderr=subprocess.PIPE, text=True,
                            stdout=subprocess.DEVNULL)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    if proc.returncode != 0:  # the signal landed while it ran (it may also have finished)
        assert proc.returncode == 128 + signal.SIGTERM and "terminated" in err
        assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------ --data everywhere
def test_validate_and_diff_accept_data() -> None:
    res = cli("validate", "--data", str(MINI))
    assert res.returncode == 0 and "no problems found" in res.output
    res = cli("validate", "--data", str(DATA / "broken" / "unknown_payer"))
    assert res.returncode == 1 and "unknown entity 'cloudcoo'" in res.output
    res = cli("diff", str(MINI), "--data", str(MINI))
    assert res.returncode == 0 and "no differences" in res.output
    res = cli("diff", str(MINI), str(MINI), "--data", str(DATA / "xss"))
    assert res.returncode == 2


# ------------------------------------------------------------------------ limits before work
@pytest.mark.parametrize("args", [("-n", "2000000"), ("-n", "100000", "--degree", "100")])
def test_synth_over_the_file_limit_is_refused_before_generating(tmp_path: Path,
                                                                args: tuple[str, ...]) -> None:
    import dealloop.synth as synth_module

    called: list[bool] = []
    real = synth_module.synthetic_dataset
    try:  # generating at all would be the bug: make it fail loudly
        synth_module.synthetic_dataset = lambda *a, **k: called.append(True)  # type: ignore
        res = cli("synth", *args, "-o", str(tmp_path / "s"))
    finally:
        synth_module.synthetic_dataset = real
    assert res.returncode == 1 and not called
    assert "more than the 64 MiB a dataset file may have" in res.output
    assert not (tmp_path / "s").exists()


def test_simulate_draws_beyond_the_time_limit_are_refused_after_one_chunk(
        tmp_path: Path) -> None:
    """100 million draws no longer hit a memory limit (they stream); the time limit refuses
    them from the first chunk's time, with the estimate and the way out, and writes nothing."""
    target = tmp_path / "out.json"
    err = clean(cli("simulate", "baseline", "--draws", "100000000", "--max-time", "5",
                    "--data", str(MINI), "-o", str(target)), 1)
    assert "100,000,000 draws would take about" in err
    assert "more than the time limit of 5.0 s; use about" in err and "(--max-time)" in err
    assert len(err.strip().splitlines()) == 1
    assert not target.exists() and not list(tmp_path.iterdir())


def _wait_for_line(stream: Any, text: str, found: threading.Event) -> None:
    for line in stream:  # keep reading so the pipe never fills
        if text in line:
            found.set()


def test_scheduler_killed_mid_run_gives_one_line_and_no_output(tmp_path: Path) -> None:
    """A real `dask scheduler` and `dask worker`; the scheduler is killed (SIGKILL) once the
    run's client has connected and chunks are flowing."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    groups: list[subprocess.Popen[str]] = []  # scheduler and worker: own process groups
    command = None
    try:
        sched = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", str(port), "--no-dashboard"], stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, start_new_session=True)
        groups.append(sched)
        client_seen = threading.Event()
        threading.Thread(target=_wait_for_line, args=(sched.stderr, "Receive client connection",
                                                      client_seen), daemon=True).start()
        groups.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
             "--nworkers", "1", "--no-dashboard"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True))
        target = tmp_path / "out.json"
        command = subprocess.Popen(
            [sys.executable, "-m", "dealloop", "simulate", "baseline", "--data", str(MINI),
             "-n", "50000000", "--chunk", "2000", "--max-time", "0", "--scheduler", address,
             "-o", str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "COLUMNS": "200"})
        assert client_seen.wait(120), "the run never connected to the scheduler"
        time.sleep(3)  # chunks are running on the worker
        assert command.poll() is None, "the run ended before the scheduler was killed"
        os.killpg(sched.pid, signal.SIGKILL)
        out, err = command.communicate(timeout=120)
    finally:
        if command is not None and command.poll() is None:
            command.kill()
            command.wait()
        for proc in groups:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert command.returncode == 1, (out[-1000:], err[-2000:])
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"Error: the Dask cluster at {address} was lost mid-run: the "
                               "scheduler stopped answering"), lines[0]
    assert not target.exists() and not list(tmp_path.iterdir())


def test_timeline_on_a_dense_graph_is_one_line(tmp_path: Path) -> None:
    """Counting each month's loops goes through the loop budget: one line, exit 1 (was a
    LoopBudgetError traceback); a shorter --max-length counts them."""
    data = dense_dataset(tmp_path)
    err = clean(cli("timeline", "--data", str(data)), 1)
    assert err.count("\n") == 1 and "more than the 2,000,000 a search may list" in err
    assert "--max-length" in err
    res = cli("timeline", "--data", str(data), "--max-length", "2", "--json")
    clean(res, 0)
    assert json.loads(res.stdout)["rows"][-1]["loops"] == 60 * 59 // 2


def test_timeline_from_after_to_is_a_usage_error() -> None:
    err = clean(cli("timeline", "--data", str(MINI), "--from", "2027", "--to", "2025"), 2)
    assert "--from 2027 is after --to 2025" in err


def test_circularity_when_stakes_exceed_a_firm_is_readable(tmp_path: Path) -> None:
    """Stakes held in one firm that add up past 100% (a dataset can say so) leave double
    counting undefined: n/a in the table, not an AttributeError traceback."""
    data = copy_mini(tmp_path)
    deals = data / "deals.csv"
    m11 = next(line for line in deals.read_text().splitlines() if line.startswith("M11,"))
    assert ",0.07," in m11  # chipco holds 7% of neo
    m13 = m11.replace("M11,chipco,", "M13,labco,").replace(",0.07,", ",0.99,")
    deals.write_text(deals.read_text() + m13 + "\n")
    assert not [p for p in dl.validate(data) if p.severity == "error"]
    res = cli("circularity", "--data", str(data))
    clean(res, 0)
    assert "value double-counted via stakes   n/a" in res.stdout
    res = cli("circularity", "--data", str(data), "--json")
    clean(res, 0)
    assert json.loads(res.stdout)["system"].get("double_count") is None
