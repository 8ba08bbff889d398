"""arcli: a command-line accounts-receivable tracker.

Layers, top to bottom (each may import only those below it; `tests/test_layers.py` checks it):

- ``arcli.cli``      Typer commands: parse options, call a service, render the result.
- ``arcli.services`` use cases; each opens exactly one transaction on the ledger.
- ``arcli.storage``  the only package that speaks SQL (SQLModel/SQLAlchemy, Alembic migrations).
- ``arcli.domain``   plain values and rules: money, dates, terms, allocation. No framework.
"""

__version__ = "0.1.0"
