"""Every URL rule of the guard's phone (`/guard/*`), in one list.

The views are in the screen modules next to this one; each carries its own guards
(`@guard_required`, `@shows_rider_data`, rate limits). Endpoints are `guardphone.<name>`.
"""

from xgm.guardphone import (
    actions,
    barriers,
    bp,
    cards,
    complaint_tiles,
    exits,
    signin,
    stream,
    terminal,
)

GET, POST = ["GET"], ["POST"]
CARD = "/guard/arrivals/<int:arrival_id>"

# Sign-in, the console shell, handover, the terminal's manifest.
bp.add_url_rule("/guard/signin", "signin", signin.signin, methods=["GET", "POST"])
bp.add_url_rule("/guard", "console", terminal.console, methods=GET)
bp.add_url_rule("/guard/signout", "signout", signin.signout, methods=POST)
bp.add_url_rule("/guard/manifest.webmanifest", "manifest", terminal.manifest, methods=GET)

# The cards: the list, the live stream, and what a guard does on a card.
bp.add_url_rule("/guard/arrivals", "arrivals", cards.arrivals, methods=GET)
bp.add_url_rule("/guard/stream", "stream", stream.stream, methods=GET)
bp.add_url_rule(f"{CARD}/admit", "admit", actions.admit, methods=POST)
bp.add_url_rule(f"{CARD}/deny", "deny", actions.deny, methods=POST)
bp.add_url_rule(f"{CARD}/block", "block", actions.block, methods=POST)
bp.add_url_rule(f"{CARD}/phone", "rider_phone", actions.rider_phone, methods=POST)

# The barrier: 再次开闸, a card's barrier state, the phone's barriers (offline banner).
bp.add_url_rule(f"{CARD}/open", "reopen", barriers.reopen, methods=POST)
bp.add_url_rule(f"{CARD}/barrier", "barrier", barriers.barrier, methods=GET)
bp.add_url_rule("/guard/barriers", "barriers", barriers.barriers, methods=GET)

# Who is inside: 已离开, 在院内.
bp.add_url_rule(f"{CARD}/left", "left", exits.left, methods=POST)
bp.add_url_rule("/guard/inside", "inside", exits.riders_inside, methods=GET)

# Complaints: 投诉 from a card (tiles, note, confirm), the guard's own last 7 days.
bp.add_url_rule(f"{CARD}/complain", "complain", complaint_tiles.complain, methods=["GET", "POST"])
bp.add_url_rule("/guard/complaints", "my_complaints", complaint_tiles.my_complaints, methods=GET)
