"""`python -m xgm.citysim` serves the simulator; `python -m xgm.citysim ctl ...` drives it."""

from __future__ import annotations

import sys


def serve() -> None:
    """Run the simulator on 127.0.0.1:CITYSIM_PORT (default 5055), threaded, one process."""
    from xgm.citysim.app import PROCESS_DEFAULTS, create_sim_app, settings_from_env

    app = create_sim_app()
    process = {**PROCESS_DEFAULTS, **settings_from_env(defaults=PROCESS_DEFAULTS)}
    host, port = process["CITYSIM_HOST"], process["CITYSIM_PORT"]
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
