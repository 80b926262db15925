"""Scenario files: parsing, located problems, checks against the network, the library."""

from __future__ import annotations

import pytest
import yaml

from dealloop.data.problems import DataError
from dealloop.mapping.values import per_entity, point
from dealloop.scenarios import library, spec
from dealloop.scenarios.spec import Dist, loads, validate_against


def problems_of(text: str) -> list[str]:
    with pytest.raises(DataError) as exc:
        loads(text, source="s.yaml")
    return [str(p) for p in exc.value.problems]


def test_defaults_and_point_values() -> None:
    sc = loads("name: x\nquestion: q\nshocks:\n  - {type: revenue, entity: openai, "
               "fall: {uniform: [0.2, 0.4]}}\n")
    assert sc.horizon == (2026, 2030)
    assert sc.legs.statuses == ["committed", "reported"]
    assert sc.mapping.new_money == "plan"
    assert sc.models.clearing.model == "eisenberg_noe"
    assert isinstance(sc.shocks[0].fall, Dist)
    assert point(sc.shocks[0].fall) == pytest.approx(0.3)
    assert sc.line("shocks", 0, "fall") == 4


def test_every_problem_located_by_line_and_key() -> None:
    text = """name: t
question: q
horizon: [2030, 2026]
legs:
  statuses: [comitted]
  evidnce: [A]
mapping:
  stake_liquidity: 1.5
shocks:
  - {type: fial, entity: coreweave}
  - {type: fail, entity: coreweave, recovery: 2}
  - {type: revenue, entity: openai, fall: {uniform: [0.2, 1.4]}}
  - {entity: openai}
"""
    got = problems_of(text)
    assert got == [
        "s.yaml:3: horizon: end 2026-12-31 is before start 2030-01-01",
        "s.yaml:5: legs.statuses[0]: 'comitted' is not allowed; expected 'committed', "
        "'conditional', 'superseded', 'cancelled' or 'reported'; did you mean 'committed'?",
        "s.yaml:6: legs.evidnce: unknown key 'evidnce'; did you mean 'evidence'?",
        "s.yaml:8: mapping.stake_liquidity: Input should be less than or equal to 1",
        "s.yaml:10: shocks[0].type: unknown shock type 'fial'; did you mean 'fail'? expected "
        "one of revenue, assets, demand, fail, cancel, conditional, backstop, funding, "
        "refinancing, collateral, stop_paying",
        "s.yaml:11: shocks[1].recovery: 2 is out of range; expected a value in [0, 1]",
        "s.yaml:12: shocks[2].fall: the distribution's range [0.2, 1.4] is out of range; "
        "expected values in [0, 1]",
        "s.yaml:13: shocks[3]: each shock needs a type: one of revenue, assets, demand, fail, "
        "cancel, conditional, backstop, funding, refinancing, collateral, stop_paying",
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("name: x\nquestion: [oops\n", "not valid YAML"),
    ("", "empty scenario file"),
    ("- a\n- b\n", "a scenario is a mapping"),
    ("name: x\nquestion: q\nname: y\n", "s.yaml:3: name: duplicate key"),
    ("question: q\n", "missing required key 'name'"),
    ("name: x\nquestion: q\nshocks: [{type: revenue, fall: {normal: [0, 1]}}]\n",
     "shocks[0].fall"),
    ("name: x\nquestion: q\nshocks: [{type: revenue, fall: {beta: [0, 1]}}]\n",
     "both shape parameters must be > 0"),
    ("name: x\nquestion: q\nshocks: [{type: revenue, fall: true}]\n", "not true/false"),
    ("name: x\nquestion: q\nshocks: [{type: collateral, life_years: {beta: [2, 2]}}]\n",
     "only allowed for fractions"),
    ("name: x\nquestion: q\nshocks: [{type: cancel}]\n", "name the deal"),
    ("name: x\nquestion: q\nmodels: {clearing: {alpha: 0.5}}\n", "use model: rogers_veraart"),
    ("name: x\nquestion: q\nmapping: {rollover: {oracle: 2}}\n", "oracle: 2 is out of range"),
    ("name: x\nquestion: q\nlegs: {include: [D01], exclude: [D01]}\n",
     "D01 is both included and excluded"),
    ("name: x\nquestion: q\nmonte_carlo: {ranges: {D09: [5, 1]}}\n", "exceeds high"),
])
def test_rejected(text: str, expected: str) -> None:
    got = "\n".join(problems_of(text))
    assert expected in got


