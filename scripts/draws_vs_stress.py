"""Differential check: each Monte Carlo draw against the stress run of the draw's world.

A draw with given leg amounts must give exactly the figures of the stress run with those
amounts (``legs: {amounts, exclude, include}`` and the draw's shock values). For every
scenario named (default: all shipped), this draws one batch of ``--draws`` draws (64 or more:
the engine compacts the draws still changing), optionally moves more legs on top
(``--moves vehicles``: the vehicles' debt and sponsor legs, dropped, rescaled 0.5-1.5 or
switched on; ``--moves all``: also other legs, rescaled 0.5-1 or dropped, and conditional
legs switched on), runs the batch as a chunk does, and compares every headline, every
firm's equity before, after and lost, and every holders column (sectors, named holders)
with :func:`dealloop.scenarios.run` and :func:`dealloop.holders.follow` on the draw's world.

``python scripts/draws_vs_stress.py [NAME ...] [--draws 96] [--seed 7] [--moves none]
[--every 1]`` prints, per scenario, the largest difference of each figure and the figures
off by more than ``1e-9`` of their size (draw, Monte Carlo, stress run). It takes about
0.3 s per draw compared.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import dealloop as dl
from dealloop import holders, mapping, scenarios
from dealloop.holders.draws import per_draw, routes
from dealloop.scenarios import buffer, library
from dealloop.scenarios._mc_chunks import draw, payload
from dealloop.scenarios.results import HEADLINES
from dealloop.scenarios.runner import clear_runs, headline, prepare

#: The vehicles' debt and sponsor legs of the bundled dataset.
VEHICLE_LEGS = ("D05", "D76", "D148", "D149", "D82", "D89", "D141", "D142", "D06a", "D81a",
                "D75a", "D75b", "D143a")


def monte_carlo(comp: Any, net: Any, lay: Any, M: np.ndarray, values: dict) -> dict:
    """What a chunk computes for draws ``M`` (with shock ``values``), per draw."""
    base, out, _, _ = clear_runs(comp, M.shape[1], mult=M, values=values,
                                 replan=comp.replan(M))
    each, once = buffer.equity_losses_both(comp, base, out, mult=M)
    before, after = buffer.equity_paths(comp, base, out, mult=M)
    mv = np.maximum(buffer.market_value_losses(comp, out), 0.0)
    r = routes(comp, net, lay)
    return {"each": each, "before": before, "after": after, "routes": r,
            "heads": headline(comp, base, out, M, losses=(once, mv)),
            "held": per_draw(r, comp, out, M, each)}


def world(sc: Any, comp: Any, M: np.ndarray, values: dict, k: int) -> Any:
    """The scenario of draw ``k``: its legs excluded, included and their amounts set, its
    shock values (a failure drawn: probability 1 or 0)."""
    d, base = comp.bs.deals, comp.base_mult
    amounts, exclude = dict(sc.legs.amounts), list(sc.legs.exclude)
    include = list(sc.legs.include)
    for j in np.flatnonzero(M[:, k] != base):
        did, x = str(d["id"].iloc[j]), float(M[j, k])
        if x == 0:
            exclude.append(did)
            continue
        if base[j] == 0:
            include.append(did)
        if x != 1.0:
            amounts[did] = float(d["value"].iloc[j]) * x
    shocks = list(sc.shocks)
    for (i, name), arr in values.items():
        update = {"probability": float(arr[k] > 0.5)} if name == "happens" else \
            {name: float(arr[k])}
        shocks[i] = shocks[i].model_copy(update=update)
    legs = sc.legs.model_copy(update={"amounts": amounts, "exclude": exclude,
                                      "include": include})
    return sc.model_copy(update={"legs": legs, "shocks": shocks})


def move(comp: Any, M: np.ndarray, rng: np.random.Generator, moves: str) -> np.ndarray:
    """More legs moved in about 60% of the draws (see the module docstring)."""
    if moves == "none":
        return M
    d = comp.bs.deals
    ok = [j for j, (did, v, how) in enumerate(zip(d["id"], d["value"], d["assumed"],
                                                    strict=True))
          if ":" not in did and v == v and v > 0 and not how]
    veh = [comp.deal_index[x] for x in VEHICLE_LEGS if x in comp.deal_index
           and comp.deal_index[x] in set(ok)]
    cond = [j for j in ok if d["status"].iloc[j] == "conditional"
            and d["kind"].iloc[j] != "capacity_backstop"]
    if moves == "vehicles":  # the other legs as the scenario counts them (those drawn on)
        others = np.setdiff1d(np.arange(len(M)), veh)
        on = M[others] > 0
        M[others] = np.where(on, np.where(comp.base_mult[others, None] > 0,
                                          comp.base_mult[others, None], 1.0), 0.0)
    for k in range(M.shape[1]):
        if rng.random() > 0.6:
            continue
        picks = set(rng.choice(veh, size=rng.integers(1, 5), replace=False).tolist())
        if moves == "all":
            picks |= set(rng.choice(ok, size=rng.integers(0, 3), replace=False).tolist())
            if cond and rng.random() < 0.3:
                picks.add(int(rng.choice(cond)))
        for j in picks:
            u, b = rng.random(), M[j, k] if M[j, k] > 0 else 1.0
            M[j, k] = 0.0 if u < 0.2 else 1.0 if u < 0.3 else \
                b * rng.uniform(0.5, 1.5 if j in veh else 1.0)
    return M


def compare(name: str, net: Any, lay: Any, *, draws: int, seed: int, moves: str,
            every: int) -> tuple[dict[str, tuple[float, int, float, float]], int]:
    """The largest difference of each figure over the draws compared: ``{figure: (diff,
    draw, Monte Carlo, stress run)}``, and how many draws were compared."""
    sc, _ = prepare(name, net)
    comp = mapping.build(net, sc).compile()
    M, values, _ = draw(payload(comp, seed=seed, chunk=draws), 0, draws)
    M = move(comp, M, np.random.default_rng(seed), moves)
    mc = monte_carlo(comp, net, lay, M, values)
    worst: dict[str, tuple[float, int, float, float]] = {}

    def note(key: str, a: float, b: float, k: int) -> None:
        if abs(a - b) > worst.get(key, (0.0,))[0]:
            worst[key] = (abs(a - b), k, a, b)

    ks = range(0, draws, every)
    for k in ks:
        res = scenarios.run(world(sc, comp, M, values, k), net, band=False)
        for m in HEADLINES:
            note(m, float(mc["heads"][m][k]), float(res.system[m]), k)
        f = res.firms
        for i, firm in enumerate(comp.bs.firms):
            for col, got in (("equity_before", mc["before"]), ("equity_after", mc["after"])):
                note(f"firms.{col}", float(got[i, k]), float(f.at[firm, col]), k)
            note("firms.equity_loss", float(mc["each"][i, k]),
                 max(float(f.at[firm, "equity_loss"]), 0.0), k)
        where = holders.follow(res, net)
        named = where.named.groupby("holder")["amount"].sum()
        sectors = where.sectors["amount"]
        for c, col in enumerate(mc["routes"].columns):
            if col.startswith("line:"):
                continue
            want = named.get(col[7:], 0.0) if col.startswith("holder:") else \
                sectors.get(col, 0.0)
            note("holders." + col, float(mc["held"][k, c]), float(want), k)
    return worst, len(ks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--draws", type=int, default=96)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--moves", choices=("none", "vehicles", "all"), default="none")
    ap.add_argument("--every", type=int, default=1)
    args = ap.parse_args()
    net = dl.load()
    lay = holders.layer(net)
    for name in args.names or library.names():
        t = time.perf_counter()
        worst, n = compare(name, net, lay, draws=args.draws, seed=args.seed,
                           moves=args.moves, every=args.every)
        top = max(worst.values(), default=(0.0, 0, 0.0, 0.0))
        print(f"{name}: {n} draws compared ({time.perf_counter() - t:.0f} s), largest "
              f"difference {top[0]:.2e}", flush=True)
        for key, (diff, k, a, b) in sorted(worst.items(), key=lambda kv: -kv[1][0]):
            if diff > 1e-9 * max(1.0, abs(b)):
                print(f"  {key}: draw {k}: {a:.6f} (Monte Carlo) vs {b:.6f} (stress run)",
                      flush=True)


if __name__ == "__main__":
    main()
