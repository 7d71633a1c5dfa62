"""`python -m xgm.citysim` serves the simulator; `python -m xgm.citysim ctl ...` drives it."""

from __future__ import annotations

import os
import sys


def serve() -> None:
    """Run the simulator on 127.0.0.1:CITYSIM_PORT (default 5055), threaded, one process."""
    from xgm.citysim.app import create_sim_app

    app = create_sim_app()
    host = os.environ.get("CITYSIM_HOST", "127.0.0.1")
    port = int(os.environ.get("CITYSIM_PORT", "5055"))
    app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False)


def main(argv: list[str]) -> int:
    """Dispatch between serving and the control CLI."""
    if argv and argv[0] == "ctl":
        from xgm.citysim.ctl import main as ctl_main

        return ctl_main(argv[1:])
    if argv and argv[0] not in ("serve",):
        print("usage: python -m xgm.citysim [serve | ctl <command> ...]", file=sys.stderr)
        return 2
    serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
