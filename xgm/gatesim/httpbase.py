"""A threaded HTTP server on 127.0.0.1 for the device simulators, started and stopped by tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that does not print every request, with a helper to answer."""

    protocol_version = "HTTP/1.1"
    #: The simulator that owns the server (set by SimServer).
    sim = None

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        return

    def read_body(self) -> bytes:
        """The request body (Content-Length bytes)."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        """Send a complete response."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class SimServer:
    """Serve a handler class in a background thread; `url` once started."""

    def __init__(self, handler: type[QuietHandler], port: int = 0, host: str = "127.0.0.1"):
        self.handler = type(handler.__name__, (handler,), {"sim": self})
        self.host = host
        self.port = port
        self.httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The simulator's base URL."""
        return f"http://{self.host}:{self.port}"

    def start(self):
        """Listen and serve in a daemon thread; returns self."""
        self.httpd = ThreadingHTTPServer((self.host, self.port), self.handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
