"""Operator console: observers' divisions and the communities managers typed by hand.

- /ops/observers/<oid>/area: bind an observer to a division (accounts made before divisions
  whose free-text area did not resolve see nothing until then) and set the role.
- /ops/communities: compounds whose community was typed under a street because the division
  data lacks it (待核实), across tenants, for the operator to check with the company.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from tenants import Tenant, unscoped
from xgm.compounds.models import Compound
from xgm.divisions.catalog import catalog
from xgm.extensions import db
from xgm.ops import bp
from xgm.ops.access import current_operator, operator_required
from xgm.ops.forms import ObserverAreaForm
from xgm.ops.journal import record_action
from xgm.oversight.area import bind_observer
from xgm.oversight.models import Observer

#: Where the selects start when nothing is chosen yet: 浙江省 (the operator picks the city too,
#: so forgetting to choose is a form error, never a city-wide account).
PRESET_CHAIN = ["330000"]
COMMUNITIES_SHOWN = 500


def picker_chain(code: str | None) -> list[str]:
    """The codes from the province down to `code` for the selects (the preset without one)."""
    chain = [d.code for d in catalog().chain(code)] if code else []
    return chain or PRESET_CHAIN


@bp.route("/ops/observers/<int:oid>/area", methods=["GET", "POST"])
@operator_required
def observer_area(oid: int):
    """Bind an observer to a city, county, street or community, and set their role."""
    observer = db.session.get(Observer, oid)  # not tenant-owned
    if observer is None:
        abort(404)
    form = ObserverAreaForm(obj=observer)
    if form.validate_on_submit():
        previous = observer.area if observer.division_code else f"{observer.area}（未绑定）"
        bind_observer(observer, form.division_code.data)
        observer.role = form.role.data
        record_action(
            "observer.bound",
            current_operator(),
            target=observer.name,
            email=observer.email,
            area=observer.area,
            division=observer.division_code,
            role=observer.role,
            previous=previous,
        )
        db.session.commit()
        flash(
            _("已将 %(name)s 的辖区设为 %(area)s", name=observer.name, area=observer.area),
            "success",
        )
        return redirect(url_for("ops.observers"))
    return render_template(
        "ops/observer_area.html",
        observer=observer,
        form=form,
        chain=picker_chain(form.division_code.data),
    )


@bp.route("/ops/communities")
@operator_required
def communities():
    """Compounds whose community is not in the division data (typed by the manager)."""
    with unscoped():  # the operator checks every tenant's hand-typed communities
        rows = db.session.execute(
            select(Compound, Tenant)
            .join(Tenant, Tenant.id == Compound.tenant_id)
            .where(Compound.community_unverified.is_(True), Compound.archived.is_(False))
            .order_by(Compound.division_code, Compound.community, Compound.id)
            .limit(COMMUNITIES_SHOWN)
        ).all()
    return render_template("ops/communities.html", rows=rows, limit=COMMUNITIES_SHOWN)
