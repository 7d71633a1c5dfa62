"""In-memory state of the simulated city platform (one process, one lock)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chinatime import CN_TZ

FAIL_MODES = ("503", "429", "timeout")


def now_cn() -> datetime:
    """Return the current time in China, to the second."""
    return datetime.now(CN_TZ).replace(microsecond=0)


@dataclass
class Rider:
    """A rider record held by the city platform."""

    rider_code: str
    name: str
    phone: str
    platform_code: str
    platform_name: str
    station: str
    team: str
    supervision_phone: str
    status: str
    valid_until: date | None
    updated_at: datetime
    #: Created by POST /_sim/riders {"count": ..}: left off the sign-in page list.
    bulk: bool = False

    def to_api(self, base_url: str) -> dict[str, Any]:
        """Return the rider as the contract's JSON (section 3)."""
        return {
            "rider_code": self.rider_code,
            "name": self.name,
            "phone": self.phone,
            "photo_url": f"{base_url}/photos/{self.rider_code}.jpg",
            "platform": {"code": self.platform_code, "name": self.platform_name},
            "station": self.station,
            "team": self.team,
            "supervision_phone": self.supervision_phone,
            "status": self.status,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "updated_at": self.updated_at.isoformat(),
        }

    def shown_status(self, today: date) -> str:
        """Return the status a person would see: 'expired' when active but out of date."""
        if self.status == "active" and self.valid_until and self.valid_until < today:
            return "expired"
        return self.status


@dataclass
class Complaint:
    """A complaint received by the city platform."""

    complaint_id: str
    idempotency_key: str
    reference: str
    rider_code: str
    category: str
    body: dict[str, Any]
    received_at: datetime
    status: str = "received"
    history: list[dict[str, Any]] = field(default_factory=list)
    #: Requests answered 200 with this complaint's id (same Idempotency-Key again).
    replays: int = 0
    #: Reminders (催办) received, in order: {"idempotency_key", "note", "at", "received_at"}.
    reminders: list[dict[str, Any]] = field(default_factory=list)
    #: Rider replies forwarded to xgm (complaint.rider_replied): {"reply", "at"}.
    replies: list[dict[str, Any]] = field(default_factory=list)
    #: Attachments of the body as fetched: {"url", "content_type", "sha256", "bytes", "fetched"}.
    attachments: list[dict[str, Any]] = field(default_factory=list)
    #: The integrator's X-Request-ID of the first receipt (for tracing across systems).
    request_id: str = ""

    def answer(self) -> dict[str, str]:
        """Return the first-receipt answer, repeated verbatim on replays."""
        return {"complaint_id": self.complaint_id, "status": "received"}

    def to_api(self) -> dict[str, Any]:
        """Return the complaint as the contract's JSON (section 4, GET)."""
        return {
            "complaint_id": self.complaint_id,
            "reference": self.reference,
            "status": self.status,
            "history": [dict(entry) for entry in self.history],
        }

    def to_control(self) -> dict[str, Any]:
        """Return everything the simulator knows about the complaint."""
        return {
            **self.to_api(),
            "idempotency_key": self.idempotency_key,
            "rider_code": self.rider_code,
            "category": self.category,
            "received_at": self.received_at.isoformat(),
            "replays": self.replays,
            "reminders": [dict(r) for r in self.reminders],
            "attachments": [dict(a) for a in self.attachments],
            "replies": [dict(r) for r in self.replies],
            "request_id": self.request_id,
            "body": self.body,
        }


@dataclass
class AuthCode:
    """A single-use OAuth authorization code."""

    client_id: str
    redirect_uri: str
    rider_code: str
    expires_at: float


