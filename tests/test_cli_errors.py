"""Bad input gets a clear error and loses nothing: regression tests from a hostile-user pass.

Each test runs the command line (in this process; in a process of its own where the test is
about the process: a read that must not hang, Ctrl-C, a server) and checks the exit code (1 bad
data or scenario, 2 usage error), that stderr names the problem and has no traceback, and that
no partial output is left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import DATA, MINI, clean, cli, copy_mini, free_port, run

BROKEN = DATA / "broken"


# ------------------------------------------------------------------------------ datasets
def test_dataset_file_that_is_a_directory_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    data = copy_mini(tmp_path)
    (data / "deals.csv").unlink()
    (data / "deals.csv").mkdir()
    for args in (("validate", str(data)), ("summary", "--data", str(data))):
        err = clean(cli(*args), 1)
        assert "deals.csv: is a directory" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_dataset_file_that_is_a_pipe_does_not_hang(tmp_path: Path) -> None:
    data = copy_mini(tmp_path)
    (data / "deals.csv").unlink()
    os.mkfifo(data / "deals.csv")
    err = clean(run("validate", str(data), timeout=20), 1)
    assert "deals.csv: is not a regular file" in err


@pytest.mark.parametrize(("content", "expected"), [
    (None, "datapackage.json: is not a regular file"),
    ("[1, 2]", "datapackage.json:1: -: expected a JSON object"),
    ('{"name": 5}', "datapackage.json: name: expected a string"),
])
def test_bad_datapackage_descriptor(tmp_path: Path, content: str | None, expected: str) -> None:
    data = copy_mini(tmp_path)
    if content is None:
        (data / "datapackage.json").mkdir()
    else:
        (data / "datapackage.json").write_text(content)
    assert expected in clean(cli("validate", str(data)), 1)
    assert expected in clean(cli("summary", "--data", str(data)), 1)


def test_diff_reports_the_problems_of_both_folders() -> None:
    err = clean(cli("diff", str(BROKEN / "unknown_payer"), str(BROKEN / "bad_bool")), 1)
    assert f"{BROKEN / 'unknown_payer'}/deals.csv:5: payer: unknown entity 'cloudcoo'" in err
    assert f"{BROKEN / 'bad_bool'}/entities.csv:2: listed:" in err


def test_seed_must_not_be_negative() -> None:
    for cmd in ("cycles", "circularity"):
        err = clean(cli(cmd, "--data", str(MINI), "--null", "2", "--seed", "-1"), 2)
        assert "--seed" in err


# ------------------------------------------------------------------------------ scenarios
def test_empty_scenario_argument() -> None:
    err = clean(cli("stress", "", "--data", str(MINI)), 1)
    assert "no scenario given" in err and "coreweave-default" in err


def test_scenario_naming_a_missing_dataset_points_at_its_line(tmp_path: Path) -> None:
    sc = tmp_path / "s.yaml"
    sc.write_text("name: x\nquestion: q\ndataset: no_such_dataset\n")
    err = clean(cli("stress", str(sc)), 1)
    assert f"{sc}:3: dataset: dataset 'no_such_dataset' cannot be used" in err


def test_stress_on_a_broken_dataset_names_the_folder() -> None:
    err = clean(cli("stress", "baseline", "--data", str(BROKEN / "bad_bool")), 1)
    assert "entities.csv:2: listed:" in err and str(BROKEN / "bad_bool") in err


def test_scenario_yaml_tag_error_is_one_line(tmp_path: Path) -> None:
    sc = tmp_path / "s.yaml"
    sc.write_text("name: !!python/object:os.system x\nquestion: q\n")
    err = clean(cli("stress", str(sc), "--data", str(MINI)), 1)
    assert f"{sc}:1: name: cannot read value: could not determine a constructor" in err
    assert "<unicode string>" not in err


def test_unknown_ids_are_listed_in_line_order(tmp_path: Path) -> None:
    sc = tmp_path / "s.yaml"
    sc.write_text("name: x\nquestion: q\nshocks:\n  - {type: fail, entity: nobody}\n"
                  "legs:\n  include: [ZZ1]\n")
    err = clean(cli("stress", str(sc), "--data", str(MINI)), 1)
    assert err.index(":4: shocks[0].entity") < err.index(":6: legs.include[0]")


# ------------------------------------------------------------------------------ report
def test_report_lists_file_and_id_problems_of_every_scenario_at_once(tmp_path: Path) -> None:
    ids = tmp_path / "ids.yaml"
    ids.write_text("name: x\nquestion: q\nshocks:\n  - {type: fail, entity: nobody}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nquestion: [\n")
    out = tmp_path / "r.html"
    err = clean(cli("report", "--data", str(MINI), "-s", str(ids), "-s", str(bad),
                    "-o", str(out), "--no-band"), 1)
    assert f"{ids}:4: shocks[0].entity: unknown entity 'nobody'" in err
    assert f"{bad}:" in err and "not valid YAML" in err
    assert not out.exists()


def test_report_horizon_out_of_calendar_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    err = clean(cli("report", "--data", str(MINI), "--horizon", "2026", "99999",
                    "-o", str(out), "--no-band"), 2)
    assert "--horizon" in err and not out.exists()


@pytest.mark.parametrize("args", [
    ("report", "--data", str(MINI), "--no-band", "-o", "{target}.html"),
    ("export", "-f", "json", "--data", str(MINI), "-o", "{target}.json"),
    ("simulate", "coreweave-default", "--draws", "5", "--workers", "0", "-o", "{target}.json"),
    ("synth", "-n", "10", "-o", "{target}"),
], ids=["report", "export", "simulate", "synth"])
def test_output_into_a_missing_folder_is_refused_before_any_work(tmp_path: Path,
                                                                 args: tuple[str, ...]) -> None:
    target = tmp_path / "no-such-folder" / "out"
    err = clean(cli(*(a.format(target=target) for a in args)), 1)
    assert "cannot write" in err and "does not exist" in err, err
    assert not (tmp_path / "no-such-folder").exists()  # never created


def test_output_under_a_file_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    err = clean(cli("simulate", "coreweave-default", "--draws", "5", "--workers", "0",
                    "-o", str(blocker / "out.json")), 1)
    assert "is not a directory" in err and blocker.read_text() == "x"


# ------------------------------------------------------------------------------ simulate
@pytest.mark.parametrize(("address", "code", "says"), [
    ("tcp://127.0.0.1:1", 1, "no Dask scheduler answers"),  # closed port: at once
    ("tls://127.0.0.1:1", 1, "no Dask scheduler answers"),
    ("ws://127.0.0.1:1", 1, "no Dask scheduler answers"),
    ("ucx://127.0.0.1:1", 2, "the ucx:// transport cannot reach a scheduler"),
    ("inproc://x", 2, "the inproc:// transport cannot reach a scheduler"),
    ("tcp://127.0.0.1:99999", 2, "port 99999 is not in 1-65535"),
    ("garbage", 2, "'garbage'"), ("tcp://127.0.0.1", 2, "'tcp://127.0.0.1'"),
    ("foo://x:1", 2, "'foo://x:1'"), ("tcp://:1", 2, "'tcp://:1'")])
def test_scheduler_addresses_give_one_clean_line(address: str, code: int, says: str) -> None:
    """Every transport and malformed address: exit 1 (nothing answers) or 2 (cannot work),
    one line naming --scheduler, no traceback."""
    err = clean(cli("simulate", "baseline", "-n", "5", "--data", str(MINI), "--scheduler",
                    address), code)
    assert "--scheduler" in err and says in err and len(err.strip().splitlines()) == 1


def test_check_scheduler_never_starts_dask_retries_on_a_closed_port(monkeypatch: Any) -> None:
    """A closed port is refused by the plain socket probe: no Dask client (which retries for
    30 s) is ever created."""
    import distributed

    from dealloop.scenarios.montecarlo import check_scheduler

    def no_client(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a Dask client was created for a closed port")

    monkeypatch.setattr(distributed, "Client", no_client)
    with pytest.raises(OSError):
        check_scheduler("tcp://127.0.0.1:1", timeout=1.0)


def test_check_scheduler_refuses_a_listener_that_is_not_dask() -> None:
    from dealloop.scenarios.montecarlo import check_scheduler

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ConnectionError, match="not a Dask scheduler"):
            check_scheduler(f"tcp://127.0.0.1:{port}", timeout=1.0)


def test_simulate_draws_beyond_the_scenario_limit_are_refused() -> None:
    err = clean(cli("simulate", "coreweave-default", "--draws", "99999999999999999999"), 2)
    assert "--draws" in err
    err = clean(cli("simulate", "coreweave-default", "--chunk", "100000000"), 2)
    assert "--chunk" in err


def test_simulate_library_checks_draws_limit() -> None:
    import dealloop as dl
    from dealloop.scenarios.montecarlo import simulate

    with pytest.raises(ValueError, match="draws must be in"):
        simulate("coreweave-default", dl.load(), draws=10**12, workers=0)


# ------------------------------------------------------------------------------ synth
def test_synth_write_errors_are_messages(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    err = clean(cli("synth", "-n", "10", "-o", str(blocker)), 1)
    assert "exists and is not a directory" in err
    err = clean(cli("synth", "-n", "10", "-o", str(blocker / "sub")), 1)
    assert "is not a directory" in err
    assert blocker.read_text() == "x"


def test_synth_refuses_a_folder_that_holds_files(tmp_path: Path) -> None:
    data = copy_mini(tmp_path)
    before = {f.name: f.read_bytes() for f in data.iterdir()}
    err = clean(cli("synth", "-n", "10", "-o", str(data)), 1)
    assert "not empty" in err
    assert {f.name: f.read_bytes() for f in data.iterdir()} == before


def test_synth_into_an_empty_folder_works(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    clean(cli("synth", "-n", "20", "-o", str(out)), 0)
    assert sorted(p.name for p in out.iterdir()) == ["deals.csv", "entities.csv", "sources.csv"]
    clean(cli("validate", str(out)), 0)


def test_synth_seed_must_not_be_negative(tmp_path: Path) -> None:
    assert "--seed" in clean(cli("synth", "-n", "10", "--seed", "-1",
                                 "-o", str(tmp_path / "s")), 2)
    assert not (tmp_path / "s").exists()


def test_write_dataset_refuses_files_the_reader_would_refuse(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    from dealloop.data import frames as fr
    from dealloop.synth import synthetic_dataset

    monkeypatch.setattr(fr, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ValueError, match=r"\.csv would be .* MiB, more than .* nothing written"):
        fr.write_dataset(synthetic_dataset(50, seed=1), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_write_dataset_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    from dealloop.data import frames as fr
    from dealloop.synth import synthetic_dataset

    calls = []

    def failing(path: Path, text: str) -> Path:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, text)

    real = fr.atomic_write_text
    monkeypatch.setattr(fr, "atomic_write_text", failing)
    with pytest.raises(KeyboardInterrupt):
        fr.write_dataset(synthetic_dataset(20, seed=1), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []  # neither the folder nor a temporary one


def _wait_for_cpu(pid: int, seconds: float, timeout: float = 120.0) -> None:
    """Wait until process ``pid`` has used ``seconds`` of CPU (user + system)."""
    import psutil

    child = psutil.Process(pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        used = child.cpu_times()
        if used.user + used.system >= seconds:
            return
        time.sleep(0.05)
    raise AssertionError(f"the child used under {seconds} s of CPU in {timeout} s")


def test_interrupted_synth_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "syn"
    proc = subprocess.Popen([sys.executable, "-m", "dealloop", "synth", "-n", "200000",
                             "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # 200,000 firms take ~7 s of CPU here, the imports ~1 s: interrupting after 3 s of the
    # child's own CPU lands mid-run however busy the machine is (a 2.5 s wall-clock sleep
    # landed in the imports on a loaded CI machine).
    _wait_for_cpu(proc.pid, 3.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err
    assert "interrupted" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [("summary",), ("cycles", "--json", "--limit", "3")])
def test_output_that_cannot_be_written_is_a_message_not_a_traceback(args: tuple[str, ...]
                                                                    ) -> None:
    # stdout is a full disk: the write fails with ENOSPC (click handles only a closed pipe)
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "dealloop", *args, "--data", str(MINI)],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr.strip() == "Error: cannot write the output: No space left on device"


# ------------------------------------------------------------------------------ serve
def test_serve_on_a_taken_port_fails_with_a_message() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        err = clean(run("serve", "--data", str(MINI), "--port", str(port), timeout=30), 1)
    assert f"cannot listen on 127.0.0.1:{port}" in err and "already in use" in err.lower()
    assert "dashboard on" not in err  # no claim that it is serving


@pytest.mark.parametrize("host", ["", "256.1.1.1"])
def test_serve_bad_host_is_a_usage_error(host: str) -> None:
    err = clean(run("serve", "--data", str(MINI), "--host", host, "--port", str(free_port()),
                    timeout=30), 2)
    assert "--host" in err


@pytest.mark.parametrize(("query", "field"), [
    ("since=2025-13", "since"), ("until=2025-02-30", "until"), ("since=0000", "since"),
])
def test_api_network_impossible_date_is_422(query: str, field: str) -> None:
    from fastapi.testclient import TestClient

    import dealloop as dl
    from dealloop.web.app import create_app

    client = TestClient(create_app(dl.load(MINI)), base_url="http://127.0.0.1")
    res = client.get(f"/api/network?{query}")
    assert res.status_code == 422, res.text
    assert res.json()["message"].startswith(f"{field}: impossible date")


def test_parse_date_end_of_december_9999() -> None:
    from dealloop.data.read import parse_date

    assert str(parse_date("9999-12", end=True)) == "9999-12-31"
