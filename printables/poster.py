"""What goes on a gate poster, and how long text is sized to stay on its page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from chinatime import today_in_china

#: Bump whenever poster.html, poster.css or the layout code changes the output;
#: it is part of every cache key, so stale cached PDFs are never served.
TEMPLATE_VERSION = "poster-3"

#: Paper sizes a poster can be printed on.
PAGE_SIZES = ("A4", "A3")

#: Longest text each field prints in full. Every box on the poster has a fixed height,
#: sized so that this many full-width characters fit at the field's smallest type;
#: longer text is cut with an ellipsis (web forms should refuse it before that).
#: The company name shrinks past 46 characters (COMPANY_SHRINK_AT).
MAX_LENGTHS = {
    "compound_name": 120,
    "gate_name": 60,
    "property_hotline": 24,
    "supervision_hotline": 24,
    "company_name": 100,
    "compound_address": 58,
    "version": 20,
}

#: Rule lines a poster prints, and the characters of each (three lines of 3.6rem).
MAX_RULES = 3
MAX_RULE_LENGTH = 50

#: Longest URL a poster accepts: the printed URL must equal the encoded one, so it is
#: never cut, and past this it would no longer fit on one line under the code.
MAX_URL_LENGTH = 150

#: Company names longer than this print in smaller type, on up to two lines.
COMPANY_SHRINK_AT = 46

# (longest text in characters, CSS class): short names print huge, long ones shrink
# and then wrap. The stylesheet maps each class to a font size per element.
_LENGTH_CLASSES = ((8, "len-xl"), (11, "len-l"), (16, "len-m"), (28, "len-s"), (45, "len-xs"))


@dataclass(frozen=True)
class Poster:
    """Everything printed on one gate poster; every field is untrusted tenant input."""

    compound_name: str
    gate_name: str
    #: The exact URL the QR code encodes (``<XGM_PUBLIC_URL>/g/<token>``).
    url: str
    property_hotline: str
    supervision_hotline: str
    company_name: str = ""
    compound_address: str = ""
    #: Poster version such as "v3", printed in small type to tell reprints apart.
    version: str = ""
    #: Print date shown in the footer; None means today (China time) at rendering time.
    printed_on: datetime.date | None = None
    #: The gate's rules (hours, e-bikes, note, the other gate): up to MAX_RULES short lines.
    rules: tuple[str, ...] = ()
    #: An NFC tag with the gate's URL is fixed at the gate: the poster says so.
    nfc: bool = False
    #: "entry" (the scan-in poster) or "exit" (the exit poster: scanning records an exit).
    kind: str = "entry"


def check_size(size: str) -> str:
    """Return ``size`` if it is a supported paper size, else raise ValueError."""
    if size not in PAGE_SIZES:
        raise ValueError(f"unsupported poster size {size!r}; use one of {', '.join(PAGE_SIZES)}")
    return size


def print_date(poster: Poster) -> datetime.date:
    """Return the date printed in the footer: the poster's own, else today in China."""
    if poster.printed_on is not None:
        return poster.printed_on
    return today_in_china()


def clip(text: str, limit: int) -> str:
    """Return ``text`` stripped, cut to ``limit`` characters with an ellipsis if longer."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def length_class(text: str) -> str:
    """Return the CSS length class for ``text``: the longer it is, the smaller it prints."""
    length = len(text.strip())
    for longest, css_class in _LENGTH_CLASSES:
        if length <= longest:
            return css_class
    return "len-xxs"
