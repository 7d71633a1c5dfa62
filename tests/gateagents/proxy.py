"""A TCP proxy between the agent and the server that can drop connections the way networks do.

`drop_response_to(b"/claim")` lets the next request whose first bytes contain the marker reach
the server, then cuts the connection the moment the server starts answering: the server did
the work, the agent never hears of it. `cut()` closes every open connection at once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlparse


class Proxy:
    """Forward 127.0.0.1:<port> to an upstream URL's host and port."""

    def __init__(self, upstream_url: str) -> None:
        parsed = urlparse(upstream_url)
        self.upstream = (parsed.hostname, parsed.port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._armed: list[bytes] = []
        #: Markers of the requests whose answers were dropped, in order.
        self.dropped: list[bytes] = []
        self._stopping = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def drop_response_to(self, marker: bytes) -> None:
        """Cut the connection of the next request containing `marker` once the server answers."""
        with self._lock:
            self._armed.append(marker)

    def cut(self) -> None:
        """Close every open connection."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, upstream in pairs:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def stop(self) -> None:
        """Stop accepting and close everything."""
        self._stopping = True
        with contextlib.suppress(OSError):
            self._listener.close()
        self.cut()

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            state = {"drop": None}
            threading.Thread(
                target=self._pump, args=(client, upstream, state, True), daemon=True
            ).start()
            threading.Thread(
                target=self._pump, args=(upstream, client, state, False), daemon=True
            ).start()

    def _pump(self, source, target, state, upstream_bound: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if upstream_bound:
                    with self._lock:
                        for marker in self._armed:
                            if marker in data:
                                self._armed.remove(marker)
                                state["drop"] = marker
                                break
                elif state["drop"] is not None:
                    self.dropped.append(state["drop"])
                    break  # the server answered: the agent never gets it
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
