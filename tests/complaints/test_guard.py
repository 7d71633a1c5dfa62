"""A guard complains from an arrival card: tiles, note, done; duplicates; today's list."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants import tenant_context
from tests.factories import (
    ACTIVE_RIDER,
    Office,
    create_guard,
    enroll_phone,
    load,
    local,
    make_complaint_site,
    new_code,
    page_csrf,
    pin_sign_in,
)
from xgm.complaints.models import Complaint
from xgm.extensions import db
from xgm.passes.models import Arrival


def add_arrival(site, rider_code: str = ACTIVE_RIDER, compound_id=None, gate_id=None) -> int:
    """An arrival at the site's gate (as a scan would record it); returns its id."""
    with site.app.app_context(), tenant_context(site.tenant_id):
        arrival = Arrival(
            compound_id=compound_id or site.compound_id,
            gate_id=gate_id or site.gate_id,
            compound_name="阳光花园",
            gate_name="东门",
            rider_code=rider_code,
            rider_name="王小明" if rider_code else "临时骑手",
            rider_phone="13800001234",
            platform_name="美团外卖",
            rider_status="active" if rider_code else "",
            manual=not rider_code,
        )
        db.session.add(arrival)
        db.session.commit()
        return arrival.id


@pytest.fixture
def guard_phone(site):
    """A gate phone of the site's compound with guard 张伟 signed in."""
    office = Office(site.app, site.client, site.tenant_id, page_csrf(site.client, "/guards"))
    guard_id = create_guard(site.app, site.tenant_id, site.compound_id, "张伟")
    phone = enroll_phone(site.app, new_code(office, site.compound_id))
    assert pin_sign_in(phone, guard_id).status_code == 302
    phone.guard_id = guard_id
    phone.csrf = page_csrf(phone, "/guard")
    return phone


def complain(phone, arrival_id: int, **data):
    """POST the guard's complaint form."""
    return phone.post(
        f"/guard/arrivals/{arrival_id}/complain", data={**data, "csrf_token": phone.csrf}
    )


def complaints(site) -> list[Complaint]:
    """The company's complaints, oldest first (detached)."""
    with site.app.app_context(), tenant_context(site.tenant_id):
        rows = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
        db.session.expunge_all()
        return list(rows)


def test_tiles_show_the_seven_categories(site, guard_phone):
    """Step 1: seven big category tiles, each a link to the note step."""
    arrival_id = add_arrival(site)
    response = guard_phone.get(f"/guard/arrivals/{arrival_id}/complain")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(re.findall(r'class="category-tile"', html)) == 7
    assert "王小明" in html
    assert f"/guard/arrivals/{arrival_id}/complain?category=no_helmet" in html


def test_note_step_carries_the_category(site, guard_phone):
    """Step 2: the chosen category is kept, the note is optional."""
    arrival_id = add_arrival(site)
    html = guard_phone.get(f"/guard/arrivals/{arrival_id}/complain?category=no_helmet").get_data(
        as_text=True
    )
    assert 'name="category" value="no_helmet"' in html
    assert "未戴头盔" in html and "可以不写，直接提交" in html


def test_complaint_without_note_uses_the_category_label(site, guard_phone):
    """Filing with only a category: done page, description is the Chinese label, reporter guard."""
    arrival_id = add_arrival(site)
    response = complain(guard_phone, arrival_id, category="no_helmet")
    [complaint] = complaints(site)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/guard/complaints?filed={complaint.id}"
    assert complaint.description == "未戴头盔"
    assert complaint.reporter_kind == "guard"
    assert complaint.reporter_id == guard_phone.guard_id and complaint.reporter_name == "张伟"
    assert complaint.arrival_id == arrival_id
    assert complaint.rider_code == ACTIVE_RIDER and complaint.rider_name == "王小明"
    assert (complaint.compound_id, complaint.gate_id) == (site.compound_id, site.gate_id)
    assert complaint.payload_dict["reporter"]["role"] == "guard"
    done = guard_phone.get(response.headers["Location"]).get_data(as_text=True)
    assert "投诉已提交" in done and "未戴头盔" in done


