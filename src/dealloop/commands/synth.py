"""``dealloop synth``: write a synthetic heavy-tailed dataset (for benchmarks and scale tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import check_output, console, fail

#: Bytes of deals.csv per synthetic leg (measured: 34.4 MB for 400,000 legs), rounded up.
SYNTH_BYTES_PER_LEG = 100


def synth(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the dataset to.")],
    firms: Annotated[int, typer.Option("--firms", "-n", min=2, max=2_000_000,
                                       help="Number of firms.")] = 1000,
    degree: Annotated[float, typer.Option("--degree", min=0.1, max=100.0,
                                          help="Mean number of legs per firm.")] = 3.0,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 0,
) -> None:
    """Write a random dataset of Pareto-sized firms with Chung-Lu legs; valid for every command."""
    check_output(output, folder=True)
    if output.is_dir() and any(output.iterdir()):
        fail(f"Error: cannot write {output}: the folder is not empty; synth writes a new "
              "dataset (give a new or empty folder)")
    from ..data.schema import MAX_FILE_BYTES

    legs = firms * degree  # expected; the deals file is the largest, at ~90 bytes a leg
    if legs * SYNTH_BYTES_PER_LEG > MAX_FILE_BYTES:
        fail(f"Error: about {legs:,.0f} legs would make deals.csv about "
              f"{legs * SYNTH_BYTES_PER_LEG / 2**20:,.0f} MiB, more than the "
              f"{MAX_FILE_BYTES // 2**20} MiB a dataset file may have; use fewer --firms or a "
              f"lower --degree (at most about {MAX_FILE_BYTES // SYNTH_BYTES_PER_LEG:,} legs)")
    from ..data.frames import write_dataset
    from ..synth import synthetic_dataset

    frames = synthetic_dataset(firms, mean_degree=degree, seed=seed)
    try:
        write_dataset(frames, output)
    except ValueError as exc:
        fail(f"Error: {exc}; use fewer --firms or a lower --degree")
    except OSError as exc:
        fail(f"Error: cannot write {output}: {exc.strerror or exc}")
    console().print(f"wrote {output}: {firms} firms, {len(frames['deals.csv'])} legs (seed {seed})")
