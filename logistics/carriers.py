"""Carriers as the tracking-number key knows them: "顺丰", "顺丰速运", "SF Express" and " sf  " are one carrier.

A tracking number is unique per carrier (carrier events find a parcel by it), so the carrier a person types is
reduced to a key before that is checked: full-width forms folded (NFKC), case folded, spaces removed, and the
common names of the big carriers mapped to one code. A carrier not in the table is its folded text.
"""
import re
import unicodedata

_ALIASES = {
    "SF": ("顺丰", "顺丰速运", "顺丰快递", "sf", "sfexpress", "顺丰express"),
    "ZTO": ("中通", "中通快递", "zto", "ztoexpress"),
    "YTO": ("圆通", "圆通速递", "圆通快递", "yto", "ytoexpress"),
    "STO": ("申通", "申通快递", "sto", "stoexpress"),
    "YUNDA": ("韵达", "韵达速递", "韵达快递", "yunda", "yundaexpress"),
    "JD": ("京东", "京东物流", "京东快递", "jd", "jdl", "jdlogistics"),
    "EMS": ("ems", "中国邮政ems", "邮政ems", "邮政特快专递", "中国邮政速递物流"),
    "CHINAPOST": ("中国邮政", "邮政", "邮政包裹", "chinapost"),
    "DEPPON": ("德邦", "德邦快递", "德邦物流", "deppon"),
    "JT": ("极兔", "极兔速递", "j&t", "j&texpress", "jtexpress"),
}
# A carrier and a tracking number go verbatim into the platform's texts to members ("顺丰 运单号 SF123"): a carrier is
# a name as carriers write theirs ("S.F. Express", "Deppon Logistics Co., Ltd.", "La Poste – Colissimo", "Hermes/Evri":
# letters of any script, digits, spaces and & - – ( ) · . , / ', full-width forms read as their plain ones), never a
# line break or another control character, a web address (no ":", no "www.", no domain: a dot followed by two letters or
# more, "jf-10086.cn", "t.cn/abc", which a phone shows as a link; "S.F." and "Co., Ltd." are no domain) or a 【】 sender
# tag; a tracking number is letters, digits and hyphens.
_CARRIER_NAME = re.compile(r"(?:[^\W_]|[ &()·.,/'’–-])+")
_DOMAIN = re.compile(r"\.[^\W\d_]{2}")
_TRACKING_NUMBER = re.compile(r"[A-Z0-9-]+")
_CODE_OF = {alias: code for code, aliases in _ALIASES.items() for alias in aliases}


def _folded(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def carrier_key(carrier: str) -> str:
    """The key two spellings of one carrier share (a code such as "SF" for a known carrier)."""
    folded = _folded(carrier)
    return _CODE_OF.get(folded, folded)


def tracking_key(tracking_number: str) -> str:
    """A tracking number as stored and looked up: full-width forms folded (NFKC: "ＳＦ１２３" from a Chinese input
    method), without surrounding spaces, upper-case ("sf123" and " SF123 " are one parcel's), so that the unique key per
    carrier and the provider's events agree however it was typed. Numbers stored before are folded alike (logistics
    0024); an ASCII number is its own fold."""
    return unicodedata.normalize("NFKC", tracking_number or "").strip().upper()


def tracking_search_key(text: str) -> str:
    """A tracking number, or a part of one, as a search compares it: `tracking_key` without the spaces and hyphens
    people type between its groups of digits ("sf 1402 2000", "ＳＦ－１４０２" are "SF14022000", "SF1402")."""
    return re.sub(r"[\s-]+", "", tracking_key(text))


def tidy_carrier(carrier: str) -> str:
    """The carrier as stored and shown: as typed, with its runs of spaces made one and none at the ends."""
    return " ".join((carrier or "").split())


def is_carrier_name(carrier: str) -> bool:
    """Whether `carrier` (as typed) is only a name: on one line, and as `tidy_carrier` stores it (any kind of space,
    a tab or a no-break space, made one plain space), full-width forms read as their plain ones (＆ ／ （）), letters,
    digits, spaces and & - – ( ) · . , / ', without "www." or a domain (a dot followed by two letters or more)."""
    name = unicodedata.normalize("NFKC", tidy_carrier(carrier))
    one_line = len((carrier or "").strip().splitlines()) <= 1
    return one_line and bool(_CARRIER_NAME.fullmatch(name)) and "www." not in name.casefold() and not _DOMAIN.search(name)


def is_tracking_number(tracking_number: str) -> bool:
    """Whether `tracking_number` (as `tracking_key` makes it) is only ASCII letters, digits and hyphens."""
    return bool(_TRACKING_NUMBER.fullmatch(tracking_number))
