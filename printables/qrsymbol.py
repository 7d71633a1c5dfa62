"""The QR symbol's modules: the standard's mask selection and data placement, on packed ints.

qrcode picks the mask pattern the QR standard (ISO/IEC 18004) asks for: it builds the
symbol with each of the 8 masks and keeps the first one with the lowest penalty. It does
so module by module in pure Python (``QRCode.best_mask_pattern``), ~9 ms a code, then
places the data once more with the chosen mask (``QRCode.map_data``, ~1 ms). This
module makes the same choice and the same symbol from qrcode's own codewords
(``util.create_data``) and function patterns, format and version information (its
``makeImpl``, data placement skipped): it scores the 8 candidates with the same four
penalty rules, counted exactly as ``qrcode.util.lost_point`` counts them, but holds each
symbol as one int (its rows one after another, each followed by a light separator bit)
and its transpose as another, so every rule is a few shifts, ANDs and popcounts over the
whole symbol, and data placement is one precomputed permutation of the data bits:
~0.4 ms a code. Tests check the mask and every module against qrcode's own output.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode import util

#: Rule 3 patterns, left to right (or top to bottom), "1" dark: dark 1:1:3:1:1 with
#: 4 light modules after or before.
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


def _data_modules(info: _Version, data: bytes | bytearray | list[int]) -> tuple[int, int]:
    """Return the data modules (unmasked) of ``data`` placed in the symbol, by rows and columns."""
    # Data bits as text, most significant first, padded with light modules past the data
    # (as QRCode.map_data does) and one more for the index -1 (no data here).
    bits = "".join(f"{byte:08b}" for byte in data).ljust(info.data_modules + 1, "0")
    data_rows, data_columns = (
        int("".join([bits[index] for index in placement]), 2) for placement in info.placement
    )
    return data_rows, data_columns


def _best(info: _Version, data_rows: int, data_columns: int) -> int:
    """Return the first mask pattern with the lowest penalty, as QRCode.best_mask_pattern."""
    fixed_rows, fixed_columns = info.fixed
    penalties = [
        _penalty(
            fixed_rows | data_rows ^ mask_rows, fixed_columns | data_columns ^ mask_columns, info
        )
        for mask_rows, mask_columns in info.masks
    ]
    return penalties.index(min(penalties))


def best_mask(version: int, data: bytes | bytearray | list[int]) -> int:
    """Return the mask pattern qrcode would choose for ``data`` (its ``create_data`` codewords)."""
    info = _version(version)
    return _best(info, *_data_modules(info, data))


@lru_cache(maxsize=256)
def _final_fixed(version: int, error_correction: int, mask: int) -> int:
    """Return the dark function-pattern, format and version modules of the final symbol.

    Laid out by qrcode itself (its makeImpl for the real symbol, data placement skipped),
    packed by rows.
    """
    layout = _Layout(version=version, error_correction=error_correction)
    layout.data_cache = b""  # map_data places nothing, so no data is needed
    layout.makeImpl(False, mask)
    grid = layout.modules
    return _pack(layout.modules_count, lambda r, c: bool(grid[r][c]))


_MODULE_BYTES = bytes.maketrans(b"01", b"\x00\x01")


def symbol_rows(
    version: int, error_correction: int, data: bytes | bytearray | list[int]
) -> list[bytes]:
    """Return the rows of the symbol qrcode makes for ``data``: one byte a module, 1 if dark.

    ``data`` are the codewords of ``util.create_data(version, error_correction, ...)``;
    the mask is the one qrcode's own selection picks (``best_mask``).
    """
    info = _version(version)
    data_rows, data_columns = _data_modules(info, data)
    mask = _best(info, data_rows, data_columns)
    packed = _final_fixed(version, error_correction, mask) | data_rows ^ info.masks[mask][0]
    size, stride = info.size, info.size + 1
    modules = format(packed, f"0{size * stride}b").encode().translate(_MODULE_BYTES)
    return [modules[start : start + size] for start in range(0, size * stride, stride)]