def test_checks_against_the_network(net) -> None:
    sc = loads("""name: t
question: q
mapping:
  rollover: {oracel: 0.5}
shocks:
  - {type: fail, entity: corewave}
  - {type: cancel, deal: D999}
  - {type: backstop, deal: D03}
  - {type: fail, entity: bond-investors}
  - {type: conditional, deal: D03}
compare: [H9999]
""", source="s.yaml")
    got = [str(p) for p in validate_against(sc, net)]
    assert "s.yaml:4: mapping.rollover.oracel: unknown entity 'oracel'; did you mean " \
           "'oracle'?" in got
    assert "s.yaml:6: shocks[0].entity: unknown entity 'corewave'; did you mean " \
           "'coreweave'?" in got
    assert any(g.startswith("s.yaml:7: shocks[1].deal: unknown deal 'D999'") for g in got)
    assert "s.yaml:8: shocks[2].deal: D03 is a compute_contract, not a capacity_backstop" in got
    assert any("s.yaml:9: shocks[3].entity: 'bond-investors' is outside the network" in g
               for g in got)
    assert any(g.startswith("s.yaml:10: shocks[4].deal: warning:") for g in got)
    assert any(g.startswith("s.yaml:11: compare[0]: unknown history figure 'H9999'")
               for g in got)


def test_invalid_file_still_gets_its_id_problems(net, tmp_path) -> None:
    from dealloop.scenarios.runner import prepare

    path = tmp_path / "bad.yaml"
    path.write_text("name: t\nquestion: q\nshocks:\n  - {type: fail, entity: corewave, "
                    "recovery: 3}\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        prepare(str(path), net)
    fields = [p.field for p in exc.value.problems]
    assert fields == ["shocks[0].entity", "shocks[0].recovery"]


def test_unknown_file_or_name_hint() -> None:
    with pytest.raises(DataError, match="did you mean coreweave-default"):
        spec.load("coreweave-defalt")


def test_library_ships_the_issue_scenarios(net) -> None:
    names = library.names()
    for need in ("openai-no-new-money", "nvidia-loi-never-converts", "oracle-cannot-refinance",
                 "coreweave-default", "gpu-life-3-years", "ai-demand-shock"):
        assert need in names
    questions = library.questions()
    for name in names:
        sc = spec.load(name)  # by name
        assert sc.name == name
        assert sc.question.strip().endswith("?")
        assert questions[name]
        assert [p for p in validate_against(sc, net) if p.severity == "error"] == []
        # the file is plain YAML a user can copy
        assert yaml.safe_load(library.path(name).read_text(encoding="utf-8"))["name"] == name


def test_round_trip_through_json(net) -> None:
    """A scenario dumped to JSON and validated again is the same scenario (the web API edits
    scenarios this way)."""
    for name in library.names():
        sc = spec.load(name)
        again = spec.Scenario.model_validate(sc.model_dump(mode="json"))
        assert again.model_dump() == sc.model_dump()


def test_per_entity_and_unknown_key_hint() -> None:
    assert per_entity({"default": 0.5, "oracle": 0.0}, "oracle", 1.0) == 0.0
    got = problems_of("name: x\nquestion: q\nmapping: {rolover: 0.5}\n")
    assert got == ["s.yaml:3: mapping.rolover: unknown key 'rolover'; did you mean 'rollover'?"]
