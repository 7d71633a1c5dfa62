"""The administrative divisions (行政区划) as data: lookups by code, children, ancestors, names.

The data is `data/divisions.csv.gz` (see build.py and data/NOTICE): every province, city and
county of China, the streets (乡镇街道) and communities (村居委会) of Zhejiang. It is read
once per process, on the first lookup (bench/divisions.py measures the cost), and never
changes while the process runs.

Codes: GB/T 2260's six digits for provinces, cities and counties (330000, 330100, 330122),
the twelve digits of the 统计用区划代码 for streets and communities (330122004000,
330122004018). A division's territory is every code that starts with its `prefix` (2, 4, 6,
9 or 12 digits by level), so "is inside" is a prefix test in Python and a range test in SQL
(`code_range`): two streets of the same name in different counties never meet.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import gzip
import io
import json
import sys
import threading
import unicodedata
from pathlib import Path
from typing import NamedTuple

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_PATH = DATA_DIR / "divisions.csv.gz"

#: The five levels, top down.
LEVELS = ("province", "city", "county", "street", "community")
#: Digits of a level's code that say where it is (the rest are zeros).
PREFIX_DIGITS = {"province": 2, "city": 4, "county": 6, "street": 9, "community": 12}


class Division(NamedTuple):
    """One administrative division (read-only; a named tuple: small and quick to build)."""

    code: str
    #: Code of the division above it; "" for a province.
    parent: str
    level: str
    #: The name shown ("大丰村"); the package's official name is `official_name`.
    name: str
    official: str = ""

    @property
    def official_name(self) -> str:
        """The name as the statistics bureau writes it ("大丰村村委会")."""
        return self.official or self.name

    @property
    def prefix(self) -> str:
        """The leading digits every code inside this division starts with."""
        return self.code[: PREFIX_DIGITS[self.level]]

    @property
    def depth(self) -> int:
        """0 for a province, 4 for a community."""
        return LEVELS.index(self.level)

    def as_json(self) -> dict:
        """The contract's item: {"code", "name", "level"}."""
        return {"code": self.code, "name": self.name, "level": self.level}


def normalize_name(text: str | None) -> str:
    """A name for matching: NFKC (full-width letters and digits), no white space."""
    text = unicodedata.normalize("NFKC", text or "")  # the same object when already NFKC
    return text if text.isalnum() else "".join(text.split())


