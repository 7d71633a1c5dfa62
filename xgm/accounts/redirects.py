"""Where a sign-in page may send the browser afterwards: `?next=` stays on this site.

Every sign-in page (office /login, /ops/login) goes through `local_next()`, the one door for
a user-supplied redirect target. A target is accepted only as a path on this site: it starts
with a single "/", holds no scheme, no "//" authority, no backslash (browsers read "\\" as "/"),
no control, format or line-separator characters (browsers drop tab, CR and LF, so
"/\\t/evil.example" would become "//evil.example"); all of this checked on the text after
percent-decoding too (repeatedly, so "%252F" cannot hide a "/"). Anything else goes to the
default. Never raises.
"""

import unicodedata
from urllib.parse import unquote, urlsplit

#: Longer targets are not ours (request.full_path of our own pages is far shorter).
MAX_LENGTH = 2000
#: Percent-decoding rounds; a target still changing after them is refused.
DECODE_ROUNDS = 4
#: Unicode categories never allowed in a target: controls, format (zero-width, bidi), surrogates,
#: private or unassigned code points, line and paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _plain_local_path(text: str) -> bool:
    """True when `text` (one decoding round) reads as a path on this site and nothing else."""
    if not text.startswith("/") or text.startswith("//"):
        return False
    if "\\" in text:
        return False
    if any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in text):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def is_local_path(target) -> bool:
    """True when `target` is a path on this site, before and after percent-decoding."""
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return False
    text = target
    for _round in range(DECODE_ROUNDS):
        if not _plain_local_path(text):
            return False
        try:
            decoded = unquote(text, errors="strict") if "%" in text else text
        except UnicodeDecodeError:  # percent-escapes that are not UTF-8: not one of our paths
            return False
        if decoded == text:
            return True
        text = decoded
    return False


def local_next(target, default: str, under: str = "/") -> str:
    """`target` when it is a local path (inside `under`), else `default`. Never raises."""
    try:
        if not is_local_path(target):
            return default
        if under != "/":
            path = unquote(urlsplit(target).path)
            if path != under and not path.startswith(under.rstrip("/") + "/"):
                return default
        return target
    except (ValueError, TypeError):
        return default
