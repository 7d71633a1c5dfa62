"""`make run`: the web app, the RQ worker and the city platform simulator, together, until Ctrl+C."""

import os
import signal
import subprocess
import sys
import time


def main() -> int:
    """Start the three processes, stop them all when one exits or on Ctrl+C."""
    port = os.environ.get("PORT", "5000")
    sim_port = os.environ.get("CITYSIM_PORT", "5055")
    env = dict(os.environ)
    env.setdefault("XGM_PUBLIC_URL", f"http://127.0.0.1:{port}")
    env.setdefault("XGM_CITY_URL", f"http://127.0.0.1:{sim_port}")
    py = sys.executable
    procs = {
        "citysim": subprocess.Popen(
            [py, "-m", "xgm.citysim"], env={**env, "CITYSIM_PORT": sim_port}
        ),
        "worker": subprocess.Popen([py, "worker.py"], env=env),
        "web": subprocess.Popen(
            [py, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            env=env,
        ),
    }
    print(
        f"xgm:  http://127.0.0.1:{port}   city simulator: http://127.0.0.1:{sim_port}", flush=True
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
