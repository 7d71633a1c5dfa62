"""City platform (小哥码) integration: signed client, typed errors, request signing."""

from xgm.city.client import CityClient, client_from_config
from xgm.city.errors import (
    BadSignature,
    CityError,
    CityRateLimited,
    CityUnavailable,
    ComplaintClosed,
    ComplaintRejected,
    InvalidClient,
    InvalidGrant,
    UnknownComplaint,
    UnknownRider,
)
from xgm.city.records import (
    COMPLAINT_CATEGORIES,
    COMPLAINT_STATUSES,
    RIDER_STATUSES,
    ComplaintReceipt,
    ReminderReceipt,
    RiderCard,
    TokenResult,
)

__all__ = [
    "COMPLAINT_CATEGORIES",
    "COMPLAINT_STATUSES",
    "RIDER_STATUSES",
    "BadSignature",
    "CityClient",
    "CityError",
    "CityRateLimited",
    "CityUnavailable",
    "ComplaintClosed",
    "ComplaintReceipt",
    "ComplaintRejected",
    "InvalidClient",
    "InvalidGrant",
    "ReminderReceipt",
    "RiderCard",
    "TokenResult",
    "UnknownComplaint",
    "UnknownRider",
    "client_from_config",
]
