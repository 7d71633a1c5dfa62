"""The guard phones' open streams and the probe scans of the scan benchmark (scan-to-card)."""

from __future__ import annotations

import http.client
import json
import threading
import time


class Listeners:
    """One thread per guard phone holding /guard/stream open; records when probe cards arrive."""

    def __init__(self, host: str, port: int, cookies: list[str], marker: bytes) -> None:
        self.host, self.port = host, port
        self.cookies = cookies
        self.marker = marker
        #: (rider code, gate id) -> monotonic time the first phone showed its pending card.
        self.seen: dict[tuple[str, int], float] = {}
        self.events = 0
        self.open = 0
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._all_open = threading.Event()

    def start(self, timeout: float = 60.0) -> None:
        """Open every stream; return once all of them answered."""
        for cookie in self.cookies:
            threading.Thread(target=self._listen, args=(cookie,), daemon=True).start()
        if not self._all_open.wait(timeout):
            raise RuntimeError(f"only {self.open} of {len(self.cookies)} streams opened")

    def _listen(self, cookie: str) -> None:
        last_id = None
        while True:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            headers = {"Cookie": cookie, "Accept": "text/event-stream"}
            if last_id:
                headers["Last-Event-ID"] = last_id
            try:
                conn.request("GET", "/guard/stream", headers=headers)
                response = conn.getresponse()
                if response.status != 200:
                    raise RuntimeError(f"stream answered {response.status}")
                if last_id is None:
                    with self._lock:
                        self.open += 1
                        if self.open == len(self.cookies):
                            self._all_open.set()
                while line := response.readline():
                    if line.startswith(b"id: "):
                        last_id = line[4:].strip().decode()
                    elif line.startswith(b'data: {"id"'):
                        self._card(line)
            except (OSError, RuntimeError, http.client.HTTPException) as exc:
                with self._lock:
                    self.failures.append(str(exc))
                time.sleep(0.5)
            finally:
                conn.close()

    def _card(self, line: bytes) -> None:
        now = time.monotonic()
        with self._lock:
            self.events += 1
        if self.marker not in line:
            return
        card = json.loads(line[6:])
        if card.get("outcome") != "pending":
            return
        key = (card["rider"]["rider_code"], card["gate"]["id"])
        with self._lock:
            self.seen.setdefault(key, now)


def probe(host: str, port: int, plan: list[tuple[str, int, str, str]], rate: float, seconds: float):
    """Scan at `rate` per second from probe riders; [(key, sent monotonic, scan seconds)]."""
    sent = []
    conn = http.client.HTTPConnection(host, port, timeout=30)
    start = time.monotonic()
    for n, (token, gate_id, rider_code, cookie) in enumerate(plan):
        due = start + n / rate
        if due - start > seconds:
            break
        time.sleep(max(0.0, due - time.monotonic()))
        t0 = time.monotonic()
        conn.request("GET", f"/g/{token}", headers={"Cookie": f"xgm_rider={cookie}"})
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            sent.append(((rider_code, gate_id), t0, time.monotonic() - t0))
    conn.close()
    return sent
