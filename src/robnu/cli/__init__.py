"""The ``robnu`` command line (Typer)."""