class Catalog:
    """Every division of the data file, indexed by code, by parent and by name."""

    def __init__(self, rows):
        self.by_code: dict[str, Division] = {}
        self._children: dict[str, list[Division]] = {}
        self._by_name: dict[str, list[Division]] | None = None
        self._detailed: set[str] | None = None
        by_code, children = self.by_code, self._children
        for code, parent, level, name, official in rows:
            above = by_code.get(parent)
            if above is not None:
                parent = above.code  # one string object per code, shared by its children
            division = Division(code, parent, sys.intern(level), name, official)
            by_code[code] = division
            children.setdefault(parent, []).append(division)

    def _names(self) -> dict[str, list[Division]]:
        """Name -> divisions, built on the first name lookup (page views never need it)."""
        if self._by_name is None:
            with _collector_paused():
                self._by_name = self._name_index()
        return self._by_name

    def _name_index(self) -> dict[str, list[Division]]:
        index: dict[str, list[Division]] = {}
        for division in self.by_code.values():
            for text in (division.name, division.official):
                if text:
                    bucket = index.setdefault(normalize_name(text), [])
                    if not bucket or bucket[-1] is not division:
                        bucket.append(division)
        return index

    def get(self, code: str | None) -> Division | None:
        """The division with this code, or None."""
        return self.by_code.get(code or "")

    def children(self, code: str | None = None) -> list[Division]:
        """The divisions directly below `code` in code order (no code: the provinces)."""
        return list(self._children.get(code or "", ()))

    def ancestors(self, code: str) -> list[Division]:
        """The divisions above `code`, province first (empty for a province or unknown code)."""
        chain = []
        division = self.get(code)
        while division is not None and division.parent:
            division = self.get(division.parent)
            if division is not None:
                chain.append(division)
        chain.reverse()
        return chain

    def chain(self, code: str) -> list[Division]:
        """The ancestors of `code` and the division itself (empty for an unknown code)."""
        division = self.get(code)
        return [*self.ancestors(code), division] if division is not None else []

    def named(self, name: str, level: str | None = None, within: str | None = None):
        """Divisions whose shown or official name is exactly `name` (normalized), in code
        order, optionally of one level and inside the division `within`."""
        found = self._names().get(normalize_name(name), ())
        return [
            d
            for d in found
            if (level is None or d.level == level) and (within is None or self.inside(d, within))
        ]

    def inside(self, division: Division | str, ancestor: Division | str) -> bool:
        """True when `division` is `ancestor` or lies within it."""
        code = division.code if isinstance(division, Division) else division
        outer = ancestor if isinstance(ancestor, Division) else self.get(ancestor)
        if outer is None or self.get(code) is None:
            return False
        return code.startswith(outer.prefix)

    def search(
        self,
        text: str,
        *,
        within: str | None = None,
        levels: tuple[str, ...] = LEVELS,
        limit: int = 20,
    ) -> list[Division]:
        """Divisions whose name contains `text`: exact names first, then names starting with
        it, then the rest; each group in code order; at most `limit`."""
        needle = normalize_name(text)
        if not needle:
            return []
        outer = self.get(within) if within else None
        prefix = outer.prefix if outer else ""
        ranked: list[tuple[int, str, Division]] = []
        for division in self.by_code.values():
            if division.level not in levels or not division.code.startswith(prefix):
                continue
            name = division.name
            if needle in name or needle in division.official:
                rank = 0 if needle == name else 1 if name.startswith(needle) else 2
                ranked.append((rank, division.code, division))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return [d for _, _, d in ranked[:limit]]

    def path(self, code: str, separator: str = "", start: str = "province") -> str:
        """The names from `start` level down to the division ("杭州市桐庐县城南街道")."""
        first = LEVELS.index(start)
        return separator.join(d.name for d in self.chain(code) if d.depth >= first)

    def detailed(self, division: Division) -> bool:
        """True when the data holds the streets below this division (Zhejiang's)."""
        if self._detailed is None:
            codes = set()
            for street in self._by_level("street"):
                codes.update(d.code for d in self.chain(street.code))
            self._detailed = codes
        return division.level == "community" or division.code in self._detailed

    def _by_level(self, level: str):
        return (d for d in self.by_code.values() if d.level == level)


def code_range(division: Division) -> tuple[str, str]:
    """The (lowest, highest) twelve-digit codes inside a division, for a SQL BETWEEN."""
    return division.prefix.ljust(12, "0"), division.prefix.ljust(12, "9")


def source() -> dict:
    """Package, version, licence and edition of the shipped data (data/source.json)."""
    return json.loads((DATA_DIR / "source.json").read_text(encoding="utf-8"))


@contextlib.contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector: while tens of thousands of small tuples are made
    it would walk them over and over (half the load time), and none of them is garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_catalog: Catalog | None = None
_lock = threading.Lock()


def read_rows(path: Path = DATA_PATH):
    """The rows of a data file: (code, parent, level, name, official)."""
    with gzip.open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        reader = csv.reader(text)
        header = next(reader)
        if header != ["code", "parent", "level", "name", "official"]:
            raise ValueError(f"{path}: unexpected header {header}")
        yield from (tuple(row) for row in reader)


def catalog() -> Catalog:
    """The process's catalog, read from the data file on first use."""
    global _catalog
    if _catalog is None:
        with _lock:
            if _catalog is None:
                with _collector_paused():
                    _catalog = Catalog(read_rows())
    return _catalog


def loaded() -> bool:
    """True once this process has read the data file (for tests and benchmarks)."""
    return _catalog is not None
