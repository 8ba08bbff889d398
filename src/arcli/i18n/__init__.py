"""How arcli speaks to people: the language (English or Chinese) and the unit amounts are shown in.

Every string shown to a person is an English msgid looked up in a standard gettext catalog
(``locale/zh/LC_MESSAGES/arcli.po``, compiled to ``arcli.mo`` beside it; ``scripts/i18n.py`` extracts, merges
and compiles). English is the msgids themselves. The language is chosen once per run: ``ar --lang zh|en``,
else ``AR_LANG``, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``zh_CN.UTF-8`` means Chinese), else
English. Codes kept in the ledger (promise statuses, channels, dispute reasons, grades) are shown through the
catalog with their vocabulary as gettext context, and :func:`parse_code` accepts them back in either language.

JSON and CSV are for scripts: their keys and codes stay English and their amounts stay plain, whatever the
language and units. This module is plain Python (gettext, decimal) so that every layer may use it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "arcli"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "zh")
UNITS = ("yuan", "wan")

# English needs no catalog: gettext (and its imports) load only for another language, so that `ar --help` in
# English starts as fast as before.
_state: dict = {"lang": "en", "units": "yuan", "t": None}
_loaded: dict = {}


class UnknownLanguage(ValueError):
    pass


def N_(message: str) -> str:
    """Mark a string for the catalog without translating it here (it is translated where it is shown)."""
    return message


def _catalog(lang: str):
    """The gettext translations of ``lang`` (None for English: the msgids are the English)."""
    if lang == "en":
        return None
    if lang not in _loaded:
        import gettext

        _loaded[lang] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    return _loaded[lang]


def normalize(value: str) -> str:
    """``zh``, ``zh_CN``, ``zh-Hans``, ``zh_CN.UTF-8``, ``中文`` → ``zh``; ``en…``, ``C``, ``POSIX`` → ``en``."""
    import unicodedata

    v = unicodedata.normalize("NFKC", value).strip().lower()
    if v.startswith("zh") or v in ("中文", "汉语", "chinese"):
        return "zh"
    if v.startswith("en") or v in ("c", "posix", "english", "英文", "英语") or v.startswith(("c.", "posix.")):
        return "en"
    raise UnknownLanguage(value)


def detect(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language of this run: ``explicit`` (``--lang``), else AR_LANG, else the locale, else English. An
    unknown ``explicit`` or AR_LANG raises UnknownLanguage; an unknown locale means English."""
    env = os.environ if environ is None else environ
    for chosen in (explicit, env.get("AR_LANG")):
        if chosen:
            return normalize(chosen)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            try:
                return normalize(value)
            except UnknownLanguage:
                return "en"
    return "en"


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise UnknownLanguage(lang)
    _state["lang"] = lang
    _state["t"] = _catalog(lang)


def language() -> str:
    return _state["lang"]


def set_units(units: str) -> None:
    if units not in UNITS:
        raise ValueError(units)
    _state["units"] = units


def units() -> str:
    return _state["units"]


def _(message: str) -> str:
    """``message`` in the language of this run."""
    t = _state["t"]
    return message if t is None else t.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    t = _state["t"]
    if t is None:
        return singular if n == 1 else plural
    return t.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    t = _state["t"]
    return message if t is None else t.pgettext(context, message)


# -- codes kept in the ledger, shown in the reader's language ------------------------------------------------

#: Each vocabulary of codes that reach people. The catalog translates each code with its vocabulary as context
#: (``msgctxt "channel"``, ``msgid "call"``): the same English word can mean different things in two of them.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "promise": ("open", "kept", "partly_kept", "broken", "superseded"),
    "dispute": ("open", "resolved"),
    "channel": ("call", "visit", "sms", "wechat", "email", "letter", "legal"),
    "reason": ("quality", "service", "promotion", "downstream", "cash", "documents", "price", "other"),
    "kind": ("delivery", "payment", "writeoff", "reversal"),
    "method": ("bank", "cash", "bill", "offset"),
    "record": (
        *("customer", "sale", "delivery", "payment", "writeoff", "reversal"),
        *("promise", "contact", "dispute", "hold", "plan"),
    ),
    "check": (
        "integrity",
        "foreign-key",
        "audit",
        "allocation",
        "entry",
        "reversal",
        "balance",
        "derived",
        "aging",
        "setting",
    ),
    "import": ("customers", "sales", "deliveries", "payments", "promises", "writeoffs", "contacts"),
}

