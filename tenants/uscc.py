"""Unified Social Credit Code (统一社会信用代码) check per GB 32100-2015."""

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_uscc(value: str) -> str:
    """A USCC as typed by a person, made comparable: full-width characters to their ASCII
    forms (NFKC), every space and dash dropped, upper case."""
    folded = unicodedata.normalize("NFKC", value or "")
    return "".join(c for c in folded if not c.isspace() and c not in "-_").upper()


def first_bad_char(value: str) -> tuple[int, str] | None:
    """(1-based position, character) of the first character a USCC never holds, or None."""
    for position, char in enumerate(normalise_uscc(value), start=1):
        if char not in ALPHABET:
            return position, char
    return None


def uscc_check_char(first17: str) -> str:
    """Return the check character for the first 17 characters of a USCC."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_error(value: str) -> str | None:
    """Return why a USCC is invalid (a message key), or None when it is valid."""
    code = normalise_uscc(value)
    if len(code) != 18:
        return "length"
    if any(c not in ALPHABET for c in code):
        return "charset"
    if uscc_check_char(code[:17]) != code[17]:
        return "check_digit"
    return None


def is_valid_uscc(value: str) -> bool:
    """True when the value is an 18-character USCC with a correct check digit."""
    return uscc_error(value) is None
