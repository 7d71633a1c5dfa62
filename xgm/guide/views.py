"""The manager's compound guide page, and the building map served to managers and riders."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from tenants import get_or_404, utcnow
from xgm.accounts.access import current_office_user, office_required
from xgm.accounts.forms import ConfirmForm
from xgm.audit import record
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.guide import bp
from xgm.guide.forms import GuideForm
from xgm.guide.images import MAX_BYTES, BadImage, reencode
from xgm.guide.models import CompoundMap

#: Room for the form's other fields and the multipart framing around a 5 MB file.
REQUEST_ALLOWANCE = 64 * 1024

BAD_IMAGE = {
    "too_big": lambda: _("图片不能超过 5 MB"),
    "not_image": lambda: _("请上传 JPG、PNG、WebP 或 GIF 图片"),
    "too_many_pixels": lambda: _("图片像素太多（最多 4000 万像素），请缩小后再上传"),
}


def _map_of(compound_id: int) -> CompoundMap | None:
    return db.session.scalars(
        select(CompoundMap).where(CompoundMap.compound_id == compound_id)
    ).first()


def _page(compound: Compound, form: GuideForm, status: int = 200):
    return (
        render_template(
            "guide/edit.html",
            compound=compound,
            form=form,
            map_row=_map_of(compound.id),
            confirm=ConfirmForm(),
            max_mb=MAX_BYTES // (1024 * 1024),
        ),
        status,
    )


def _save_map(compound: Compound, upload) -> str | None:
    """Re-encode and store the uploaded map; an error message, or None when stored."""
    raw = upload.read(MAX_BYTES + 1)
    try:
        image = reencode(raw)
    except BadImage as exc:
        return BAD_IMAGE[exc.reason]()
    row = _map_of(compound.id) or CompoundMap(compound_id=compound.id)
    row.image, row.width, row.height = image.data, image.width, image.height
    row.content_type = image.content_type
    row.uploaded_bytes = len(raw)
    row.uploaded_at = utcnow()
    user = current_office_user()
    row.uploaded_by = user.id if user is not None else None
    db.session.add(row)
    compound.map_version = (compound.map_version or 0) + 1
    return None


@bp.route("/compounds/<int:compound_id>/guide", methods=["GET", "POST"])
@office_required()
def edit(compound_id: int):
    """骑手指引: amenities on the pass, the overstay limit, the building map upload."""
    compound = get_or_404(Compound, compound_id)
    if request.method == "GET":
        return _page(compound, GuideForm(obj=compound))
    form = GuideForm()
    if not form.validate_on_submit():
        return _page(compound, form, 400)
    upload = form.map_file.data
    if upload is not None and getattr(upload, "filename", ""):
        problem = _save_map(compound, upload)
        if problem:
            form.map_file.errors = [problem]
            db.session.rollback()
            return _page(compound, form, 400)
    compound.amenity_station = (form.amenity_station.data or "").strip()
    compound.amenity_water = (form.amenity_water.data or "").strip()
    compound.amenity_charging = (form.amenity_charging.data or "").strip()
    if form.overstay_minutes.data is not None:
        compound.overstay_minutes = form.overstay_minutes.data
    record(
        "compound.guide_updated",
        detail={"compound": compound.name, "map": bool(getattr(upload, "filename", ""))},
    )
    db.session.commit()
    flash(_("已保存骑手指引"), "success")
    return redirect(url_for("guide.edit", compound_id=compound.id))


@bp.route("/compounds/<int:compound_id>/map/delete", methods=["POST"])
@office_required()
def delete_map(compound_id: int):
    """Remove the compound's building map from the pass."""
    compound = get_or_404(Compound, compound_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = _map_of(compound.id)
    if row is not None:
        db.session.delete(row)
        compound.map_version = 0
        record("compound.map_deleted", detail={"compound": compound.name})
        db.session.commit()
    return redirect(url_for("guide.edit", compound_id=compound.id))


def _image_response(row: CompoundMap, private: bool):
    response = make_response(row.image)
    response.headers["Content-Type"] = row.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The URL carries the map's version: a new upload is a new URL, so phones may keep it.
    response.headers["Cache-Control"] = "private, max-age=86400" if private else "no-store"
    return response


@bp.route("/compounds/<int:compound_id>/map")
@office_required()
def map_for_office(compound_id: int):
    """The compound's building map, as riders see it."""
    compound = get_or_404(Compound, compound_id)
    row = _map_of(compound.id)
    if row is None:
        abort(404)
    return _image_response(row, private=True)


@bp.route("/passes/<key>/map")
def map_image(key: str):
    """The building map of the pass's compound (the pass key is the rider's capability)."""
    from xgm.passes.views import _arrival_by_key

    arrival = _arrival_by_key(key)
    if arrival is None:
        abort(404)
    row = _map_of(arrival.compound_id)
    if row is None:
        abort(404)
    return _image_response(row, private=True)
