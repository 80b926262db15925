"""``dealloop synth``: write a synthetic heavy-tailed dataset (for benchmarks and scale tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import app


@app.command()
def synth(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the dataset to.")],
    firms: Annotated[int, typer.Option("--firms", "-n", min=2, max=2_000_000,
                                       help="Number of firms.")] = 1000,
    degree: Annotated[float, typer.Option("--degree", min=0.1, max=100.0,
                                          help="Mean number of legs per firm.")] = 3.0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
) -> None:
    """Write a random dataset of Pareto-sized firms with Chung-Lu legs; valid for every command."""
    from ..data.frames import write_dataset
    from ..synth import synthetic_dataset

    frames = synthetic_dataset(firms, mean_degree=degree, seed=seed)
    write_dataset(frames, output)
    typer.echo(f"wrote {output}: {firms} firms, {len(frames['deals.csv'])} legs (seed {seed})")
