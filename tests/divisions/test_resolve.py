"""Free text to divisions: exactly one match, several, none (xgm.divisions.resolve)."""

import pytest

from xgm.divisions.catalog import catalog
from xgm.divisions.resolve import (
    Placement,
    Unresolved,
    area_division,
    area_names,
    community_under,
    place,
)


@pytest.fixture(scope="module")
def divisions():
    """The shipped catalog."""
    return catalog()


@pytest.mark.parametrize(
    ("district", "street", "community", "code"),
    [
        ("桐庐县", "城南街道", "", "330122004000"),
        ("桐庐县", "城南街道", "江滨社区", "330122004018"),
        ("", "城南街道", "江滨社区", "330122004018"),  # the community tells the 城南 apart
        ("", "北山街道", "", "330106002000"),  # one 北山街道 in Zhejiang
        ("西湖区", "", "宝石社区", "330106002052"),
        ("", "", "大丰村村委会", "330122004213"),  # the official name, unique
        ("桐庐县", " 城南 街道 ", "江滨社区", "330122004018"),  # white space does not count
        ("乐清市", "城南街道", "", "330382003000"),
    ],
)
def test_exactly_one_match(divisions, district, street, community, code):
    """Names that point at one street or community give it."""
    found = place(divisions, district, street, community)
    assert found == Placement(divisions.get(code))


@pytest.mark.parametrize(
    ("district", "street", "community", "field", "codes"),
    [
        (
            "",
            "城南街道",
            "",
            "street",
            ["330122004000", "330382003000", "330402012000", "330602005000"],
        ),
        ("", "", "城南社区", "community", None),  # many 城南社区 in Zhejiang
    ],
)
def test_several_matches(divisions, district, street, community, field, codes):
    """A name that several places carry is not guessed: the candidates are returned."""
    found = place(divisions, district, street, community)
    assert isinstance(found, Unresolved)
    assert (found.field, found.kind) == (field, "several")
    if codes is not None:
        assert [d.code for d in found.candidates] == codes
    else:
        assert len(found.candidates) == 17
        assert all(d.name == "城南社区" for d in found.candidates)


@pytest.mark.parametrize(
    ("district", "street", "community", "field", "kind"),
    [
        ("桐庐区", "城南街道", "", "district", "none"),  # a typo: 县, not 区
        ("淳安县", "城南街道", "", "street", "none"),  # the case: no 城南街道 in Chun'an
        ("桐庐县", "城南街", "", "street", "none"),
        ("", "", "没有这个社区", "community", "none"),
        ("桐庐县", "", "", "street", "missing"),  # a county is not a place for a compound
        ("东城区", "东华门街道", "", "district", "none"),  # Beijing: no streets in the data
    ],
)
def test_no_match(divisions, district, street, community, field, kind):
    """Text that names no place says which field is wrong."""
    found = place(divisions, district, street, community)
    assert isinstance(found, Unresolved)
    assert (found.field, found.kind) == (field, kind)


def test_nothing_typed_is_no_placement(divisions):
    """Empty fields place nothing (the compound has no division yet)."""
    assert place(divisions, "", " ", "") is None


def test_a_community_missing_from_the_data_under_one_street_is_unverified(divisions):
    """Under a street that resolves, an unknown community is kept as typed, unverified."""
    found = place(divisions, "桐庐县", "桐君街道", " 滨江 社区 ")
    assert found == Placement(divisions.get("330122003000"), unverified="滨江 社区")
    assert area_names(divisions, found) == ("桐庐县", "桐君街道", "滨江 社区")
    several = place(divisions, "", "城南街道", "不存在社区")
    assert isinstance(several, Unresolved) and (several.field, several.kind) == (
        "street",
        "several",
    )


def test_area_names_of_a_community(divisions):
    """The names the city receives: county, street, community."""
    found = Placement(divisions.get("330122004018"))
    assert area_names(divisions, found) == ("桐庐县", "城南街道", "江滨社区")
    assert area_names(divisions, Placement(divisions.get("330122004000"))) == (
        "桐庐县",
        "城南街道",
        "",
    )


def test_community_under_a_street(divisions):
    """A community name under a chosen street, when the data holds exactly one."""
    street = divisions.get("330122004000")
    assert community_under(divisions, street, "江滨社区") == divisions.get("330122004018")
    assert community_under(divisions, street, "宝石社区") is None
    assert community_under(divisions, street, "  ") is None


@pytest.mark.parametrize(
    ("level", "area", "codes"),
    [
        ("district", "西湖区", ["330106"]),  # 南昌's 西湖区 has no streets in the data
        ("district", "桐庐县", ["330122"]),
        ("street", "北山街道", ["330106002000"]),
        ("street", "城南街道", ["330122004000", "330382003000", "330402012000", "330602005000"]),
        ("community", "宝石社区", ["330106002052"]),
        ("community", "西溪社区", ["331081003012", "331083001004"]),  # 温岭市, 玉环市
        ("community", "曙光社区西", []),
        ("city", "杭州市", []),  # not a level of the old accounts
    ],
)
def test_old_observer_areas(divisions, level, area, codes):
    """The division an old observer's (level, area) may mean; one is a match."""
    assert [d.code for d in area_division(divisions, level, area)] == codes
