"""Showing less of a rider's personal data: the phone number with its middle digits hidden."""


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits; shorter numbers keep only the last two."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 8:
        return phone[:3] + "****" + phone[-4:]
    return "*" * max(0, len(phone) - 2) + phone[-2:]
