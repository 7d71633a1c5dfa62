"""Managers' blocklist page: the blocks in force, add one, lift one."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from tenants import get_or_404, utcnow
from xgm.accounts.access import current_office_user, office_required
from xgm.accounts.forms import ConfirmForm
from xgm.audit import record
from xgm.blocks import bp
from xgm.blocks.forms import BlockForm, end_of_day_utc, normalise_rider_code
from xgm.blocks.models import Block
from xgm.blocks.rules import add_block
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.privacy import log_access, shows_rider_data
from xgm.riders.city import lookup_rider

HISTORY = 50


def _compounds() -> list[Compound]:
    return list(
        db.session.scalars(
            select(Compound).where(Compound.archived.is_(False)).order_by(Compound.name)
        )
    )


@bp.route("/blocks", methods=["GET", "POST"])
@office_required()
@shows_rider_data
def index():
    """Managers see who is blocked where, and block a rider code."""
    compounds = _compounds()
    form = BlockForm()
    form.compound_id.choices = [SelectChoice(0, _("全公司所有小区"))] + [
        SelectChoice(c.id, c.name) for c in compounds
    ]
    if request.method == "GET":
        form.rider_code.data = normalise_rider_code(request.args.get("rider_code"))
        form.compound_id.data = request.args.get("compound_id", 0, type=int)
    if form.validate_on_submit():
        check = lookup_rider(form.rider_code.data)
        if check.source == "unknown":
            form.rider_code.errors.append(_("城市平台查无此骑手编号，请核对"))
        else:
            user = current_office_user()
            block = add_block(
                form.rider_code.data,
                form.reason.data.strip(),
                compound_id=form.compound_id.data or None,
                ends_at=end_of_day_utc(form.ends_on.data) if form.ends_on.data else None,
                by_kind="user",
                by_id=user.id,
                by_name=user.name,
                rider_name=check.card.name if check.card else "",
            )
            scope = next((c.name for c in compounds if c.id == block.compound_id), "")
            record(
                "block.added",
                detail={"rider_code": block.rider_code, "reason": block.reason, "scope": scope},
            )
            db.session.commit()
            flash(_("已将 %(code)s 加入黑名单", code=block.rider_code), "success")
            return redirect(url_for("blocks.index"))
    now = utcnow()
    in_force = or_(Block.ends_at.is_(None), Block.ends_at > now)
    active = db.session.scalars(
        select(Block).where(Block.lifted_at.is_(None), in_force).order_by(Block.created_at.desc())
    ).all()
    past = db.session.scalars(
        select(Block)
        .where(or_(Block.lifted_at.is_not(None), Block.ends_at <= now))
        .order_by(Block.created_at.desc())
        .limit(HISTORY)
    ).all()
    names = {c.id: c.name for c in compounds}
    log_access([*active, *past], "block_list")  # PIPL: the lists name the riders
    return render_template(
        "blocks/index.html",
        form=form,
        active=active,
        past=past,
        names=names,
        confirm=ConfirmForm(),
    )


@bp.route("/blocks/<int:block_id>/lift", methods=["POST"])
@office_required()
def lift(block_id: int):
    """A manager lifts a block: the rider passes again from the next scan."""
    block = get_or_404(Block, block_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if block.lifted_at is None:
        block.lifted_at = utcnow()
        block.lifted_by_name = current_office_user().name[:50]
        record("block.lifted", detail={"rider_code": block.rider_code})
        db.session.commit()
        flash(_("已解除 %(code)s 的黑名单", code=block.rider_code), "success")
    return redirect(url_for("blocks.index"))
