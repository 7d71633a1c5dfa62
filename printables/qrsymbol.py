"""The QR symbol's modules: the standard's mask selection and data placement, on packed ints.

qrcode picks the mask pattern the QR standard (ISO/IEC 18004) asks for: it builds the
symbol with each of the 8 masks and keeps the first one with the lowest penalty. It does
so module by module in pure Python (``QRCode.best_mask_pattern``), ~9 ms a code, then
places the data once more with the chosen mask (``QRCode.map_data``, ~1 ms). This
module makes the same codewords (``codewords``, as ``util.create_data``, with tables) and
the same symbol from qrcode's own function patterns, format and version information
(its ``makeImpl``, data placement skipped): it scores the 8 candidates with the same four
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
from qrcode import LUT, base, exceptions, util

#: Rule 3 patterns, left to right (or top to bottom), "1" dark: dark 1:1:3:1:1 with
#: 4 light modules after or before.
_FINDER_LIKE = ("10111010000", "00001011101")


class _Layout(qrcode.QRCode):
    """A QRCode that stops before placing data: its modules are the function patterns."""

    def map_data(self, data, mask_pattern):
        """Leave the data modules empty (None) instead of placing data."""


class _Bits:
    """Collects bits as text, with the ``put(number, length)`` of qrcode's BitBuffer."""

    def __init__(self) -> None:
        """Start empty."""
        self.parts: list[str] = []
        self.length = 0

    def put(self, number: int, length: int) -> None:
        """Append the ``length`` low bits of ``number``, most significant first."""
        self.parts.append(format(number & ((1 << length) - 1), f"0{length}b"))
        self.length += length


@lru_cache(maxsize=64)
def _products(count: int) -> tuple[int, ...]:
    """Return, for each byte f, f times qrcode's generator polynomial for ``count`` codes.

    Each product is an int of ``count`` bytes (the generator's leading 1 dropped), so that
    one Reed-Solomon division step is a shift and an XOR.
    """
    if count in LUT.rsPoly_LUT:
        generator = base.Polynomial(LUT.rsPoly_LUT[count], 0)
    else:  # qrcode's own fallback
        generator = base.Polynomial([1], 0)
        for i in range(count):
            generator = generator * base.Polynomial([1, base.gexp(i)], 0)
    logs = [base.LOG_TABLE[coefficient] for coefficient in list(generator)[1:]]
    products = [0]
    for factor in range(1, 256):
        shift = base.LOG_TABLE[factor]
        products.append(
            int.from_bytes(bytes(base.EXP_TABLE[(shift + log) % 255] for log in logs), "big")
        )
    return tuple(products)


def _error_correction(block: list[int], count: int) -> list[int]:
    """Return the ``count`` Reed-Solomon codewords of ``block`` (division by table)."""
    products = _products(count)
    top = 8 * (count - 1)
    mask = (1 << (8 * count)) - 1
    remainder = 0
    for codeword in block:
        remainder = ((remainder << 8) & mask) ^ products[codeword ^ (remainder >> top)]
    return list(remainder.to_bytes(count, "big"))


def codewords(version: int, error_correction: int, data_list) -> list[int]:
    """Return the codewords ``qrcode.util.create_data`` returns, computed with tables.

    The same bit stream (qrcode's own ``QRData.write`` of each chunk, terminator, padding)
    and the same Reed-Solomon codes and interleaving, but the bits are collected as text
    and the codes computed by table-driven division instead of qrcode's recursive
    polynomial objects: ~0.15 ms instead of ~0.6 ms a code.
    """
    bits = _Bits()
    for data in data_list:
        bits.put(data.mode, 4)
        bits.put(len(data), util.length_in_bits(data.mode, version))
        data.write(bits)
    blocks = base.rs_blocks(version, error_correction)
    limit = sum(block.data_count * 8 for block in blocks)
    if bits.length > limit:
        raise exceptions.DataOverflowError(
            f"Code length overflow. Data size ({bits.length}) > size available ({limit})"
        )
    stream = "".join(bits.parts)
    stream += "0" * min(limit - len(stream), 4)  # terminator
    stream += "0" * (-len(stream) % 8)  # to whole bytes
    data = list(int(stream, 2).to_bytes(len(stream) // 8, "big")) if stream else []
    data += [util.PAD0, util.PAD1] * ((limit // 8 - len(data)) // 2 + 1)
    data = data[: limit // 8]
    data_blocks, ec_blocks = [], []
    offset = 0
    for block in blocks:
        data_blocks.append(data[offset : offset + block.data_count])
        offset += block.data_count
        ec_blocks.append(_error_correction(data_blocks[-1], block.total_count - block.data_count))
    interleaved = []
    for group in (data_blocks, ec_blocks):
        for index in range(max(len(codes) for codes in group)):
            interleaved.extend(codes[index] for codes in group if index < len(codes))
    return interleaved


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
