"""Plain records passed between the layers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    code: str | None = None
    terms: str | None = None
    credit_limit: int | None = None  # fen
    rep: str | None = None
    phone: str | None = None
    note: str | None = None
