"""Cache keys over everything printed, and the bounded content-addressed PDF cache."""

from __future__ import annotations

import dataclasses
import datetime
import os

import pytest

from chinatime import CN_TZ
from printables import TEMPLATE_VERSION, Poster, PosterCache, poster_cache_key

POSTER = Poster(
    compound_name="阳光花园",
    gate_name="东门",
    url="https://xgm.example.cn/g/Zk3vQ9xL2mN8pR4tW6yB1c",
    property_hotline="0571-64610000",
    supervision_hotline="0571-87654321",
    company_name="杭州阳光物业服务有限公司",
    compound_address="杭州市西湖区文三路 100 号",
    version="v3",
    printed_on=datetime.date(2025, 11, 28),
)
CHANGED = {
    "compound_name": "阳光花园二期",
    "gate_name": "西门",
    "url": "https://xgm.example.cn/g/rotated-token",
    "property_hotline": "0571-64610001",
    "supervision_hotline": "12345",
    "company_name": "另一家物业",
    "compound_address": "杭州市上城区",
    "version": "v4",
    "printed_on": datetime.date(2025, 11, 29),
    "rules": ("骑手通行 07:00-23:00",),
    "nfc": True,
    "kind": "exit",
}


class CountingRenderer:
    """A renderer that records each call and returns fixed bytes."""

    def __init__(self) -> None:
        """Start with no calls."""
        self.calls: list[tuple[Poster, str]] = []

    def __call__(self, poster: Poster, size: str) -> bytes:
        """Record the call and return a PDF-looking payload naming the poster."""
        self.calls.append((poster, size))
        return f"%PDF fake {poster.gate_name} {size}".encode()


def test_every_field_is_covered_by_the_change_table():
    """The table below changes every Poster field, so none can be forgotten in the key."""
    assert set(CHANGED) == {field.name for field in dataclasses.fields(Poster)}


def test_key_is_stable_sha256_hex():
    """Equal posters and sizes give the same 64-hex-digit key."""
    key = poster_cache_key(POSTER, "A4")
    assert len(key) == 64
    assert int(key, 16) >= 0
    assert poster_cache_key(dataclasses.replace(POSTER), "A4") == key


@pytest.mark.parametrize("field", sorted(CHANGED))
def test_key_changes_with_every_field(field):
    """Changing any printed field gives a new key."""
    changed = dataclasses.replace(POSTER, **{field: CHANGED[field]})
    assert poster_cache_key(changed, "A4") != poster_cache_key(POSTER, "A4")


def test_key_changes_with_size():
    """A4 and A3 are different PDFs."""
    assert poster_cache_key(POSTER, "A3") != poster_cache_key(POSTER, "A4")


def test_key_includes_template_version(monkeypatch):
    """The template version is hashed, so bumping it retires every cached PDF."""
    original = poster_cache_key(POSTER, "A4")
    monkeypatch.setattr("printables.cache.TEMPLATE_VERSION", TEMPLATE_VERSION + "-next")
    assert poster_cache_key(POSTER, "A4") != original


def test_key_of_undated_poster_is_todays_in_china():
    """No printed_on means today's date (China time), which the key pins."""
    undated = dataclasses.replace(POSTER, printed_on=None)
    before = datetime.datetime.now(CN_TZ).date()
    key = poster_cache_key(undated, "A4")
    after = datetime.datetime.now(CN_TZ).date()
    assert key in {
        poster_cache_key(dataclasses.replace(POSTER, printed_on=day), "A4")
        for day in (before, after)
    }


def test_key_refuses_unknown_size():
    """The key of an unprintable size is an error, not a cache entry."""
    with pytest.raises(ValueError, match="unsupported poster size"):
        poster_cache_key(POSTER, "A5")


def test_get_of_missing_key_is_none(tmp_path):
    """A miss returns None."""
    assert PosterCache(tmp_path).get("0" * 64) is None


def test_put_then_get_returns_the_bytes_and_leaves_no_temp_file(tmp_path):
    """A stored PDF reads back byte for byte; the temporary file was renamed into place."""
    cache = PosterCache(tmp_path)
    key = poster_cache_key(POSTER, "A4")
    cache.put(key, b"%PDF-1.7 poster")
    assert cache.get(key) == b"%PDF-1.7 poster"
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"{key}.pdf"]


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "0" * 63, ""])
def test_keys_that_are_not_sha256_hex_are_refused(tmp_path, key):
    """Only hex digests name files: no path traversal through a key."""
    with pytest.raises(ValueError, match="not a poster cache key"):
        PosterCache(tmp_path).get(key)


def test_render_cached_renders_once_then_serves_the_same_bytes(tmp_path):
    """The first request renders and stores; the second is served without rendering."""
    renderer = CountingRenderer()
    cache = PosterCache(tmp_path, renderer=renderer)
    first = cache.render_cached(POSTER, "A3")
    second = cache.render_cached(POSTER, "A3")
    assert first == second == "%PDF fake 东门 A3".encode()
    assert renderer.calls == [(POSTER, "A3")]


def test_render_cached_hit_returns_what_was_stored(tmp_path):
    """A stored sentinel comes back as is: a hit never re-renders."""
    renderer = CountingRenderer()
    cache = PosterCache(tmp_path, renderer=renderer)
    cache.put(poster_cache_key(POSTER, "A4"), b"sentinel")
    assert cache.render_cached(POSTER, "A4") == b"sentinel"
    assert renderer.calls == []


def test_render_cached_renders_again_when_a_field_changes(tmp_path):
    """A renamed gate is a new poster, rendered afresh."""
    renderer = CountingRenderer()
    cache = PosterCache(tmp_path, renderer=renderer)
    cache.render_cached(POSTER, "A4")
    cache.render_cached(dataclasses.replace(POSTER, gate_name="西门"), "A4")
    assert [poster.gate_name for poster, _ in renderer.calls] == ["东门", "西门"]


def _put_aged(cache: PosterCache, key: str, age: int) -> None:
    """Store a PDF under ``key`` and date its file ``age`` seconds after the epoch."""
    cache.put(key, key.encode())
    os.utime(cache.directory / f"{key}.pdf", (age, age))


def test_cache_evicts_the_oldest_files_beyond_its_bound(tmp_path):
    """With room for three, five puts leave the three most recent."""
    cache = PosterCache(tmp_path, max_files=3)
    keys = [str(n) * 64 for n in range(5)]
    for age, key in enumerate(keys, start=1):
        _put_aged(cache, key, age)
    assert sorted(path.stem for path in tmp_path.glob("*.pdf")) == sorted(keys[2:])


def test_a_hit_counts_as_recent_use(tmp_path):
    """Reading a PDF protects it from the next eviction (least recently used goes first)."""
    cache = PosterCache(tmp_path, max_files=2)
    old, newer, newest = "a" * 64, "b" * 64, "c" * 64
    _put_aged(cache, old, 1)
    _put_aged(cache, newer, 2)
    assert cache.get(old) == old.encode()
    _put_aged(cache, newest, 3)
    assert sorted(path.stem for path in tmp_path.glob("*.pdf")) == [old, newest]


def test_default_bound_is_two_thousand(tmp_path):
    """Without a bound the cache keeps up to 2000 PDFs."""
    assert PosterCache(tmp_path).max_files == 2000
