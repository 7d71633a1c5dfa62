"""THE TABLE of write routes: every POST rule of the app and the audit kind it must write.

`tests/audit/test_office_writes.py` walks `app.url_map`: a POST rule that is in neither
WRITES nor NOT_AUDITED fails the test, and every WRITES entry is called (as its principal,
with a valid form) and must add at least one audit row of its kind. Adding a write route:
call `xgm.audit.record(kind, detail=...)` in the view and add one line here.

Entries run in this order against one world, so the ones that end something (a device
revoked, the company closed) come last. `data` holds the form fields on top of the fuzz
sweep's valid values (tests/test_fuzz.py); `prepare(app, principals)` puts the world in the
state the route acts on (a failed export to retry, a locked guard to unlock).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import inspect, select, update

from tenants import tenant_context, utcnow
from tests.factories import PASSWORD, make_uscc
from xgm.extensions import db


@dataclass
class Write:
    """A write route: the audit kind it writes, who calls it, what it sends."""

    kind: str
    actor: str = "owner"
    data: dict = field(default_factory=dict)
    prepare: object = None
    #: path arguments taken from another value than their own name (`token` is the gate's).
    arguments: dict = field(default_factory=dict)


def _tenant_a(principals) -> int:
    return inspect(principals.world.tenant_a).identity[0]


def _fail_complaint(app, principals):
    from xgm.complaints.models import Complaint

    with app.app_context(), tenant_context(_tenant_a(principals)):
        db.session.execute(update(Complaint).values(status="failed", failure_kind="transient"))
        db.session.commit()


def _overdue_complaint(app, principals):
    from xgm.complaints.models import Complaint

    with app.app_context(), tenant_context(_tenant_a(principals)):
        db.session.execute(
            update(Complaint).values(
                status="received",
                city_complaint_id="C20240501000001",
                answer_due_at=utcnow() - timedelta(hours=1),
            )
        )
        db.session.commit()


def _fail_export(app, principals):
    from xgm.exports.models import ExportJob

    with app.app_context(), tenant_context(_tenant_a(principals)):
        db.session.execute(update(ExportJob).values(status="failed", error="timeout"))
        db.session.commit()


def _lock_guard(app, principals):
    from xgm.guards.models import Guard

    with app.app_context(), tenant_context(_tenant_a(principals)):
        db.session.execute(
            update(Guard)
            .where(Guard.id == principals.values["guard_id"])
            .values(locked_until=utcnow() + timedelta(minutes=10))
        )
        db.session.commit()


def _enrollment_code(app, principals):
    from xgm.compounds.models import Compound
    from xgm.devices.enrollment import create_code

    with app.app_context(), tenant_context(_tenant_a(principals)), app.test_request_context():
        compound = db.session.get(Compound, principals.values["compound_id"])
        _row, code = create_code(compound)
    principals.values["code"] = code


def _deletion_request(app, principals):
    from xgm.privacy.deletions import file_request

    with app.app_context(), tenant_context(_tenant_a(principals)), app.test_request_context():
        row = file_request("XGM330122000123")
        db.session.commit()
        principals.values["deletion_id"] = row.id


def _rider(app, principals):
    """A rider phone signed in as the world's arrival's rider (the rider cookie, as set by the
    city sign-in)."""
    from xgm.passes.models import Arrival
    from xgm.riders.cookie import set_rider_cookie

    with app.app_context(), tenant_context(_tenant_a(principals)):
        code = db.session.scalars(select(Arrival.rider_code)).first()
    rider = app.test_client()
    with app.test_request_context():
        from flask import make_response

        response = make_response("")
        set_rider_cookie(response, code)
        value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    rider.set_cookie("xgm_rider", value)
    principals.clients["rider"] = rider


def _invitation(app, principals):
    """A pending invitation of company A: its id and its link's token."""
    from xgm.accounts.invitations import create

    with app.app_context(), tenant_context(_tenant_a(principals)):
        row, token = create(f"invitee{len(principals.values)}@example.com", "受邀经理", None)
        db.session.commit()
        principals.values["invitation_id"] = row.id
        principals.values["invitation_token"] = token


