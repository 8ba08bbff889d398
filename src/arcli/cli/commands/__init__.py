"""One module per noun. Each registers its commands on the root app when imported; the root imports a module
only when one of its commands runs (``arcli.cli.main.COMMANDS``), and ``load_all()`` imports them all."""


def load_all() -> None:
    import importlib

    from arcli.cli.main import COMMANDS

    for module in dict.fromkeys(m for m, _ in COMMANDS.values()):
        importlib.import_module(f"arcli.cli.commands.{module}")