@dataclass
class FailurePlan:
    """Failures to inject into the next `remaining` complaint posts."""

    mode: str
    remaining: int
    retry_after: float = 1.0
    delay: float = 8.0
    p503: float = 0.0
    p429: float = 0.0
    ptimeout: float = 0.0
    rng: random.Random = field(default_factory=random.Random)

    def draw(self) -> str | None:
        """Consume one post of the plan; return the failure mode for it, or None."""
        if self.remaining <= 0:
            return None
        self.remaining -= 1
        if self.mode != "mix":
            return self.mode
        roll = self.rng.random()
        for mode, p in (("503", self.p503), ("429", self.p429), ("timeout", self.ptimeout)):
            if roll < p:
                return mode
            roll -= p
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the plan for the control API."""
        data: dict[str, Any] = {"mode": self.mode, "remaining": self.remaining}
        data.update(retry_after=self.retry_after, delay=self.delay)
        if self.mode == "mix":
            data.update(p503=self.p503, p429=self.p429, ptimeout=self.ptimeout)
        return data


class SimState:
    """Everything the simulator remembers; hold `lock` while reading or changing it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.riders: dict[str, Rider] = {}
        self.complaints: dict[str, Complaint] = {}
        self.by_key: dict[str, str] = {}
        self.codes: dict[str, AuthCode] = {}
        self.plan: FailurePlan | None = None
        #: Failures of the next reminder posts (section 7), separate from complaint posts.
        self.reminder_plan: FailurePlan | None = None
        #: (complaint_id, Idempotency-Key) -> the reminder count answered first.
        self.reminder_keys: dict[tuple[str, str], int] = {}
        self.down = False
        #: While down, seconds each API or token call hangs before its 503 (a city timing out).
        self.down_delay = 0.0
        self.counters: Counter[str] = Counter()
        self._sequence = 0
        self.reset()

    def reset(self) -> None:
        """Return to the seed state: seed riders only, no complaints, no failures."""
        from xgm.citysim.seed import seed_riders

        with self.lock:
            self.riders = {rider.rider_code: rider for rider in seed_riders()}
            self.complaints.clear()
            self.by_key.clear()
            self.codes.clear()
            self.plan = None
            self.reminder_plan = None
            self.reminder_keys.clear()
            self.down = False
            self.down_delay = 0.0
            self.counters.clear()
            self._sequence = 0

    def next_complaint_id(self, when: datetime) -> str:
        """Return a fresh id: C + yyyymmdd + 6-digit sequence."""
        with self.lock:
            self._sequence += 1
            return f"C{when:%Y%m%d}{self._sequence:06d}"

    def draw_failure(self, target: str = "complaints") -> tuple[str | None, FailurePlan | None]:
        """Consume one post of the failure plan of `target` (complaints or reminders)."""
        attribute = "reminder_plan" if target == "reminders" else "plan"
        with self.lock:
            plan = getattr(self, attribute)
            if plan is None:
                return None, None
            mode = plan.draw()
            if plan.remaining <= 0:
                setattr(self, attribute, None)
            if mode:
                prefix = "reminder_" if target == "reminders" else ""
                self.counters[f"{prefix}injected_{mode}"] += 1
            return mode, plan

    def summary(self) -> dict[str, Any]:
        """Return counters for GET /_sim/state."""
        with self.lock:
            today = now_cn().date()
            statuses = Counter(r.shown_status(today) for r in self.riders.values())
            references = Counter(c.reference for c in self.complaints.values())
            return {
                "down": self.down,
                "down_delay": self.down_delay,
                "fail": self.plan.to_dict() if self.plan else None,
                "fail_reminders": self.reminder_plan.to_dict() if self.reminder_plan else None,
                "reminders": sum(len(c.reminders) for c in self.complaints.values()),
                "riders": len(self.riders),
                "riders_by_status": dict(sorted(statuses.items())),
                "complaints": len(self.complaints),
                "complaints_by_status": dict(
                    sorted(Counter(c.status for c in self.complaints.values()).items())
                ),
                "distinct_references": len(references),
                "duplicate_references": sum(1 for n in references.values() if n > 1),
                "counters": dict(sorted(self.counters.items())),
            }
