"""The error types a user may see. Anything else escaping a command is a bug and stays loud."""


class ArError(Exception):
    """A problem the user can fix; shown as one line on stderr."""

    exit_code = 1


class InputError(ArError):
    """Input that cannot be parsed (an amount, a date, terms): a usage error, exit 2."""

    exit_code = 2


class NotFound(ArError):
    """An unknown customer, entry or item."""


class Conflict(ArError):
    """An idempotency key reused with different fields, or a rule the ledger refuses."""


class RefConflict(Conflict):
    """A known ref (or customer) recorded with other fields: never silently skipped or overwritten."""


class Retry(ArError):
    """The database gave up on this transaction for a reason that passes (a serialization failure or a deadlock
    between concurrent writers): nothing was written, and the whole command may simply run again."""
