"""Guards in the order Chinese lists use: by the pinyin of their names (李 before 张)."""

from collections import defaultdict

from pypinyin import Style, lazy_pinyin


def pinyin_key(name: str) -> tuple[str, str]:
    """Sort key of a name: its toneless pinyin, then the name itself (homophones apart)."""
    return " ".join(lazy_pinyin(name or "", style=Style.NORMAL)).lower(), name or ""


def shared_phones(guards) -> list[tuple[str, list]]:
    """(phone, guards) for every phone number two or more active guards have, by phone."""
    by_phone = defaultdict(list)
    for guard in guards:
        if guard.active and guard.phone:
            by_phone[guard.phone].append(guard)
    return sorted((phone, gs) for phone, gs in by_phone.items() if len(gs) > 1)
