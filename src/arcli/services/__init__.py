"""Use cases. Each public function opens exactly one transaction on the ledger (``unit_of_work``) and
returns plain values for the CLI to render; domain rules come from ``arcli.domain``."""
