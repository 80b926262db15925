"""Scenario files: the YAML format, its pydantic models, and loading with located problems.

A scenario is a YAML file that says which network and horizon to use, which legs count, how
deals become balance sheets (``mapping``), what breaks (``shocks``), which models run and with
which parameters (``models``), and for Monte Carlo which inputs are uncertain
(``monte_carlo``). Every key is optional except ``name`` and ``question``; a missing key takes
the default documented on its model below.

.. code-block:: yaml

    name: coreweave-default
    question: If CoreWeave defaults and NVIDIA's backstop is called, who loses and how much?
    horizon: [2026, 2030]
    legs: {statuses: [committed, reported], evidence: [A, B, C], derived: true}
    mapping: {new_money: plan, rollover: 1.0}
    shocks:
      - {type: fail, entity: coreweave, recovery: 0.4}
      - {type: backstop, deal: D14}
    models:
      clearing: {model: rogers_veraart, alpha: 0.9, beta: 0.9}
    monte_carlo: {seed: 7, conditional: {probability: 0.5}}

Numbers that a Monte Carlo run may draw (shock sizes, GPU lives) accept either a number or a
distribution: ``{uniform: [low, high]}``, ``{triangular: [low, mode, high]}`` or, for
fractions, ``{beta: [a, b]}``. A single stress run uses the distribution's mean.

Problems are reported as :class:`~dealloop.data.problems.Problem` objects located by file,
line and key (``shocks[2].entity``), all at once; an unknown key gets a "did you mean" hint.
:func:`load` checks the file on its own; :func:`validate_against` checks the entity and deal
ids it names against a network.

This module is the public face of the format; the code lives in six modules:

==============  ==========================================================================
module          what it holds (where a change goes)
==============  ==========================================================================
``values``      numbers and distributions (:class:`Dist`, bounds, per-entity settings)
``shocks``      one pydantic model per shock ``type`` (add a shock type here)
``models``      the sections legs, holders and mapping, and :class:`Scenario`
                (add a scenario key here)
``runspec``     the sections models, monte_carlo and markets
``loading``     YAML reading with located problems (:func:`load`, :func:`loads`)
``idcheck``     ids checked against a network (:func:`validate_against`, :func:`check_ids`)
==============  ==========================================================================
"""

from __future__ import annotations

from .idcheck import check_ids, validate_against
from .loading import MAX_DEPTH, MAX_SCENARIO_BYTES, load, loads
from .models import Scenario, uncertain_params
from .values import MAX_CHUNK, MAX_DRAWS, Dist

__all__ = [
    "MAX_CHUNK",
    "MAX_DEPTH",
    "MAX_DRAWS",
    "MAX_SCENARIO_BYTES",
    "Dist",
    "Scenario",
    "check_ids",
    "load",
    "loads",
    "uncertain_params",
    "validate_against",
]
