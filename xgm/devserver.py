"""`make run`: the web app, the RQ worker and the city platform simulator, together, until Ctrl+C.

Ctrl+C must end the run cleanly, with no "make: *** ... Interrupt" or "Error 1": the terminal
sends SIGINT to its whole foreground process group, which is make and everything under it. So
this process takes the terminal's foreground for its own process group while it runs (as a
shell does for a job) and gives it back to make before exiting, and its three children run in
sessions of their own: only this process sees Ctrl+C, stops the children with SIGTERM and
exits 0.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time


def _take_terminal():
    """Make our process group the terminal's foreground one; returns how to undo it (or None)."""
    try:
        fd = sys.stdin.fileno()
        if not os.isatty(fd):
            return None
        before = os.tcgetpgrp(fd)
        os.setpgid(0, 0)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # tcsetpgrp from a background group
        os.tcsetpgrp(fd, os.getpgrp())
    except (OSError, ValueError):
        return None
    return fd, before


def _give_back(taken) -> None:
    """Hand the terminal's foreground back to the process group we took it from (make's)."""
    if taken is None:
        return
    fd, before = taken
    with contextlib.suppress(OSError):  # the terminal is gone (closed window): nothing to restore
        os.tcsetpgrp(fd, before)


def main() -> int:
    """Start the three processes, stop them all when one exits or on Ctrl+C."""
    taken = _take_terminal()
    try:
        return _run()
    finally:
        _give_back(taken)


def _run() -> int:
    """The three processes until one exits or Ctrl+C."""
    port = os.environ.get("PORT", "5000")
    sim_port = os.environ.get("CITYSIM_PORT", "5055")
    env = dict(os.environ)
    env.setdefault("XGM_PUBLIC_URL", f"http://127.0.0.1:{port}")
    env.setdefault("XGM_CITY_URL", f"http://127.0.0.1:{sim_port}")
    py = sys.executable
    procs = {
        "citysim": subprocess.Popen(
            [py, "-m", "xgm.citysim"],
            env={**env, "CITYSIM_PORT": sim_port},
            start_new_session=True,
        ),
        "worker": subprocess.Popen([py, "worker.py"], env=env, start_new_session=True),
        "web": subprocess.Popen(
            [py, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            env=env,
            start_new_session=True,
        ),
    }
    print(
        f"xgm:  http://127.0.0.1:{port}   city simulator: http://127.0.0.1:{sim_port}"
        "   (Ctrl+C stops everything)",
        flush=True,
    )

    def stop(*_):
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.time() + 10
        for proc in procs.values():
            try:
                proc.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        while True:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping", flush=True)
                    stop()
                    return proc.returncode or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        stop()
        return 0


if __name__ == "__main__":
    sys.exit(main())