#: More words accepted for a code than its catalog translation (which is always accepted), by vocabulary.
ALIASES: dict[str, dict[str, str]] = {
    "channel": {
        "电话": "call", "打电话": "call", "致电": "call",
        "拜访": "visit", "上门": "visit", "面谈": "visit",
        "短信": "sms", "信息": "sms",
        "微信": "wechat", "weixin": "wechat",
        "邮件": "email", "电子邮件": "email", "e-mail": "email",
        "信函": "letter", "函件": "letter", "书面": "letter", "催款函": "letter",
        "法律": "legal", "律师函": "legal", "诉讼": "legal",
    },
    "reason": {
        "质量": "quality", "质量问题": "quality",
        "服务": "service", "服务问题": "service",
        "促销": "promotion", "促销支持": "promotion", "促销费用": "promotion",
        "下游未回款": "downstream", "下游欠款": "downstream", "客户没回款": "downstream",
        "资金紧张": "cash", "没钱": "cash", "资金困难": "cash",
        "单据": "documents", "单据问题": "documents", "发票": "documents",
        "价格": "price", "价格问题": "price", "差价": "price",
        "其他": "other", "其它": "other",
    },
    "method": {
        "银行": "bank", "转账": "bank", "银行转账": "bank", "电汇": "bank",
        "现金": "cash",
        "票据": "bill", "汇票": "bill", "承兑": "bill", "承兑汇票": "bill", "支票": "bill",
        "抵账": "offset", "对冲": "offset", "冲抵": "offset",
    },
}  # fmt: skip


def code(vocabulary: str, value: str | None) -> str:
    """A code of ``vocabulary`` as the reader says it (the code itself in English)."""
    if not value:
        return value or ""
    return pgettext(vocabulary, value)


def words_for(vocabulary: str, value: str) -> list[str]:
    """Every word :func:`parse_code` takes for ``value``: the code, its Chinese name, the aliases."""
    zh = _catalog("zh").pgettext(vocabulary, value)
    out = [value, *([zh] if zh != value else [])]
    out += [w for w, c in ALIASES.get(vocabulary, {}).items() if c == value and w not in out]
    return out


def parse_code(vocabulary: str, text: str, codes: tuple[str, ...] | None = None) -> str | None:
    """The code ``text`` names, in English or Chinese (``电话`` → ``call``); None if it names none."""
    import unicodedata

    allowed = codes or VOCABULARIES[vocabulary]
    s = unicodedata.normalize("NFKC", text).strip()
    low = s.lower()
    if low in allowed:
        return low
    zh = _catalog("zh")
    for c in allowed:
        if zh.pgettext(vocabulary, c) == s:
            return c
    alias = ALIASES.get(vocabulary, {}).get(low)
    return alias if alias in allowed else None


# -- amounts for people --------------------------------------------------------------------------------------


def money(fen: int, *, grouped: bool = True) -> str:
    """An amount for people, in the units of this run: ``152,300.00``, or ``15.23万`` with ``--units wan``
    (rounded half up to 0.01 万, i.e. to 100 yuan: a figure to read, never to book)."""
    if _state["units"] == "wan":
        from decimal import ROUND_HALF_UP, Decimal

        wan = (Decimal(fen) / 1_000_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # 1万 yuan = 10⁶ fen
        return f"{wan:,.2f}万" if grouped else f"{wan:.2f}万"
    from arcli.domain.money import format_amount  # here, not above: the domain imports this module

    return format_amount(fen, grouped=grouped)


#: Strings that typer and click show (their own gettext calls), translated through arcli's catalog.
FRAMEWORK = (
    N_("Usage: "),
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
    N_("(dynamic)"),
    N_("Aborted!"),
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("Show this message and exit."),
)
