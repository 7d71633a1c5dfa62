"""GET /divisions: the contract's JSON for office users and operators, nobody else."""

import pytest

from tests.conftest import login
from tests.factories import PASSWORD, create_observer, sign_in_office, signed_in_operator


@pytest.fixture
def owner_browser(app, client):
    """A signed-in owner's browser."""
    return sign_in_office(app, client, "owner@example.com").client


def test_no_parent_gives_the_provinces(owner_browser):
    """Without `parent`: the 31 provinces in code order, as {"code", "name", "level"}."""
    response = owner_browser.get("/divisions")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    divisions = response.get_json()["divisions"]
    assert len(divisions) == 31
    assert divisions[0] == {"code": "110000", "name": "北京市", "level": "province"}
    assert {"code": "330000", "name": "浙江省", "level": "province"} in divisions
    assert response.headers["Cache-Control"] == "private, max-age=3600"


def test_children_of_each_level(owner_browser):
    """Cities of Zhejiang, counties of Hangzhou, streets of 桐庐县, communities of a street."""
    cities = owner_browser.get("/divisions?parent=330000").get_json()["divisions"]
    assert cities[0] == {"code": "330100", "name": "杭州市", "level": "city"}
    assert len(cities) == 11
    counties = owner_browser.get("/divisions?parent=330100").get_json()["divisions"]
    assert {"code": "330122", "name": "桐庐县", "level": "county"} in counties
    streets = owner_browser.get("/divisions?parent=330122").get_json()["divisions"]
    assert streets[2] == {"code": "330122004000", "name": "城南街道", "level": "street"}
    assert len(streets) == 14
    communities = owner_browser.get("/divisions?parent=330122004000").get_json()["divisions"]
    assert {"code": "330122004018", "name": "江滨社区", "level": "community"} in communities
    assert {"code": "330122004213", "name": "大丰村", "level": "community"} in communities
    assert owner_browser.get("/divisions?parent=330122004018").get_json() == {"divisions": []}
    # Outside Zhejiang the data stops at counties: known, with no children.
    assert owner_browser.get("/divisions?parent=110101").get_json() == {"divisions": []}


@pytest.mark.parametrize("parent", ["339999", "abc", "3301220040001", "330122001000"])
def test_unknown_parent_is_404_with_a_chinese_message(owner_browser, parent):
    """A code the data does not hold: 404, JSON, a readable reason."""
    response = owner_browser.get(f"/divisions?parent={parent}")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == f"没有这个行政区划代码：{parent}"


def test_search_by_name_with_path_and_ancestors(owner_browser):
    """?q= finds divisions by name, exact names first, with where they lie."""
    response = owner_browser.get("/divisions?q=城南街道&levels=street")
    found = response.get_json()["divisions"]
    assert [(d["code"], d["path"]) for d in found] == [
        ("330122004000", "浙江省杭州市桐庐县"),
        ("330382003000", "浙江省温州市乐清市"),
        ("330402012000", "浙江省嘉兴市南湖区"),
        ("330602005000", "浙江省绍兴市越城区"),
    ]
    assert found[0]["ancestors"] == ["330000", "330100", "330122"]
    assert found[0]["level"] == "street" and found[0]["name"] == "城南街道"
    within = owner_browser.get("/divisions?q=江滨&within=330122").get_json()["divisions"]
    assert [d["code"] for d in within] == ["330122004018"]
    assert len(owner_browser.get("/divisions?q=社区").get_json()["divisions"]) == 20
    assert owner_browser.get("/divisions?q=城南&within=999").status_code == 404


def test_operators_may_read(app, client):
    """Operators pick observers' divisions with the same selects."""
    signed_in_operator(app, client)
    assert len(client.get("/divisions?parent=330122").get_json()["divisions"]) == 14


def test_anonymous_visitors_go_to_sign_in(client):
    """Like the other office JSON: a redirect to /login."""
    response = client.get("/divisions?parent=330122")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_observers_are_refused(app, client):
    """Observers read their area, not the picker's data: 403."""
    with app.app_context():
        create_observer(email="ob@gov.example")
    assert login(client, "ob@gov.example", PASSWORD).status_code == 302
    assert client.get("/divisions").status_code == 403