def test_complaint_with_a_note(site, guard_phone):
    """The guard's note becomes the description."""
    arrival_id = add_arrival(site)
    complain(guard_phone, arrival_id, category="rude_behaviour", description="辱骂门卫")
    assert complaints(site)[0].description == "辱骂门卫"


def test_bad_category_goes_back_to_the_tiles(site, guard_phone):
    """An unknown category: 400 with the tiles again, nothing filed."""
    arrival_id = add_arrival(site)
    response = complain(guard_phone, arrival_id, category="speeding")
    assert response.status_code == 400
    assert len(re.findall(r'class="category-tile"', response.get_data(as_text=True))) == 7
    assert complaints(site) == []


def test_note_too_long_is_refused(site, guard_phone):
    """A note over 500 characters: 400 with the reason, nothing filed."""
    arrival_id = add_arrival(site)
    response = complain(guard_phone, arrival_id, category="other", description="长" * 501)
    assert response.status_code == 400
    assert "最多 500 个字" in response.get_data(as_text=True)
    assert complaints(site) == []


def test_same_incident_asks_the_guard(site, guard_phone):
    """The same rider and category again within 10 minutes (another arrival): the confirm page,
    then a choice."""
    complain(guard_phone, add_arrival(site), category="no_helmet")
    arrival_id = add_arrival(site)
    again = complain(guard_phone, arrival_id, category="no_helmet")
    assert again.status_code == 200
    assert "是同一件事吗" in again.get_data(as_text=True)
    assert len(complaints(site)) == 1
    confirmed = complain(guard_phone, arrival_id, category="no_helmet", confirm="new")
    assert confirmed.status_code == 302
    assert len(complaints(site)) == 2


def test_second_complaint_on_one_arrival_is_refused(site, guard_phone):
    """One arrival, one complaint: a second one (another category, even confirmed) is a 409
    saying so, on the tiles and on the post; nothing more is filed."""
    arrival_id = add_arrival(site)
    assert complain(guard_phone, arrival_id, category="no_helmet").status_code == 302
    tiles = guard_phone.get(f"/guard/arrivals/{arrival_id}/complain")
    assert tiles.status_code == 409
    assert "这次到访已经投诉过了" in tiles.get_data(as_text=True)
    again = complain(guard_phone, arrival_id, category="littering", confirm="new")
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "同一次到访只能投诉一次" in html and "未戴头盔" in html
    assert [c.category for c in complaints(site)] == ["no_helmet"]


def test_second_complaint_on_one_arrival_is_refused_to_the_manager_too(site, guard_phone):
    """The office form attached to an arrival a guard complained about files nothing more."""
    arrival_id = add_arrival(site)
    complain(guard_phone, arrival_id, category="no_helmet")
    (first,) = complaints(site)
    response = site.post(
        "/complaints/new",
        {
            "rider_code": ACTIVE_RIDER,
            "compound_id": site.compound_id,
            "category": "other",
            "description": "经理投诉",
            "occurred_at": local(),
            "arrival_id": arrival_id,
            "confirm": "new",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/complaints/{first.id}"
    assert len(complaints(site)) == 1


def test_console_list_marks_the_complained_arrival(site, guard_phone):
    """The console's list flags the arrival with a complaint (已投诉), not the other one."""
    complained, other = add_arrival(site), add_arrival(site)
    complain(guard_phone, complained, category="no_helmet")
    listed = {
        a["id"]: a["flags"] for a in guard_phone.get("/guard/arrivals").get_json()["arrivals"]
    }
    assert listed == {complained: ["complained"], other: []}


def test_manual_arrival_cannot_be_complained_about(site, guard_phone):
    """A manually registered rider has no code: a clear refusal, nothing filed."""
    arrival_id = add_arrival(site, rider_code="")
    response = complain(guard_phone, arrival_id, category="other")
    assert response.status_code == 400
    assert "没有小哥码编码" in response.get_data(as_text=True)
    assert complaints(site) == []


def test_arrival_of_another_compound_is_404(site, guard_phone):
    """The phone's guard cannot complain about an arrival at another compound."""
    arrival_id = add_arrival(site, compound_id=site.other_compound_id, gate_id=site.other_gate_id)
    assert guard_phone.get(f"/guard/arrivals/{arrival_id}/complain").status_code == 404
    assert complain(guard_phone, arrival_id, category="other").status_code == 404


def test_office_users_and_strangers_cannot_use_the_guard_page(site, app):
    """Office users get 403; a browser that is not a gate phone is sent to enroll."""
    arrival_id = add_arrival(site)
    assert site.client.get(f"/guard/arrivals/{arrival_id}/complain").status_code == 403
    stranger = app.test_client().get(f"/guard/arrivals/{arrival_id}/complain")
    assert stranger.status_code == 302 and stranger.headers["Location"] == "/device/enroll"


def test_guard_sees_only_their_complaints_of_the_last_7_days(site, guard_phone):
    """The guard's list: their own complaints of the last 7 days (6 days ago included), not a
    manager's nor older ones."""
    complain(guard_phone, add_arrival(site), category="no_helmet")
    complain(guard_phone, add_arrival(site), category="littering")
    complain(guard_phone, add_arrival(site), category="improper_parking")
    site.post(
        "/complaints/new",
        {
            "rider_code": ACTIVE_RIDER,
            "compound_id": site.compound_id,
            "category": "other",
            "description": "经理投诉",
            "occurred_at": "2020-01-01T00:00",
            "confirm": "new",
        },
    )
    first, second, third = complaints(site)[:3]
    with site.app.app_context(), tenant_context(site.tenant_id):
        row = db.session.scalars(select(Complaint).where(Complaint.id == second.id)).one()
        row.created_at = row.created_at.replace(year=2020)
        row = db.session.scalars(select(Complaint).where(Complaint.id == third.id)).one()
        row.created_at -= timedelta(days=6)
        db.session.commit()
    html = guard_phone.get("/guard/complaints").get_data(as_text=True)
    assert "近 7 天" in html
    assert "未戴头盔" in html and "乱停乱放" in html
    assert "乱扔垃圾" not in html and "经理投诉" not in html
    assert load(site, first.id)[0].status == "queued"


def test_manager_form_prefilled_from_an_arrival(site):
    """The arrivals log links to the form filled with the arrival's rider, compound and gate."""
    arrival_id = add_arrival(site)
    html = site.client.get(f"/complaints/new?arrival_id={arrival_id}").get_data(as_text=True)
    assert f'value="{ACTIVE_RIDER}"' in html
    assert f'name="arrival_id" type="hidden" value="{arrival_id}"' in html
    assert f'<option selected value="{site.gate_id}">' in html
    detail = site.client.get(f"/arrivals/{arrival_id}").get_data(as_text=True)
    assert f"/complaints/new?arrival_id={arrival_id}" in detail


def test_manager_form_ignores_another_companys_arrival(site, app, new_client):
    """Another company's arrival id neither prefills the form nor gets attached to a filing."""
    rival = make_complaint_site(app, new_client(), "rival@example.com", "乙物业有限公司")
    theirs = add_arrival(rival)
    html = site.client.get(f"/complaints/new?arrival_id={theirs}").get_data(as_text=True)
    assert f'value="{ACTIVE_RIDER}"' not in html
    response = site.post(
        "/complaints/new",
        {
            "rider_code": ACTIVE_RIDER,
            "compound_id": site.compound_id,
            "category": "other",
            "description": "经理投诉",
            "occurred_at": "2030-01-01T00:00",
            "arrival_id": theirs,
        },
    )
    assert response.status_code == 200  # 2030 is in the future: shown again, not filed
    ok = site.post(
        "/complaints/new",
        {
            "rider_code": ACTIVE_RIDER,
            "compound_id": site.compound_id,
            "category": "other",
            "description": "经理投诉",
            "occurred_at": local(),
            "arrival_id": theirs,
        },
    )
    assert ok.status_code == 302
    assert [c.arrival_id for c in complaints(site)] == [None]


def test_console_links_to_todays_complaints(guard_phone):
    """The gate console has a way to the guard's complaints of the day."""
    html = guard_phone.get("/guard").get_data(as_text=True)
    assert 'href="/guard/complaints"' in html
