"""The Monte Carlo part of a scenario in the results bundle (:mod:`.bundle`): where the losses
land over the draws (households, retirement accounts, banks and their CET1 capital, insurers,
private-credit funds), as ``dealloop simulate`` prints it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..jsonutil import jsonable

__all__ = ["DEFAULT_REPORT_DRAWS", "simulate_command", "simulation_part"]

if TYPE_CHECKING:
    from ..network import DealNetwork

#: Draws per scenario of ``dealloop report`` (the scenario files say 10,000 for ``dealloop
#: simulate``; fewer keep a report with several scenarios to seconds).
DEFAULT_REPORT_DRAWS = 1000


def simulate_command(scenario: Any, draws: int, seed: int, data: Path | None = None,
                     as_of: Any = None) -> str:
    """The ``dealloop simulate`` line that prints the same figures as a report's Monte Carlo
    part: the shipped scenario's name, or the file it was read from, with ``--data`` when
    the dataset ``data`` is not the default one and ``--as-of`` for a view as of a date.

    Examples
    --------
    >>> from dealloop import scenarios
    >>> simulate_command(scenarios.load("coreweave-default"), 500, 7)
    'dealloop simulate coreweave-default -n 500 --seed 7'
    >>> simulate_command(scenarios.load("baseline"), 10, 0, Path("my-data"))
    'dealloop simulate baseline -n 10 --seed 0 --data my-data'
    >>> simulate_command(scenarios.load("baseline"), 10, 0, as_of="2025-06-30")
    'dealloop simulate baseline -n 10 --seed 0 --as-of 2025-06-30'
    """
    from ..datasets import resolve
    from ..scenarios.library import names, path

    name = str(getattr(scenario, "name", scenario))
    source = getattr(scenario, "source", None)
    shipped = name in names() and (not source or Path(source) == path(name))
    what = name if shipped else str(source or name)
    line = f"dealloop simulate {what} -n {draws} --seed {seed}"
    if data is not None and Path(data).resolve() != resolve(None).resolve():
        line += f" --data {data}"
    if as_of:
        line += f" --as-of {as_of}"
    return line


def simulation_part(scenario: Any, net: DealNetwork, *, draws: int = DEFAULT_REPORT_DRAWS,
                    seed: int | None = None) -> dict[str, Any]:
    """Draw ``scenario``'s uncertain inputs ``draws`` times, follow every draw's losses
    through the holders layer (:data:`dealloop.holders.draws.FOLLOW`) and keep the
    distribution of where they land.

    Returns ``draws``, ``seed`` (the scenario's ``monte_carlo.seed`` unless given),
    ``chunk``, ``command`` (the ``dealloop simulate`` line that prints the same figures),
    ``holders`` (the simulation's ``holders`` section, as ``dealloop simulate --json``
    writes it) and ``lines`` (its text, as ``dealloop simulate`` prints it).

    Examples
    --------
    >>> import dealloop as dl
    >>> part = simulation_part("coreweave-default", dl.load(), draws=50, seed=3)
    >>> part["command"], part["holders"]["draws"]
    ('dealloop simulate coreweave-default -n 50 --seed 3', 50)
    >>> [f["figure"] for f in part["holders"]["figures"]][:2]
    ['households', 'retirement']
    """
    from ..holders.draws import FOLLOW, lines
    from ..scenarios.montecarlo import simulate
    from ..scenarios.runner import prepare

    sc, net = prepare(scenario, net)
    res = simulate(sc, net, draws=draws, seed=seed, workers=0, follow=FOLLOW)
    return {"draws": res.draws, "seed": res.seed, "chunk": res.chunk,
            "command": simulate_command(sc, res.draws, res.seed, net.path,
                                        net.meta.get("as_of")),
            "holders": jsonable(res.holders), "lines": lines(res.holders),
            "notes": list(res.notes)}