def _alert_hook(app, principals):
    """A WeCom group robot of company A."""
    from xgm.alerts.models import AlertHook
    from xgm.sealed import seal

    with app.app_context(), tenant_context(_tenant_a(principals)):
        hook = AlertHook(kind="wecom", name="值班群", url_enc=seal("https://qyapi.weixin.qq.com/x"))
        db.session.add(hook)
        db.session.commit()
        principals.values["hook_id"] = hook.id


def _fresh_arrival(app, principals):
    """Another arrival at the world's gate (one complaint per arrival: the first has one)."""
    from xgm.passes.models import Arrival

    with app.app_context(), tenant_context(_tenant_a(principals)):
        first = db.session.get(Arrival, principals.values["arrival_id"])
        copy = Arrival(
            compound_id=first.compound_id,
            gate_id=first.gate_id,
            compound_name=first.compound_name,
            gate_name=first.gate_name,
            rider_code=first.rider_code,
            rider_name=first.rider_name,
            rider_status=first.rider_status,
        )
        db.session.add(copy)
        db.session.commit()
        principals.values["arrival_id"] = copy.id


WRITES = {
    "accounts.signup": Write(
        "company.signed_up",
        actor="anonymous",
        data={
            "email": "new-owner@example.com",
            "password": "new-owner-pass-1",
            "password_confirm": "new-owner-pass-1",
            "uscc": make_uscc(),
        },
    ),
    "accounts.team": Write(
        "user.created",
        data={
            "email": "new-manager@example.com",
            "password": "manager-pass-12",
            "password_confirm": "manager-pass-12",
            "name": "新经理",
        },
    ),
    "accounts.password": Write(
        "user.password_changed",
        actor="manager",
        data={
            "current_password": PASSWORD,
            "password": "manager-pass-13",
            "password_confirm": "manager-pass-13",
        },
    ),
    "accounts.invite": Write(
        "invitation.created", data={"email": "invitee@example.com", "name": "受邀经理"}
    ),
    "accounts.revoke_invitation": Write("invitation.revoked", prepare=_invitation),
    "accounts.accept_invitation": Write(
        "invitation.accepted",
        actor="anonymous",
        prepare=_invitation,
        data={
            "phone": "13900001234",
            "password": "invitee-pass-12",
            "password_confirm": "invitee-pass-12",
        },
        arguments={"token": "invitation_token"},
    ),
    "alerts.new_hook": Write(
        "alert_hook.created",
        data={
            "kind": "wecom",
            "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef",
            "events": "complaint_status",
        },
    ),
    "alerts.delete_hook": Write("alert_hook.deleted", prepare=_alert_hook),
    "compounds.new": Write("compound.created", data={"name": "新小区"}),
    "compounds.edit": Write("compound.updated", data={"name": "改名小区"}),
    "compounds.new_gate": Write("gate.created", data={"name": "北门"}),
    "compounds.edit_gate": Write("gate.updated", data={"name": "东一门"}),
    "compounds.rotate_gate": Write("gate.token_rotated"),
    "compounds.deactivate_gate": Write("gate.deactivated"),
    "compounds.activate_gate": Write("gate.activated"),
    "posters.start": Write("poster.printed"),
    "blocks.index": Write("block.added", data={"rider_code": "XGM330122000999"}),
    "blocks.lift": Write("block.lifted"),
    "complaints.new": Write("complaint.filed", data={"confirm": "new"}),
    "complaints.resend": Write("complaint.resent", prepare=_fail_complaint),
    "guardphone.complain": Write(
        "complaint.filed", actor="guard", data={"confirm": "new"}, prepare=_fresh_arrival
    ),
    "gaterules.settings": Write(
        "gate.rules_updated", data={"hours_from": "07:00", "hours_to": "23:00", "ebike": "ride"}
    ),
    "gaterules.nfc_written": Write("gate.nfc_written"),
    "guide.edit": Write("compound.guide_updated", data={"amenity_water": "门卫室有热水"}),
    "guide.delete_map": Write("compound.map_deleted"),  # the world has a map
    "compounds.wait_alarm": Write(
        "settings.wait_alarm", data={"wait_alarm_seconds": "40", "wait_escalate_seconds": "120"}
    ),
    "complaints.chase_view": Write("complaint.chased", prepare=_overdue_complaint),
    "complaints.settings": Write(
        "settings.complaint_deadlines",
        data={"complaint_answer_hours": "12", "complaint_resolve_days": "5"},
    ),
    "exports.new": Write("export.requested"),
    "exports.retry": Write("export.retried", prepare=_fail_export),
    "privacy.settings": Write(
        "settings.retention", data={"retention_days": "200", "audit_retention_days": "400"}
    ),
    "guards.settings": Write("settings.shift_hours", data={"shift_hours": "8"}),
    "guards.create": Write("guard.created", data={"name": "新门卫", "pin": "860731"}),
    "guards.detail": Write("guard.updated", data={"name": "改名门卫"}),
    "guards.reset_pin": Write("guard.pin_reset", data={"pin": "860732"}),
    "guards.unlock": Write("guard.unlocked", prepare=_lock_guard),
    "guards.deactivate": Write("guard.deactivated"),
    "guards.activate": Write("guard.activated"),
    "devices.new_code": Write("device.code_created"),
    "devices.enroll": Write("device.enrolled", actor="anonymous", prepare=_enrollment_code),
    "devices.rename": Write("device.renamed", data={"name": "新名字"}),
    "gateagents.new_code": Write("gate_agent.code_created"),
    "gateagents.test_open": Write("gate_command.sent"),
    "gateagents.revoke": Write("gate_agent.revoked"),
    "passes.deletion": Write(
        "rider.deletion_requested", actor="rider", prepare=_rider, data={"tenant": "A"}
    ),
    "privacy.deletions_answer": Write(
        "rider.deletion_done", prepare=_deletion_request, data={"status": "done"}
    ),
    "company.export": Write("company.export_requested"),
    "compounds.archive": Write("compound.archived"),
    "compounds.restore": Write("compound.restored"),
    "accounts.deactivate": Write("user.deactivated"),
    "accounts.activate": Write("user.activated"),
    "devices.revoke": Write("device.revoked"),
    "company.close": Write("company.closed", data={"password": PASSWORD}),
}

