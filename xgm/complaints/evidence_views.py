"""GET /evidence/<token>: an evidence photo for the city platform, without a cookie (section 7)."""

from flask import abort, make_response
from sqlalchemy import select, update

from tenants import tenant_context, unscoped, utcnow
from xgm.complaints import bp
from xgm.complaints.models import ComplaintPhoto
from xgm.complaints.photos import key_from_token
from xgm.extensions import db


@bp.route("/evidence/<token>")
def evidence(token: str):
    """Serve the photo a valid signed token names; 404 for anything else (or a deleted photo)."""
    key = key_from_token(token)
    if key is None:
        abort(404)
    with unscoped():  # the signed token names the photo, not a tenant
        row = db.session.execute(
            select(ComplaintPhoto.id, ComplaintPhoto.tenant_id).where(ComplaintPhoto.key == key)
        ).first()
    if row is None:
        abort(404)
    with tenant_context(row.tenant_id):
        photo = db.session.scalars(select(ComplaintPhoto).where(ComplaintPhoto.id == row.id)).one()
        data, content_type = photo.data, photo.content_type
        if photo.fetched_at is None:
            db.session.execute(
                update(ComplaintPhoto)
                .where(ComplaintPhoto.id == row.id, ComplaintPhoto.fetched_at.is_(None))
                .values(fetched_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
