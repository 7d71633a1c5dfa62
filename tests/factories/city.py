"""Helpers of the tests against a REAL simulator process: receiver, ports, controls."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from xgm.citysim.process import free_port

#: xgm's integrator id and secret at every simulator of the tests, and xgm's public URL.
CLIENT_ID = "xgm-test"
SECRET = "sim-test-secret"
PUBLIC_URL = "http://xgm.test"
REDIRECT_URI = PUBLIC_URL + "/rider/callback"
#: The simulator process gives up on a webhook after this many tries in these tests.
WEBHOOK_MAX_ATTEMPTS = 4


class Receiver:
    """A stand-in for xgm's /hooks/city: records requests, answers queued statuses."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.body = b'{"ok": true}'
        self.cond = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self):
        """Return the request handler class bound to this receiver."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.cond:
                    receiver.requests.append(
                        {
                            "method": self.command,
                            "path": self.path,
                            "headers": dict(self.headers.items()),
                            "body": body,
                        }
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        return Handler

    def clear(self) -> None:
        """Forget recorded requests and queued statuses."""
        with self.cond:
            self.requests.clear()
            self.statuses.clear()
            self.body = b'{"ok": true}'

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        """Wait until `count` requests arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return list(self.requests)


def control(sim_url: str, method: str, path: str, json=None) -> dict:
    """Call one of the simulator's /_sim controls and return its JSON answer."""
    response = requests.request(method, sim_url + path, json=json, timeout=5)
    response.raise_for_status()
    return response.json()


__all__ = [
    "CLIENT_ID",
    "PUBLIC_URL",
    "REDIRECT_URI",
    "SECRET",
    "WEBHOOK_MAX_ATTEMPTS",
    "Receiver",
    "control",
    "free_port",
]
