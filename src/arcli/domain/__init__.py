"""Pure receivables rules: no database, no terminal, no clock."""
