"""Command line for the simulator's /_sim controls: `python -m xgm.citysim ctl <command>`."""

from __future__ import annotations

import argparse
import json
from typing import Any

import requests


def _default_url() -> str:
    """Return the simulator URL from XGM_CITY_URL or CITYSIM_PORT."""
    from xgm.citysim.app import PROCESS_DEFAULTS, settings_from_env

    process = {**PROCESS_DEFAULTS, **settings_from_env(defaults=PROCESS_DEFAULTS)}
    return process["XGM_CITY_URL"] or f"http://127.0.0.1:{process['CITYSIM_PORT']}"


def _parser() -> argparse.ArgumentParser:
    """Build the argument parser of every control command."""
    parser = argparse.ArgumentParser(prog="python -m xgm.citysim ctl")
    parser.add_argument("--url", default=None, help="simulator base URL")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("state", help="show counters")
    sub.add_parser("complaints", help="list received complaints")
    sub.add_parser("webhooks", help="list webhook deliveries")
    sub.add_parser("riders", help="list riders")
    sub.add_parser("reset", help="back to the seed state")
    down = sub.add_parser("down", help="take the city API down or bring it back")
    down.add_argument("switch", choices=["on", "off"])
    fail = sub.add_parser("fail", help="make the next N complaint posts fail")
    fail.add_argument("mode", choices=["503", "429", "timeout", "mix", "none"])
    fail.add_argument("--count", type=int, default=1)
    fail.add_argument("--retry-after", type=float, default=1.0)
    fail.add_argument("--delay", type=float, default=8.0)
    fail.add_argument("--p503", type=float, default=0.0)
    fail.add_argument("--p429", type=float, default=0.0)
    fail.add_argument("--ptimeout", type=float, default=0.0)
    fail.add_argument("--seed", type=int, default=None)
    fail.add_argument("--target", choices=["complaints", "reminders"], default="complaints")
    status = sub.add_parser("status", help="change a rider's status (sends a webhook)")
    status.add_argument("rider_code")
    status.add_argument("status", choices=["active", "suspended", "revoked"])
    status.add_argument("--valid-until", default=None)
    advance = sub.add_parser("advance", help="move a complaint on (sends a webhook)")
    advance.add_argument("complaint_id")
    advance.add_argument("status", choices=["forwarded", "investigating", "resolved", "rejected"])
    advance.add_argument("--note", default=None)
    reply = sub.add_parser("reply", help="forward a rider's reply (sends a webhook)")
    reply.add_argument("complaint_id")
    reply.add_argument("text")
    resend = sub.add_parser("resend", help="deliver a webhook event again")
    resend.add_argument("event_id")
    bulk = sub.add_parser("bulk", help="create N active riders with deterministic codes")
    bulk.add_argument("count", type=int)
    bulk.add_argument("--prefix", default="XGMSIM")
    bulk.add_argument("--start", type=int, default=1)
    return parser


def _request(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    """Return (method, path, json body) for the parsed command."""
    command = args.command
    if command in ("state", "complaints", "webhooks", "riders"):
        return "GET", f"/_sim/{command}", None
    if command == "reset":
        return "POST", "/_sim/reset", {}
    if command == "down":
        return "POST", "/_sim/down", {"down": args.switch == "on"}
    if command == "fail":
        body = {
            "mode": args.mode,
            "count": args.count,
            "retry_after": args.retry_after,
            "delay": args.delay,
            "p503": args.p503,
            "p429": args.p429,
            "ptimeout": args.ptimeout,
            "seed": args.seed,
            "target": args.target,
        }
        return "POST", "/_sim/fail", body
    if command == "status":
        body = {"status": args.status}
        if args.valid_until:
            body["valid_until"] = args.valid_until
        return "POST", f"/_sim/riders/{args.rider_code}/status", body
    if command == "advance":
        body = {"status": args.status}
        if args.note:
            body["note"] = args.note
        return "POST", f"/_sim/complaints/{args.complaint_id}/advance", body
    if command == "reply":
        return "POST", f"/_sim/complaints/{args.complaint_id}/reply", {"reply": args.text}
    if command == "resend":
        return "POST", f"/_sim/webhooks/{args.event_id}/resend", {}
    return "POST", "/_sim/riders", {"count": args.count, "prefix": args.prefix, "start": args.start}


def main(argv: list[str]) -> int:
    """Run one control command and print the simulator's JSON answer."""
    args = _parser().parse_args(argv)
    method, path, body = _request(args)
    url = (args.url or _default_url()).rstrip("/") + path
    try:
        response = requests.request(method, url, json=body, timeout=(2, 30))
    except requests.RequestException as exc:
        print(f"simulator unreachable at {url}: {exc}")
        return 1
    try:
        print(json.dumps(response.json(), ensure_ascii=False, indent=2))
    except ValueError:
        print(response.text)
    return 0 if response.ok else 1
