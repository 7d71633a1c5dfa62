"""Benchmark gate poster rendering: one poster, a 100-gate compound, and the QR-only floor.

Run from the repository root: ``.venv/bin/python bench/posters.py``. Prints wall-clock
figures (what a manager waits for) and CPU time of this process (less disturbed when
other work shares the machine). The batch runs BATCH_RUNS times, each with the QR cache
emptied first (so all 100 codes are encoded cold every time), and prints the median.
"""

from __future__ import annotations

import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weasyprint import HTML  # noqa: E402

from printables import Poster, qr_svg, render_poster_pdf, render_posters_pdf  # noqa: E402
from printables.fonts import font_config  # noqa: E402
from printables.render import RefusingURLFetcher  # noqa: E402

RUNS = 20
BATCH_RUNS = 3
GATES = 100
BASE_URL = "https://xgm.example.cn/g/"
#: A QR code alone on an A4 page, sized as on the poster: the floor of any poster.
FLOOR_HTML = (
    "<style>@page {{ size: A4 portrait; margin: 10mm; }}"
    " svg {{ width: 146mm; height: 146mm; }}</style>{svg}"
)


def poster(gate: int) -> Poster:
    """Return a realistic poster for gate number ``gate`` of one compound."""
    return Poster(
        compound_name="阳光花园",
        gate_name=f"{gate}号门" if gate else "东门",
        url=f"{BASE_URL}Zk3vQ9xL2mN8pR4tW6y{gate:03d}",
        property_hotline="0571-64610000",
        supervision_hotline="0571-87654321",
        company_name="杭州阳光物业服务有限公司",
        compound_address="杭州市西湖区文三路 100 号",
        version="v1",
        printed_on=datetime.date(2025, 11, 28),
    )


def timed(function) -> tuple[float, float]:
    """Return (wall seconds, CPU seconds) of one call of ``function``."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def median_ms(function, runs: int = RUNS) -> tuple[float, float]:
    """Return the median wall and CPU milliseconds of ``runs`` calls of ``function``."""
    samples = [timed(function) for _ in range(runs)]
    return (
        statistics.median(wall for wall, _ in samples) * 1000,
        statistics.median(cpu for _, cpu in samples) * 1000,
    )


def main() -> None:
    """Warm up, measure the three figures and print them."""
    single = poster(0)
    batch = [poster(gate) for gate in range(1, GATES + 1)]
    fetcher = RefusingURLFetcher()
    floor_html = FLOOR_HTML.format(svg=qr_svg(single.url))

    def floor() -> bytes:
        """Render the QR-only page."""
        return HTML(string=floor_html, url_fetcher=fetcher).write_pdf(font_config=font_config())

    # Warm-up: font check, FontConfiguration, parsed CSS, templates, QR of the single poster.
    for _ in range(3):
        render_poster_pdf(single)
        floor()

    single_wall, single_cpu = median_ms(lambda: render_poster_pdf(single))
    batches = []
    for _ in range(BATCH_RUNS):
        qr_svg.cache_clear()  # every gate's code encoded cold, as for a first print
        batches.append(timed(lambda: render_posters_pdf(batch)))
    batch_wall = statistics.median(wall for wall, _ in batches)
    batch_cpu = statistics.median(cpu for _, cpu in batches)
    floor_wall, floor_cpu = median_ms(floor)

    print(f"single A4 poster, median of {RUNS}: {single_wall:.0f} ms (CPU {single_cpu:.0f} ms)")
    print(
        f"{GATES}-gate compound, one PDF, median of {BATCH_RUNS}: {batch_wall:.2f} s"
        f" (CPU {batch_cpu:.2f} s, {batch_wall / GATES * 1000:.0f} ms a page; runs:"
        f" {', '.join(f'{wall:.2f} s / CPU {cpu:.2f} s' for wall, cpu in batches)})"
    )
    print(f"QR-only page (floor), median of {RUNS}: {floor_wall:.0f} ms (CPU {floor_cpu:.0f} ms)")
    print(f"single / floor: {single_wall / floor_wall:.1f}x")


if __name__ == "__main__":
    main()