#: POST rules that write no audit row, and why.
NOT_AUDITED = {
    "accounts.login": "sign-ins are kept as session rows (user_session: time, IP, device)",
    "accounts.logout": "ends the session row (revoked_at)",
    "guardphone.signin": "writes guard.signed_in from xgm.guards.sessions (tests/audit)",
    "guardphone.signout": "writes guard.handover from xgm.guards.sessions (tests/audit)",
    "guardphone.admit": "the arrival holds the decision, the guard and the time",
    "guardphone.deny": "the arrival holds the decision, the reason, the guard and the time",
    "passes.manual": "a rider registering himself at the gate: the arrival is the record",
    "passes.accept_notice": "a rider reading the privacy notice: a cookie on his phone",
    "riders.switch": "a rider signing his own phone out",
    "guardphone.reopen": "open_gate writes gate_command.sent (tests/physicalgate/test_barrier.py)",
    "guardphone.block": "a guard's 加入黑名单 on a card: the block row holds the guard, reason, time",
    "guardphone.left": "the arrival holds left_at and left_via (guard)",
    "presence.rider_exit": "a rider's own 我已出门: the arrival holds left_at and left_via",
    "presence.exit_poster": "renders the exit poster's PDF; nothing is changed",
    "guardphone.rider_phone": "a phone reveal or call: one rider-data access-log row each",
    "alerts.test_hook": "a test message to a group robot: the robot's delivery log keeps it",
    "alerts.read": "marks the signed-in user's own notification read",
    "alerts.read_all": "marks the signed-in user's own notifications read",
    "webhooks.city_hook": "city events are stored once each by event id (city_event)",
    "gateagents.api_pair": "gate agent API: writes gate_agent.paired (tests/gateagents)",
    "gateagents.api_claim": "gate agent API: the command row records the claim",
    "gateagents.api_result": "gate agent API: writes gate_command.* (tests/gateagents)",
}


def not_audited_reason(endpoint: str) -> str | None:
    """Why a POST rule writes no audit row; the operator console has its own log."""
    if endpoint.startswith("ops."):
        return "operator console: every action is in the operator log (/ops/actions)"
    return NOT_AUDITED.get(endpoint)
