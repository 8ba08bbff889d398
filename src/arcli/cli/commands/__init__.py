"""One module per noun; importing this package registers every command on the root app."""

from arcli.cli.commands import admin, collections, customer, entries, report, reports, transfer  # noqa: F401
