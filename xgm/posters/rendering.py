"""Gates to poster PDFs: what is printed on each, the content cache, and where print runs go."""

import hashlib
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from flask import current_app
from pypdf import PdfReader, PdfWriter

from chinatime import today_in_china
from printables import Poster, PosterCache, poster_cache_key, render_posters_pdf
from tenants import current_tenant, utcnow
from xgm.compounds.links import gate_url
from xgm.compounds.models import Compound, Gate
from xgm.gaterules.rules import rule_lines

SIZES = ("A4", "A3")


def poster_for(gate: Gate, compound: Compound, printed_on: date | None = None) -> Poster:
    """What one gate's poster shows; names are passed as text and escaped by the renderer."""
    tenant = current_tenant._get_current_object()
    return Poster(
        compound_name=compound.name,
        gate_name=gate.name,
        url=gate_url(gate.token),
        property_hotline=compound.hotline,
        supervision_hotline=current_app.config["XGM_SUPERVISION_HOTLINE"],
        company_name=tenant.name if tenant is not None else "",
        compound_address=compound.address,
        version=f"v{gate.token_version}",
        printed_on=printed_on or today_in_china(),
        rules=tuple(rule_lines(gate, other_gate_name(gate, compound))),
        nfc=gate.nfc_tag_at is not None,
    )


def other_gate_name(gate: Gate, compound: Compound) -> str:
    """The name of the gate's nearest other gate when it is set and active, else ""."""
    if not gate.other_gate_id:
        return ""
    other = next((g for g in compound.gates if g.id == gate.other_gate_id), None)
    return other.name if other is not None and other.active else ""


def exit_poster_for(gate: Gate, compound: Compound, url: str) -> Poster:
    """The gate's exit poster: scanning its QR code (`url`) records the rider's exit."""
    tenant = current_tenant._get_current_object()
    return Poster(
        compound_name=compound.name,
        gate_name=gate.name,
        url=url,
        property_hotline=compound.hotline,
        supervision_hotline=current_app.config["XGM_SUPERVISION_HOTLINE"],
        company_name=tenant.name if tenant is not None else "",
        compound_address=compound.address,
        printed_on=today_in_china(),
        kind="exit",
    )


def cache_dir() -> Path:
    """Where rendered PDFs are cached by content (XGM_POSTER_CACHE_DIR, default in instance/)."""
    configured = current_app.config.get("XGM_POSTER_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "poster-cache"


def prints_dir(tenant_id: int) -> Path:
    """Where a tenant's whole-tenant print runs are written (XGM_PRINTS_DIR/<tenant_id>/)."""
    configured = current_app.config.get("XGM_PRINTS_DIR")
    root = Path(configured) if configured else Path(current_app.instance_path) / "prints"
    return root / str(int(tenant_id))


def poster_cache() -> PosterCache:
    """The app's poster cache (one per process and directory)."""
    caches = current_app.extensions.setdefault("xgm_poster_cache", {})
    directory = cache_dir()
    if directory not in caches:
        caches[directory] = PosterCache(directory)
    return caches[directory]


def render_one(poster: Poster, size: str) -> bytes:
    """One poster as a one-page PDF, rendered once and then served from the cache."""
    return poster_cache().render_cached(poster, size)


def render_many(posters: Sequence[Poster], size: str) -> bytes:
    """Several posters in one PDF, one a page; cached under the digest of their own keys."""
    if len(posters) == 1:
        return render_one(posters[0], size)
    digest = hashlib.sha256(f"batch {size}\n".encode())
    for poster in posters:
        digest.update(poster_cache_key(poster, size).encode())
        digest.update(b"\n")
    key = digest.hexdigest()
    cache = poster_cache()
    data = cache.get(key)
    if data is None:
        data = render_posters_pdf(list(posters), size)
        cache.put(key, data)
    return data


def merge_pdfs(parts: Sequence[bytes]) -> bytes:
    """Join PDFs into one document, in order."""
    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def mark_printed(gates: Sequence[Gate]) -> None:
    """Remember that these gates' posters were printed (the onboarding step); caller commits."""
    now = utcnow()
    for gate in gates:
        gate.printed_at = now
        gate.printed_version = gate.token_version
