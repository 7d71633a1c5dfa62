"""Content-addressed cache of rendered poster PDFs on the filesystem."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

from printables.poster import TEMPLATE_VERSION, Poster, check_size, print_date

_KEY = re.compile(r"[0-9a-f]{64}")
# Library upgrades can change the bytes too; a new version simply misses the cache.
_LIBRARIES = {name: version(name) for name in ("weasyprint", "qrcode")}


def poster_cache_key(poster: Poster, size: str) -> str:
    """Return the sha256 hex key of everything that shapes this poster's PDF."""
    fields = asdict(poster)
    fields["printed_on"] = print_date(poster).isoformat()
    material = {
        "template": TEMPLATE_VERSION,
        "libraries": _LIBRARIES,
        "size": check_size(size),
        "poster": fields,
    }
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


class PosterCache:
    """Rendered PDFs stored under their cache key, oldest evicted beyond ``max_files``."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        max_files: int = 2000,
        renderer: Callable[[Poster, str], bytes] | None = None,
    ) -> None:
        """Use ``directory`` (created if missing); ``renderer`` defaults to render_poster_pdf."""
        if max_files < 1:
            raise ValueError("max_files must be at least 1")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_files = max_files
        if renderer is None:
            from printables.render import render_poster_pdf as renderer
        self.renderer = renderer

    def _path(self, key: str) -> Path:
        """Return the file of ``key``, refusing anything but a sha256 hex digest."""
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a poster cache key: {key!r}")
        return self.directory / f"{key}.pdf"

    def get(self, key: str) -> bytes | None:
        """Return the cached PDF for ``key``, or None; a hit counts as recent use."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        # Evicted by another process between the read and now: the hit still stands.
        with contextlib.suppress(FileNotFoundError):
            os.utime(path)
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically, then evict the oldest files over the bound."""
        path = self._path(key)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".pdf")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        self._evict()

    def _evict(self) -> None:
        """Delete the least recently used PDFs beyond ``max_files``."""
        entries = []
        with os.scandir(self.directory) as scan:
            for entry in scan:
                if entry.name.endswith(".pdf") and not entry.name.startswith("."):
                    with contextlib.suppress(FileNotFoundError):
                        entries.append((entry.stat().st_mtime_ns, entry.name))
        if len(entries) <= self.max_files:
            return
        entries.sort()
        for _, name in entries[: len(entries) - self.max_files]:
            # Another process may have evicted it already.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.directory / name)

    def render_cached(self, poster: Poster, size: str = "A4") -> bytes:
        """Return the poster's PDF from the cache, rendering and storing it on a miss."""
        key = poster_cache_key(poster, size)
        data = self.get(key)
        if data is None:
            data = self.renderer(poster, size)
            self.put(key, data)
        return data
