"""Golden files: every CLI output and JSON document for the shipped scenarios and commands.

``python scripts/goldens.py`` rewrites ``tests/golden/*`` from the current code. Run it only
when a change of output is meant (a new number, a reworded line), then read ``git diff
tests/golden`` before committing: the diff is the record of what changed. The test
``tests/test_golden.py`` runs the same cases and fails on any difference.

Every case runs in-process through typer's ``CliRunner`` at 200 columns; the repository root
and temporary folders are replaced by ``<ROOT>`` and ``<TMP>``, and run times by ``<T>``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"

SCENARIOS = (
    "baseline",
    "ai-demand-shock",
    "coreweave-default",
    "gpu-life-3-years",
    "nvidia-loi-never-converts",
    "openai-no-new-money",
    "oracle-cannot-refinance",
    "oracle-exits-abilene",
    "xai-stops-paying",
)

#: name -> command line (``{tmp}`` is a fresh temporary folder; ``@file`` names the file
#: written by the command whose content is the golden instead of stdout).
CASES: dict[str, tuple[str, ...]] = {
    "validate.txt": ("validate",),
    "validate.json": ("validate", "--json"),
    "summary.txt": ("summary",),
    "summary.json": ("summary", "--json"),
    "cycles.txt": ("cycles",),
    "cycles.json": ("cycles", "--json"),
    "cycles-k4-committed.json": ("cycles", "-k", "4", "--status", "committed", "--json"),
    "circularity.txt": ("circularity",),
    "circularity.json": ("circularity", "--json"),
    "scenarios.txt": ("scenarios",),
    "scenarios.json": ("scenarios", "--json"),
    "export.json": ("export", "-f", "json", "-o", "{tmp}/net.json", "@net.json"),
    "export.csv": ("export", "-f", "csv", "-o", "{tmp}/net.csv", "@net.csv"),
    "export.graphml": ("export", "-f", "graphml", "-o", "{tmp}/net.graphml", "@net.graphml"),
    "explain-oracle.txt": ("stress", "oracle-cannot-refinance", "--no-band", "--explain",
                           "oracle"),
}
for _name in SCENARIOS:
    CASES[f"stress-{_name}.txt"] = ("stress", _name)
    CASES[f"stress-{_name}.json"] = ("stress", _name, "--json")
# rank-legs of a scenario with a vehicle: the rows of its debt (D05) and sponsor (D06a) legs
CASES["stress-oracle-exits-abilene-rank-legs.json"] = ("stress", "oracle-exits-abilene",
                                                       "--rank-legs", "8", "--json")
CASES["simulate-coreweave-default.json"] = ("simulate", "coreweave-default", "-n", "64",
                                            "--chunk", "32", "-w", "0", "--json")

#: name -> (method, path, JSON body or None): the dashboard's JSON API on the bundled data.
API: dict[str, tuple[str, str, dict | None]] = {
    "api-index.json": ("GET", "/api", None),
    "api-summary.json": ("GET", "/api/summary", None),
    "api-network.json": ("GET", "/api/network", None),
    "api-network-filtered.json": ("GET", "/api/network?status=committed&kind=equity_investment"
                                  "&firm_kind=ai_lab&firm_kind=chip_vendor"
                                  "&firm_kind=hyperscaler&evidence=A&since=2025-01", None),
    "api-entities.json": ("GET", "/api/entities", None),
    "api-entity-openai.json": ("GET", "/api/entities/openai", None),
    "api-loops.json": ("GET", "/api/loops?firm=nvidia&limit=20", None),
    "api-flows.json": ("GET", "/api/flows", None),
    "api-measures.json": ("GET", "/api/measures", None),
    "api-history.json": ("GET", "/api/history", None),
    "api-scenarios.json": ("GET", "/api/scenarios", None),
    "api-run-coreweave-default.json": ("POST", "/api/scenarios/coreweave-default/run",
                                       {"parameters": {"mapping.rollover.default": 0.5}}),
    "api-openapi.json": ("GET", "/openapi.json", None),
}

def normalise(text: str, tmp: str) -> str:
    """Replace the parts of an output that depend on where and when it ran."""
    if tmp:
        text = text.replace(tmp, "<TMP>")
    text = text.replace(str(ROOT), "<ROOT>")
    return text


def run_case(argv: tuple[str, ...]) -> tuple[int, str]:
    """Run one command line in-process; return its exit code and normalised output."""
    from typer.testing import CliRunner

    from dealloop.cli import app

    with tempfile.TemporaryDirectory() as tmp:
        args = [a.replace("{tmp}", tmp) for a in argv if not a.startswith("@")]
        files = [a[1:] for a in argv if a.startswith("@")]
        res = CliRunner().invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1",
                                                 "TERM": "dumb"}, catch_exceptions=False)
        out = res.stdout
        if files:
            out = (Path(tmp) / files[0]).read_text(encoding="utf-8")
        out = normalise(out, tmp)
    if argv and argv[0] == "simulate":
        doc = json.loads(out)
        doc.pop("elapsed_seconds", None)
        out = json.dumps(doc, indent=2) + "\n"
    return res.exit_code, out


_CLIENT: list = []


def run_api(name: str) -> tuple[int, str]:
    """One API request against the bundled dataset; status code and indented JSON."""
    if not _CLIENT:
        from fastapi.testclient import TestClient

        import dealloop
        from dealloop.web import create_app

        _CLIENT.append(TestClient(create_app(dealloop.load()), base_url="http://127.0.0.1"))
    method, path, body = API[name]
    res = _CLIENT[0].request(method, path, json=body)
    doc = res.json()
    if isinstance(doc, dict):
        doc.pop("elapsed_s", None)
    return res.status_code, normalise(json.dumps(doc, indent=1, sort_keys=False) + "\n", "")


def run_any(name: str) -> tuple[int, str]:
    """Run the case called ``name`` (CLI or API)."""
    if name in API:
        code, out = run_api(name)
        return (0 if code == 200 else code), out
    return run_case(CASES[name])


def expected(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="utf-8")


def main(names: list[str]) -> int:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    todo = names or [*CASES, *API]
    for name in todo:
        code, out = run_any(name)
        if code != 0:
            print(f"{name}: exit code {code}", file=sys.stderr)
            return 1
        if name.endswith(".json") and not name.startswith("export"):
            json.loads(out)  # a golden JSON document must parse
        (GOLDEN / name).write_text(out, encoding="utf-8")
        print(f"wrote tests/golden/{name} ({len(out):,} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
