"""QR mask selection: the same choice as qrcode's, scored on whole symbols packed into ints.

qrcode picks the mask pattern the QR standard (ISO/IEC 18004) asks for: it builds the
symbol with each of the 8 masks and keeps the first one with the lowest penalty. It does
so module by module in pure Python (``QRCode.best_mask_pattern``), ~9 ms a code. This
module scores the same 8 candidate symbols with the same four penalty rules, counted
exactly as ``qrcode.util.lost_point`` counts them, but holds each symbol as one int (its
rows one after another, each followed by a light separator bit) and its transpose as
another, so every rule is a few shifts, ANDs and popcounts over the whole symbol: well
under 1 ms a code. qrcode still builds the symbol itself, with the chosen mask; tests
check the choice against qrcode's own for many URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode import util

#: Rule 3 patterns, left to right (or top to bottom): dark 1:1:3:1:1 with 4 light after
#: or before. Offsets into the 11-module window, split into dark and light modules.
_FINDER_LIKE = ("10111010000", "00001011101")


class _Layout(qrcode.QRCode):
    """A QRCode that stops before placing data: its modules are the function patterns."""

    def map_data(self, data, mask_pattern):
        """Leave the data modules empty (None) instead of placing data."""


@dataclass(frozen=True)
class _Version:
    """Everything about one QR version that does not depend on the data, packed as ints."""

    #: Modules per side; each packed row is ``size + 1`` bits (the last one a separator).
    size: int
    #: Bits of real modules (not separators), packed by rows (the same mask serves columns).
    modules: int
    #: Bits where a 2x2 block ends (its bottom-right module): not in row 0 nor column 0.
    block_ends: int
    #: Dark function-pattern modules as qrcode lays them out while choosing a mask (its
    #: "test" build: format and version information all light), by rows and by columns.
    fixed: tuple[int, int]
    #: For each mask pattern, the data modules it inverts, by rows and by columns.
    masks: tuple[tuple[int, int], ...]
    #: How many modules hold data (or remainder bits).
    data_modules: int
    #: For each packed bit (highest first), the index of the data bit placed there,
    #: or -1 (no data: light), by rows and by columns.
    placement: tuple[tuple[int, ...], tuple[int, ...]]


def _pack(size: int, dark) -> int:
    """Return the int whose packed bits hold ``dark(row, col)``, rows first, highest bit first."""
    stride = size + 1
    bits = 0
    for row in range(size):
        for col in range(size):
            if dark(row, col):
                bits |= 1 << ((size - row) * stride - 1 - col)
    return bits


@lru_cache(maxsize=40)
def _version(version: int) -> _Version:
    """Return the packed layout of ``version``, built once from qrcode's own function patterns."""
    layout = _Layout(version=version)
    layout.data_cache = b""  # map_data places nothing, so no data is needed
    layout.makeImpl(True, 0)
    grid = layout.modules
    size = layout.modules_count
    # The same upward/downward two-column zigzag as QRCode.map_data.
    order: dict[tuple[int, int], int] = {}
    row, step = size - 1, -1
    for col in range(size - 1, 0, -2):
        if col <= 6:
            col -= 1
        while True:
            for c in (col, col - 1):
                if grid[row][c] is None:
                    order[(row, c)] = len(order)
            row += step
            if row < 0 or row >= size:
                row -= step
                step = -step
                break

    def both(dark) -> tuple[int, int]:
        """Pack ``dark`` by rows and by columns (the transpose)."""
        return _pack(size, dark), _pack(size, lambda r, c: dark(c, r))

    def placement(transposed: bool) -> tuple[int, ...]:
        """Return the data bit index of every packed bit, highest first."""
        indices = []
        for r in range(size):
            for c in range(size):
                indices.append(order.get((c, r) if transposed else (r, c), -1))
            indices.append(-1)  # separator
        return tuple(indices)

    masks = []
    for pattern in range(8):
        inverts = util.mask_func(pattern)
        masks.append(both(lambda r, c, inverts=inverts: (r, c) in order and inverts(r, c)))
    return _Version(
        size=size,
        modules=_pack(size, lambda r, c: True),
        block_ends=_pack(size, lambda r, c: r > 0 and c > 0),
        fixed=both(lambda r, c: bool(grid[r][c])),
        data_modules=len(order),
        masks=tuple(masks),
        placement=(placement(False), placement(True)),
    )


def _runs(lines: int) -> int:
    """Return rule 1's points for the runs of set bits in ``lines``: length - 2 for each >= 5."""
    fives = lines & (lines >> 1) & (lines >> 2) & (lines >> 3) & (lines >> 4)
    # A run of n >= 5 leaves n - 4 bits in ``fives``; add 2 for each such run.
    return fives.bit_count() + 2 * (fives & ~(fives >> 1)).bit_count()


def _finder_like(dark: int, light: int) -> int:
    """Return how many rule 3 patterns the lines hold (dark and light modules as bits)."""
    count = 0
    for pattern in _FINDER_LIKE:
        # The window's module k sits 10 - k bits above its last module.
        found = -1
        for k, module in enumerate(pattern):
            found &= (dark if module == "1" else light) >> (10 - k)
        count += found.bit_count()
    return count


def _penalty(rows: int, columns: int, info: _Version) -> int:
    """Return qrcode's ``lost_point`` of the symbol packed as ``rows`` and ``columns``."""
    stride = info.size + 1
    light_rows = ~rows & info.modules
    light_columns = ~columns & info.modules
    # Rule 1: runs of one colour, in rows and in columns.
    points = _runs(rows) + _runs(light_rows) + _runs(columns) + _runs(light_columns)
    # Rule 2: 3 for each 2x2 block of one colour (found at its bottom-right module).
    differs = (rows ^ (rows >> 1)) | (rows ^ (rows >> stride)) | (rows ^ (rows >> (stride + 1)))
    points += 3 * (~differs & info.block_ends).bit_count()
    # Rule 3: 40 for each finder-like pattern, in rows and in columns.
    points += 40 * (_finder_like(rows, light_rows) + _finder_like(columns, light_columns))
    # Rule 4: 10 for every full 5 % the dark share departs from 50 % (qrcode's arithmetic).
    percent = float(rows.bit_count()) / (info.size**2)
    return points + int(abs(percent * 100 - 50) / 5) * 10


def best_mask(version: int, data: bytes | bytearray | list[int]) -> int:
    """Return the mask pattern qrcode would choose for ``data`` (its ``create_data`` codewords).

    The first of the 8 patterns with the lowest penalty, as ``QRCode.best_mask_pattern``.
    """
    info = _version(version)
    # Data bits as text, most significant first, padded with light modules past the data
    # (as QRCode.map_data does) and one more for the index -1 (no data here).
    bits = "".join(f"{byte:08b}" for byte in data).ljust(info.data_modules + 1, "0")
    data_rows, data_columns = (
        int("".join([bits[index] for index in placement]), 2) for placement in info.placement
    )
    fixed_rows, fixed_columns = info.fixed
    penalties = [
        _penalty(
            fixed_rows | data_rows ^ mask_rows, fixed_columns | data_columns ^ mask_columns, info
        )
        for mask_rows, mask_columns in info.masks
    ]
    return penalties.index(min(penalties))
