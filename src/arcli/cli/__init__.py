"""The Typer command line: thin commands that parse, call one service, and render.

``main.py`` holds the root command, global options and the error boundary; ``commands/`` one module per
noun; ``render.py`` the table/JSON/CSV output.
"""

from arcli.cli.main import app, main, run

__all__ = ["app", "main", "run"]
