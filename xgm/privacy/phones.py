"""Least data on screens: rider phone numbers masked in lists (PIPL art. 6)."""


def mask_phone(phone: str | None) -> str:
    """138****1234 for an 11-digit mobile; keeps only the last 4 of anything else ("" stays "")."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) == 11 and phone.isdigit():
        return phone[:3] + "****" + phone[7:]
    if len(phone) <= 4:
        return "*" * len(phone)
    return "*" * (len(phone) - 4) + phone[-4:]
