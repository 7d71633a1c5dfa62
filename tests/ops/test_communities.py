"""/ops/communities: the communities managers typed under a street, for the operator to check."""

import re

from tests.conftest import login
from tests.factories import (
    PASSWORD,
    create_compound,
    create_tenant,
    create_user,
    signed_in_operator,
)


def test_unverified_communities_of_every_tenant_are_listed(app, client):
    """Compounds whose community is not in the data, across tenants; verified, unplaced and
    archived ones are not listed."""
    with app.app_context():
        a, b = create_tenant("甲物业有限公司"), create_tenant("乙物业有限公司")
        create_compound(
            a.id,
            "新城花园",
            division_code="330122004000",
            community="新城社区",
            community_unverified=True,
        )
        create_compound(
            b.id,
            "滨江苑",
            division_code="330122003000",
            community="滨江社区",
            community_unverified=True,
        )
        create_compound(a.id, "江滨花园", division_code="330122004018", community="江滨社区")
        create_compound(b.id, "手填院", division_code="", community="某某社区")
        create_compound(
            b.id,
            "旧院",
            division_code="330122004000",
            community="旧社区",
            community_unverified=True,
            archived=True,
        )
    signed_in_operator(app, client)
    html = client.get("/ops/communities").get_data(as_text=True)
    rows = re.findall(
        r"<tr>\s*<td><a [^>]*>([^<]+)</a></td>\s*<td>([^<]+)</td>\s*<td>([^<]+) <span"
        r"[^>]*>(\d+)</span></td>\s*<td><strong>([^<]+)</strong>",
        html,
    )
    assert rows == [
        ("乙物业有限公司", "滨江苑", "杭州市桐庐县桐君街道", "330122003000", "滨江社区"),
        ("甲物业有限公司", "新城花园", "杭州市桐庐县城南街道", "330122004000", "新城社区"),
    ]
    assert 'href="/ops/communities"' in html  # in the console's navigation


def test_only_operators_see_it(app, client):
    """An office user gets 403; anonymous visitors go to the operator sign-in."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="owner@example.com")
    assert login(client, "owner@example.com", PASSWORD).status_code == 302
    assert client.get("/ops/communities").status_code == 403
    response = app.test_client().get("/ops/communities")
    assert response.status_code == 302 and response.headers["Location"].startswith("/ops/login")
