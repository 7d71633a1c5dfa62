"""Charts drawn on the server as inline SVG: no script, no CDN, no inline style (CSP-safe).

Colours are SVG presentation attributes and CSS classes from app.css, never `style=`.
Every chart scales to its container (viewBox, width 100%). The viewBox is 300 units wide,
about the width a chart gets on a 360 px phone, so text sizes are real pixels there.
"""

from markupsafe import Markup, escape

BAR = "#0b57d0"
BAR_MUTED = "#9db8e8"
INK = "#111111"
MUTED = "#555555"
GRID = "#d0d4da"


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    # Every dynamic part (labels, names) is escaped where it is put into `body`.
    return Markup(  # noqa: S704
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        + "".join(body)
        + "</svg>"
    )


def hour_bars(counts: list[int], label: str) -> Markup:
    """24 vertical bars, one per hour of the day, with the peak value marked."""
    width, height = 300, 160
    left, right, top, bottom = 26, 4, 18, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(counts) if counts else 0
    scale = plot_h / peak if peak else 0
    slot = plot_w / 24
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="{GRID}" stroke-width="1"/>',
        f'<text x="{left - 4}" y="{top + 4}" font-size="12" text-anchor="end" fill="{MUTED}">'
        f"{peak}</text>",
        f'<line x1="{left}" y1="{top}" x2="{width - right}" y2="{top}" stroke="{GRID}" '
        f'stroke-width="1" stroke-dasharray="3 3"/>',
    ]
    for hour, value in enumerate(counts):
        bar_h = round(value * scale, 1)
        x = round(left + hour * slot + 1, 1)
        y = round(top + plot_h - bar_h, 1)
        fill = BAR if value == peak and peak else BAR_MUTED if value else GRID
        body.append(
            f'<rect x="{x}" y="{y}" width="{round(slot - 2, 1)}" height="{bar_h}" fill="{fill}">'
            f"<title>{hour:02d}:00 {value}</title></rect>"
        )
    for hour in (0, 6, 12, 18, 23):
        x = round(left + hour * slot + slot / 2, 1)
        body.append(
            f'<text x="{x}" y="{height - 6}" font-size="12" text-anchor="middle" '
            f'fill="{MUTED}">{hour}</text>'
        )
    return _svg(width, height, label, body)


def hbars(items: list[tuple[str, int, str]], label: str, colour: str = BAR) -> Markup:
    """Horizontal bars: (label, value, note shown after the value) per row, longest = max."""
    width, row_h, label_w, value_w = 300, 32, 84, 96
    height = max(row_h, row_h * len(items)) + 4
    bar_space = width - label_w - value_w
    peak = max((value for _, value, _ in items), default=0)
    body = []
    for i, (name, value, note) in enumerate(items):
        y = i * row_h + 2
        bar_w = round(bar_space * value / peak, 1) if peak else 0
        text = _clip(name or "—", 5)
        body.append(
            f'<text x="{label_w - 6}" y="{y + 21}" font-size="14" text-anchor="end" '
            f'fill="{INK}">{escape(text)}<title>{escape(name)}</title></text>'
        )
        body.append(
            f'<rect x="{label_w}" y="{y + 6}" width="{max(bar_w, 1 if value else 0)}" '
            f'height="{row_h - 12}" rx="3" fill="{colour}"/>'
        )
        suffix = f" · {note}" if note else ""
        body.append(
            f'<text x="{label_w + bar_w + 5}" y="{y + 21}" font-size="14" fill="{INK}">'
            f"{value}{escape(suffix)}</text>"
        )
    if not items:
        body.append(
            f'<text x="{width / 2}" y="20" font-size="14" text-anchor="middle" fill="{MUTED}">—</text>'
        )
    return _svg(width, height, label, body)


def _clip(text: str, size: int) -> str:
    """Shorten a label to `size` characters (CJK labels are wide), with an ellipsis."""
    return text if len(text) <= size else text[: size - 1] + "…"


def sparkline(values: list[float | None], label: str) -> Markup:
    """A small line of 0-100 values, oldest first (gaps where a value is None)."""
    width, height, pad = 96, 28, 3
    step = (width - 2 * pad) / max(1, len(values) - 1)
    points = [
        (pad + i * step, height - pad - (height - 2 * pad) * v / 100.0)
        for i, v in enumerate(values)
        if v is not None
    ]
    runs, run = [], []
    for i, v in enumerate(values):
        if v is None:
            if len(run) > 1:
                runs.append(run)
            run = []
        else:
            run.append((pad + i * step, height - pad - (height - 2 * pad) * v / 100.0))
    if len(run) > 1:
        runs.append(run)
    body = [f'<line x1="0" y1="{height - pad}" x2="{width}" y2="{height - pad}" stroke="{GRID}"/>']
    for line in runs:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in line)
        body.append(f'<polyline points="{coords}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{BAR}"/>' for x, y in points]
    return Markup(  # noqa: S704 - numbers and the escaped label only
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )
