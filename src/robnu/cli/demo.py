"""``robnu demo``: a seller with one account on each marketplace, validated and synced from the
in-process sandboxes. The work lives in ``demo_run`` so that other commands start without importing it."""

from __future__ import annotations

from typing import Annotated

import typer

from robnu.cli.common import handles_errors


@handles_errors
def demo(
    no_serve: Annotated[bool, typer.Option("--no-serve", help="run the demo and exit")] = False,
    orders: Annotated[int, typer.Option(min=1, max=100_000, help="orders per account in the sandbox world")] = 300,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, help="the sandbox world's seed")] = 7,
) -> None:
    """Run Robnu end to end against the built-in marketplace sandboxes (never prompts)."""
    from robnu.cli.demo_run import run_demo

    run_demo(no_serve=no_serve, orders=orders, seed=seed)
