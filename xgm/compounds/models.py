"""Compounds (小区) and their gates; each gate carries the unguessable token printed in its QR."""

import secrets
from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantScoped, utcnow
from xgm.extensions import db


def new_gate_token() -> str:
    """A fresh gate token: 192 random bits, URL-safe, never derived from ids."""
    return secrets.token_urlsafe(24)


def split_buildings(text: str | None) -> list[str]:
    """The buildings of a compound's text field, one per non-empty line."""
    return [b.strip() for b in (text or "").splitlines() if b.strip()]


class Compound(TenantScoped, db.Model):
    """A residential compound managed by the tenant."""

    __tablename__ = "compound"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", name="uq_compound_tenant_name"),
        UniqueConstraint("tenant_id", "id", name="uq_compound_tenant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(200), default="")
    #: The street or community (村居委会) the compound lies in: a twelve-digit code of
    #: xgm.divisions ("" until the manager picks one). Observers see the compounds inside
    #: their division by this code, across tenants (hence the index without tenant_id).
    division_code: Mapped[str] = mapped_column(String(12), default="", index=True)
    #: `community` was typed under the chosen street and is not in the division data.
    community_unverified: Mapped[bool] = mapped_column(default=False)
    #: 区县, 镇街道, 社区 names: derived from the division when there is one (what the city
    #: receives with a complaint and what pages show), else the text typed before divisions.
    district: Mapped[str] = mapped_column(String(40), default="")
    street: Mapped[str] = mapped_column(String(40), default="")
    community: Mapped[str] = mapped_column(String(40), default="")
    #: Property service hotline printed on posters and shown on refusals.
    hotline: Mapped[str] = mapped_column(String(20), default="")
    #: Buildings (楼幢) for wayfinding, one per line.
    buildings: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(default=False)
    #: Seconds a verified rider may wait before the card turns urgent and alerts every 10 s.
    wait_alarm_seconds: Mapped[int] = mapped_column(default=30)
    #: Seconds after which every phone of the compound alerts and the arrival is unattended.
    wait_escalate_seconds: Mapped[int] = mapped_column(default=90)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Minutes an admitted rider may stay before the overstay alert (xgm.presence).
    overstay_minutes: Mapped[int] = mapped_column(default=30)
    #: Rider amenities on the pass (xgm.guide): where each is, "" when there is none.
    amenity_station: Mapped[str] = mapped_column(String(60), default="")
    amenity_water: Mapped[str] = mapped_column(String(60), default="")
    amenity_charging: Mapped[str] = mapped_column(String(60), default="")
    #: Bumped at each building-map upload (0: no map); in the map's URL, so phones re-fetch.
    map_version: Mapped[int] = mapped_column(default=0)

    gates = relationship("Gate", back_populates="compound", order_by="Gate.id", overlaps="gates")

    @property
    def building_list(self) -> list[str]:
        """The buildings, one per non-empty line."""
        return split_buildings(self.buildings)


class Gate(TenantScoped, db.Model):
    """A gate of a compound; its token is what the poster's QR code carries."""

    __tablename__ = "gate"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "compound_id"],
            ["compound.tenant_id", "compound.id"],
            name="fk_gate_compound_tenant",
        ),
        UniqueConstraint("tenant_id", "id", name="uq_gate_tenant_id"),
        Index("ix_gate_tenant_compound", "tenant_id", "compound_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    #: Unguessable, URL-safe; rotating it retires every printed copy of the poster.
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_gate_token)
    #: Bumped at each rotation; printed on the poster as its version.
    token_version: Mapped[int] = mapped_column(default=1)
    token_rotated_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Last time a poster of this gate was rendered for printing (onboarding step 打印门岗二维码).
    printed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The token_version the last printed poster carried: printed only while it is the current one.
    printed_version: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Per-gate rules (xgm.gaterules), shown on the poster and the pass.
    #: 自动放行: a verified rider is admitted at scan time, without the guard's tap (owner only).
    auto_admit: Mapped[bool] = mapped_column(default=False)
    #: Rider hours "HH:MM" (China time); both "" = always open; from > to spans midnight.
    hours_from: Mapped[str] = mapped_column(String(5), default="")
    hours_to: Mapped[str] = mapped_column(String(5), default="")
    #: E-bikes: "" (no rule), "ride" (may ride in), "park" (must park, at `ebike_where`).
    ebike: Mapped[str] = mapped_column(String(8), default="")
    ebike_where: Mapped[str] = mapped_column(String(60), default="")
    rule_note: Mapped[str] = mapped_column(String(200), default="")
    #: The nearest other gate of the compound (refusals outside the hours point to it).
    other_gate_id: Mapped[int | None] = mapped_column(default=None)
    #: The exit poster's token (xgm.presence): scanning it records the rider's exit.
    exit_token: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    #: When an NFC tag with the gate's URL was last written from the gate page.
    nfc_tag_at: Mapped[datetime | None] = mapped_column(default=None)

    compound = relationship("Compound", back_populates="gates", overlaps="gates")

    @property
    def is_printed(self) -> bool:
        """True when a poster with the gate's current QR code was rendered for printing."""
        return self.printed_at is not None and self.printed_version == self.token_version

    def rotate_token(self) -> None:
        """Give the gate a new token; the old printed QR codes stop working at once."""
        self.token = new_gate_token()
        self.token_version += 1
        self.token_rotated_at = utcnow()
