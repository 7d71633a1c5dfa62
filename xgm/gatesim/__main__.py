"""Run one device simulator by hand, e.g. to try the agent against it during development.

python -m xgm.gatesim hikvision [--port 8091] [--username admin] [--password Hik12345]
python -m xgm.gatesim relay [--port 8092] [--secret S]
python -m xgm.gatesim serial          # prints the pty path to pass as --port
"""

import argparse
import time

from xgm.gatesim.hikvision import HikvisionSim
from xgm.gatesim.relay import RelaySim
from xgm.gatesim.serialboard import SerialBoardSim


def main() -> None:
    """Start the chosen simulator and print what it does until Ctrl+C."""
    parser = argparse.ArgumentParser(prog="python -m xgm.gatesim")
    sub = parser.add_subparsers(dest="device", required=True)
    hik = sub.add_parser("hikvision")
    hik.add_argument("--port", type=int, default=8091)
    hik.add_argument("--username", default="admin")
    hik.add_argument("--password", default="Hik12345")
    relay = sub.add_parser("relay")
    relay.add_argument("--port", type=int, default=8092)
    relay.add_argument("--secret", default="relay-secret-for-tests")
    sub.add_parser("serial")
    args = parser.parse_args()
    if args.device == "hikvision":
        sim = HikvisionSim(username=args.username, password=args.password).start(args.port)
        print(f"Hikvision ISAPI simulator on {sim.url} (user {args.username})", flush=True)
        events = sim.opens
    elif args.device == "relay":
        sim = RelaySim(secret=args.secret).start(args.port)
        print(f"HTTP relay simulator on {sim.url}", flush=True)
        events = sim.pulses
    else:
        sim = SerialBoardSim().start()
        print(f"LCUS relay board simulator on {sim.port}", flush=True)
        events = sim.switches
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            for event in events[seen:]:
                print(event, flush=True)
            seen = len(events)
    except KeyboardInterrupt:
        sim.stop()


if __name__ == "__main__":
    main()
