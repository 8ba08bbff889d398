"""Money as integer minor units (fen): parsing what people type, and formatting for people and scripts.

Accepted: ``152300``, ``152,300.50``, ``¥152300``, ``￥152,300``, full-width ``１５２３００``, ``15.23万``,
``15万``, an optional trailing ``元``. Rejected with the input quoted: NaN, Infinity, exponents, more than two
decimals (after applying 万), commas that are not thousands separators, empty input, and zero or negative
amounts unless the caller allows them.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from arcli.domain.errors import InputError
from arcli.i18n import _

#: The largest amount the ledger accepts: 999,999,999,999.99 (keeps every sum far inside 64-bit integers).
MAX_FEN = 99_999_999_999_999

_NUMBER = re.compile(r"(?P<sign>[-+]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?")
_CURRENCY_PREFIXES = ("¥", "$", "CNY", "RMB")


_PLAIN = re.compile(r"([0-9]{1,15})(?:\.([0-9]{1,2}))?")


def parse_amount(text: str, *, allow_zero: bool = False, allow_negative: bool = False) -> int:
    """Parse an amount a person typed into fen (integer minor units)."""
    plain = _PLAIN.fullmatch(text) if text else None
    if plain:  # digits with at most two decimals (every import file, every export): no normalising
        whole, frac = plain.groups()
        fen = int(whole) * 100 + (int(frac.ljust(2, "0")) if frac else 0)
        if 0 < fen <= MAX_FEN:
            return fen
    original = text
    s = unicodedata.normalize("NFKC", text or "").strip()  # full-width digits, ￥ and ，→ ASCII forms
    s = s.replace(" ", "")
    if not s:
        raise InputError(_("amount is empty: give a number such as 152300, 152,300.50 or 15万"))
    sign = ""
    if s[0] in "+-":
        sign, s = s[0], s[1:]
    upper = s.upper()
    for prefix in _CURRENCY_PREFIXES:
        if upper.startswith(prefix):
            s = s[len(prefix) :]
            break
    if s.endswith("元"):
        s = s[:-1]
    scale = 1
    if s.endswith("万"):
        scale, s = 10_000, s[:-1]
    elif s.endswith("亿"):
        scale, s = 100_000_000, s[:-1]
    m = _NUMBER.fullmatch(sign + s)
    if not m:
        raise InputError(
            _(
                "not an amount: {original!r} (use digits with an optional . and two decimals, commas every three "
                "digits, ¥ in front or 万 behind: 152,300.50, ¥152300, 15.23万)"
            ).format(original=original)
        )
    digits = m.group("int").replace(",", "") + "." + (m.group("frac") or "0")
    try:
        value = Decimal(digits) * scale
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        raise InputError(_("not an amount: {original!r}").format(original=original)) from None
    fen = value * 100
    if fen != fen.to_integral_value():
        raise InputError(
            _("too many decimals in {original!r}: amounts are exact to the fen (0.01)").format(original=original)
        )
    result = int(fen)
    if m.group("sign") == "-":
        result = -result
    if result > MAX_FEN or result < -MAX_FEN:
        raise InputError(
            _("amount too large: {original!r} (the limit is {MAX_FEN})").format(
                original=original, MAX_FEN=format_amount(MAX_FEN)
            )
        )
    if result == 0 and not allow_zero:
        raise InputError(_("amount must be more than zero: {original!r}").format(original=original))
    if result < 0 and not allow_negative:
        raise InputError(_("amount must not be negative: {original!r}").format(original=original))
    return result


def format_amount(fen: int, *, grouped: bool = True) -> str:
    """152300_00 -> '152,300.00' (or '152300.00' with grouped=False, the JSON/CSV form)."""
    sign = "-" if fen < 0 else ""
    units, cents = divmod(abs(int(fen)), 100)
    body = f"{units:,}" if grouped else str(units)
    return f"{sign}{body}.{cents:02d}"


def to_decimal(fen: int) -> Decimal:
    return Decimal(int(fen)).scaleb(-2)


def split_by_percent(total: int, percents: list[Decimal]) -> list[int]:
    """Split ``total`` fen by percentages that add up to 100, exactly (largest remainder).

    Each part gets the floor of its share; the fen left over go one each to the parts with the largest
    remainders, earlier parts first on ties: 100.00 in thirds is 33.34 + 33.33 + 33.33.
    """
    if sum(percents) != 100:
        raise InputError(_("instalment percentages must total 100, not {percents}").format(percents=sum(percents)))
    exact = [Decimal(total) * p / 100 for p in percents]
    parts = [int(x) for x in exact]  # floor: total and percents are positive
    left = total - sum(parts)
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts
