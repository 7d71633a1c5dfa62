"""English UI: every catalog entry is translated, and office pages in English show no Chinese."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from tenants import tenant_context, utcnow
from tests.conftest import login
from tests.factories import PASSWORD, create_guard, create_tenant, create_user
from xgm.blocks.models import Block
from xgm.complaints.filing import Draft, file_complaint
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.passes.models import Arrival

EN_CATALOG = Path(__file__).parent.parent / "xgm/translations/en/LC_MESSAGES/messages.po"
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\((\w+)\)")
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
# The switch back to Chinese names the language in Chinese, as language switches do.
LANGUAGE_SWITCH = '<a class="lang" href="?lang=zh_CN">中文</a>'
# District suggestions keep their Chinese values (the city's records use them); labels are English.
DISTRICT_VALUES = re.compile(r'<option value="[^"]*" label=')


def _entries():
    with EN_CATALOG.open("rb") as f:
        catalog = read_po(f)
    return [m for m in catalog if m.id]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _cjk_lines(html: str) -> list[str]:
    html = DISTRICT_VALUES.sub("<option label=", html.replace(LANGUAGE_SWITCH, ""))
    return [line.strip() for line in html.splitlines() if CJK.search(line)]


def test_every_msgid_has_an_english_msgstr_with_the_same_placeholders():
    """Each en entry (each plural form too) is translated, not fuzzy, keeping its placeholders."""
    entries = _entries()
    assert len(entries) > 700
    problems = []
    for m in entries:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set().union(*(_placeholders(i) for i in ids))
        for s in strings:
            if not s.strip() or _placeholders(s) != wanted or m.fuzzy:
                problems.append((m.context, m.id, s))
    assert problems == []


@pytest.fixture
def owner_ids(app, client):
    """An owner signed in, with ASCII-named data: compound, gate, guard, arrival, complaint, block."""
    with app.app_context():
        tenant = create_tenant("Acme Property Ltd")
        create_user(tenant, email="owner@example.com", name="Ada Owner")
        tenant_id = tenant.id
    with app.test_request_context(), tenant_context(tenant_id):
        compound = Compound(
            name="Maple Court",
            address="1 Maple Road",
            district="Tonglu",
            street="Tongjun",
            community="Riverside",
            hotline="0571-64610001",
            buildings="B1\nB2",
        )
        db.session.add(compound)
        db.session.flush()
        gate = Gate(compound_id=compound.id, name="East Gate")
        db.session.add(gate)
        db.session.flush()
        db.session.add_all(
            [
                Arrival(
                    compound_id=compound.id,
                    gate_id=gate.id,
                    compound_name=compound.name,
                    gate_name=gate.name,
                    rider_code="XGM330122000123",
                    rider_name="Sam Rider",
                    rider_phone="13800001234",
                    platform_name="Meituan",
                    rider_status="active",
                    outcome="admitted",
                    decided_at=utcnow(),
                    decided_by_name="Bob Guard",
                ),
                Block(rider_code="XGM330106000202", reason="Rode the wrong way"),
            ]
        )
        db.session.commit()
        complaint = file_complaint(
            Draft(
                compound=compound,
                gate=gate,
                rider_code="XGM330122000123",
                category="rude_behaviour",
                description="Argued with the guard",
                occurred_at=utcnow() - timedelta(minutes=3),
                reporter_kind="manager",
                reporter_id=1,
                reporter_name="Ada Owner",
                reporter_phone="13900000000",
            )
        )
        ids = {"compound": compound.id, "complaint": complaint.id}
    with app.app_context():
        ids["guard"] = create_guard(app, tenant_id, ids["compound"], "Bob Guard")
        with tenant_context(tenant_id):
            assert db.session.scalars(select(Gate.id)).all()
    assert login(client, "owner@example.com", PASSWORD).status_code == 302
    return ids


@pytest.mark.parametrize("path", ["/login", "/signup", "/"])
def test_signed_out_pages_in_english_show_no_chinese(client, path):
    """/login and /signup with ?lang=en: no CJK in the page or its <title>."""
    response = client.get(path + "?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CJK.search(TITLE.search(html).group(1)) is None
    assert _cjk_lines(html) == []


OWNER_PAGES = [
    "/",
    "/compounds",
    "/compounds/{compound}",
    "/compounds/new",
    "/guards",
    "/guards/{guard}",
    "/complaints",
    "/complaints/{complaint}",
    "/complaints/new",
    "/dashboard",
    "/arrivals",
    "/blocks",
    "/devices",
    "/posters",
    "/exports",
    "/team",
    "/settings",
    "/settings/alerts",
    "/notifications",
]


@pytest.mark.parametrize("path", OWNER_PAGES)
def test_owner_pages_in_english_show_no_chinese(client, owner_ids, path):
    """An owner's pages with ?lang=en: no CJK outside the (ASCII) data, none in the <title>."""
    response = client.get(path.format(**owner_ids) + "?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CJK.search(TITLE.search(html).group(1)) is None
    assert _cjk_lines(html) == []


def test_language_choice_is_remembered_and_chinese_stays_the_default(client, owner_ids):
    """Without ?lang the UI is Chinese; after ?lang=en the session keeps English."""
    chinese = client.get("/compounds").get_data(as_text=True)
    assert "<title>小区 · xgm</title>" in chinese
    client.get("/compounds?lang=en")
    english = client.get("/compounds").get_data(as_text=True)
    assert "<title>Compounds · xgm</title>" in english


GLOSSARY = Path(__file__).parent.parent / "docs/glossary.md"


def _glossary() -> list[tuple[str, str, list[str]]]:
    """(term, English term, words not to use) of every row of docs/glossary.md."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("term", "") or set(cells[0]) <= {"-"}:
            continue
        rows.append((cells[0], cells[1], [w.strip() for w in cells[2].split(",") if w.strip()]))
    return rows


def test_glossary_terms_are_used_and_translated_one_way():
    """No message uses a word the glossary rules out; each term's messages say it in English."""
    rows = _glossary()
    assert len(rows) >= 5
    problems = []
    for m in _entries():
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for term, english, banned in rows:
            for word in banned:
                if any(word in i for i in ids):
                    problems.append(f"{ids[0]!r} uses {word!r}: say {term!r}")
            if any(term in i for i in ids) and not all(
                english.lower() in s.lower() for s in strings
            ):
                problems.append(f"{ids[0]!r} -> {strings[0]!r} lacks {english!r}")
    assert problems == []


def test_templates_translate_per_render_and_follow_force_locale(app):
    """_() in a template speaks the render's language: the request's, or force_locale()'s
    inside it; a template rendered outside render_template() still translates."""
    from flask import render_template_string
    from flask_babel import force_locale

    source = "{{ _('登录') }}|{{ pgettext('action', '投诉') }}|{{ ngettext('%(num)d 个', '%(num)d 个', 2) }}"
    with app.test_request_context("/?lang=en"):
        assert render_template_string(source) == "Sign in|Complain|2 个"
        with force_locale("zh_Hans_CN"):
            assert render_template_string(source) == "登录|投诉|2 个"
        assert app.jinja_env.from_string("{{ _('登录') }}").render() == "Sign in"
    with app.test_request_context("/"):
        assert render_template_string(source) == "登录|投诉|2 个"
