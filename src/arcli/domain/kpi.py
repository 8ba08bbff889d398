"""Month-end figures, as defined in ``../shared/notes/domain.md``. Amounts in fen; results as Decimal.

- Collection rate (回款率) = collected ÷ (amount that fell due in the period + overdue at its start) × 100.
- DSO = closing AR ÷ credit sales in the period × days in the period.
- Countback DSO: walk back month by month from the latest, subtracting each month's sales from the closing
  AR while AR ≥ sales and adding that month's days; then add the fraction AR ÷ sales of the last month's days.
- Best possible DSO = not-yet-due AR ÷ credit sales × days. Average days delinquent (ADD) = DSO − best DSO.
- CEI = (opening AR + credit sales − closing AR) ÷ (opening AR + credit sales − closing current AR) × 100.
"""

from __future__ import annotations

from decimal import Decimal

TWO = Decimal("0.01")


def ratio(numerator: int, denominator: int, scale: int = 100) -> Decimal | None:
    """numerator ÷ denominator × scale, or None when the denominator is not positive."""
    if denominator <= 0:
        return None
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(TWO)


def collection_rate(collected: int, fell_due: int, overdue_at_start: int) -> Decimal | None:
    return ratio(collected, fell_due + overdue_at_start)


def dso(ar: int, sales: int, days: int) -> Decimal | None:
    return ratio(ar * days, sales, 1)


def countback_dso(ar: int, monthly: list[tuple[int, int]]) -> Decimal | None:
    """``monthly``: (sales, days in month), latest month first. None if there were no sales to count back."""
    if ar <= 0:
        return Decimal(0).quantize(TWO)
    left, days = Decimal(ar), Decimal(0)
    for sales, month_days in monthly:
        if sales <= 0:
            days += month_days
            continue
        if left >= sales:
            left -= sales
            days += month_days
        else:
            return (days + left / Decimal(sales) * month_days).quantize(TWO)
        if left == 0:
            return days.quantize(TWO)
    return None  # AR older than the months looked at: countback is undefined


def cei(opening_ar: int, sales: int, closing_ar: int, closing_current: int) -> Decimal | None:
    return ratio(opening_ar + sales - closing_ar, opening_ar + sales - closing_current)
