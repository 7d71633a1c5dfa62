"""Values the city platform hands back: rider cards, tokens, complaint receipts."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

RIDER_STATUSES = ("active", "suspended", "revoked")
COMPLAINT_CATEGORIES = (
    "unsafe_riding",
    "no_helmet",
    "trespassing",
    "rude_behaviour",
    "improper_parking",
    "littering",
    "other",
)
COMPLAINT_STATUSES = ("received", "forwarded", "investigating", "resolved", "rejected")


@dataclass(frozen=True)
class TokenResult:
    """Answer of the OAuth token endpoint: who signed in."""

    access_token: str
    token_type: str
    expires_in: int
    rider_code: str


@dataclass(frozen=True)
class ComplaintReceipt:
    """The city's receipt for a complaint; first_receipt is False on an idempotent replay."""

    complaint_id: str
    status: str
    first_receipt: bool


@dataclass(frozen=True)
class ReminderReceipt:
    """The city's receipt for a reminder (催办, section 7); first_receipt False on a replay."""

    complaint_id: str
    reminders: int
    first_receipt: bool


@dataclass(frozen=True)
class RiderCard:
    """A rider as the city platform vouches for them (section 3 of the contract)."""

    rider_code: str
    name: str
    phone: str
    photo_url: str
    platform_code: str
    platform_name: str
    station: str
    team: str
    supervision_phone: str
    status: str
    valid_until: date | None
    updated_at: str

    def is_expired(self, today: date) -> bool:
        """Return True when valid_until lies before today."""
        return self.valid_until is not None and self.valid_until < today

    def is_admissible(self, today: date) -> bool:
        """Return True when the city's word admits this rider today."""
        return self.status == "active" and not self.is_expired(today)

    def effective_status(self, today: date) -> str:
        """Return the status to show: 'expired' for an active rider past valid_until."""
        if self.status == "active" and self.is_expired(today):
            return "expired"
        return self.status

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (for caching); from_dict() reverses it."""
        data = asdict(self)
        data["valid_until"] = self.valid_until.isoformat() if self.valid_until else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RiderCard:
        """Rebuild a card from to_dict() output."""
        fields = dict(data)
        raw = fields.get("valid_until")
        fields["valid_until"] = date.fromisoformat(raw) if raw else None
        return cls(**fields)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> RiderCard:
        """Build a card from the contract's rider JSON; KeyError/TypeError/ValueError if malformed."""
        platform = data["platform"]
        raw = data.get("valid_until")
        return cls(
            rider_code=_text(data["rider_code"]),
            name=_text(data["name"]),
            phone=_text(data.get("phone")),
            photo_url=_text(data.get("photo_url")),
            platform_code=_text(platform["code"]),
            platform_name=_text(platform.get("name")),
            station=_text(data.get("station")),
            team=_text(data.get("team")),
            supervision_phone=_text(data.get("supervision_phone")),
            status=_text(data["status"]),
            valid_until=date.fromisoformat(raw) if raw else None,
            updated_at=_text(data.get("updated_at")),
        )


def _text(value: Any) -> str:
    """Return value as str, None as ''; anything else than str/None is malformed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value
