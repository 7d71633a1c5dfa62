"""The agent's side of xgm's agent API (see xgm/gateagents/api.py for the server's side)."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from xgm.gateagent import VERSION

CONNECT_TIMEOUT = 5.0
#: Time allowed on top of the long poll's own wait before the read counts as lost.
POLL_MARGIN = 15.0
REQUEST_TIMEOUT = 10.0


class ServerUnavailable(Exception):
    """xgm could not be reached or answered with a server error: retry after a pause."""


class Revoked(Exception):
    """xgm refused the credentials (revoked by a manager, or unknown): pair again."""


class PairingRefused(Exception):
    """xgm refused the pairing code; `reason` and the server's Chinese `message` say why."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


class Refused(Exception):
    """xgm refused a claim or report; `reason` is the server's (expired, claimed, ...)."""

    def __init__(self, status: int, reason: str, message: str):
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Command:
    """One command as a poll carried it."""

    id: str
    action: str
    expires_in: float
    #: True when the server says this agent already claimed it (its claim or report was lost).
    claimed: bool = False


def _error_of(response: requests.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    return str(error.get("reason") or ""), str(error.get("message") or response.reason or "")


class ServerClient:
    """Calls xgm for one agent; raises ServerUnavailable, Revoked or Refused."""

    def __init__(self, base_url: str, token: str | None = None, adapter: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.session = requests.Session()
        self.session.headers.update(
            {
                "User-Agent": f"xgm-gateagent/{VERSION}",
                "X-Agent-Version": VERSION,
                "X-Agent-Adapter": adapter,
                "Accept": "application/json",
            }
        )

    def close(self) -> None:
        """Close the HTTP connections."""
        self.session.close()

    def _call(self, method: str, path: str, timeout: tuple[float, float], **kwargs):
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.session.request(
                method, self.base_url + path, timeout=timeout, headers=headers, **kwargs
            )
        except requests.RequestException as exc:
            raise ServerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise ServerUnavailable(f"HTTP {response.status_code}")
        if response.status_code in (401, 403) and path != "/api/agent/pair":
            reason, message = _error_of(response)
            if response.status_code == 403:  # the company is suspended: wait, do not unpair
                raise ServerUnavailable(f"HTTP 403 {reason}: {message}")
            raise Revoked(message or reason)
        return response

    def pair(self, code: str, name: str, adapter: str) -> dict:
        """Exchange a pairing code for credentials; returns the server's answer (with token)."""
        response = self._call(
            "POST",
            "/api/agent/pair",
            (CONNECT_TIMEOUT, REQUEST_TIMEOUT),
            json={"code": code, "name": name, "version": VERSION, "adapter": adapter},
        )
        if response.status_code != 201:
            reason, message = _error_of(response)
            raise PairingRefused(reason or str(response.status_code), message)
        data = response.json()
        self.token = data["token"]
        return data

    def poll(self, wait: float) -> list[Command]:
        """Wait up to `wait` seconds for the gate's commands (the server answers sooner if any)."""
        response = self._call(
            "GET",
            "/api/agent/commands",
            (CONNECT_TIMEOUT, wait + POLL_MARGIN),
            params={"wait": f"{wait:g}"},
        )
        if response.status_code != 200:
            raise ServerUnavailable(f"HTTP {response.status_code}")
        try:
            items = response.json()["commands"]
            return [
                Command(
                    id=str(item["id"]),
                    action=str(item.get("action", "open")),
                    expires_in=float(item["expires_in"]),
                    claimed=bool(item.get("claimed")),
                )
                for item in items
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise ServerUnavailable(f"unreadable poll answer: {exc}") from exc

    def claim(self, command_id: str) -> float:
        """Claim a command; returns its remaining seconds. Refused when expired or taken."""
        response = self._call(
            "POST", f"/api/agent/commands/{command_id}/claim", (CONNECT_TIMEOUT, REQUEST_TIMEOUT)
        )
        if response.status_code != 200:
            reason, message = _error_of(response)
            raise Refused(response.status_code, reason, message)
        try:
            return float(response.json()["command"]["expires_in"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ServerUnavailable(f"unreadable claim answer: {exc}") from exc

    def report(self, command_id: str, outcome: str, answer: str) -> None:
        """Report a command's result (repeating a report the server already has is harmless)."""
        response = self._call(
            "POST",
            f"/api/agent/commands/{command_id}/result",
            (CONNECT_TIMEOUT, REQUEST_TIMEOUT),
            json={"outcome": outcome, "answer": answer[:500]},
        )
        if response.status_code != 200:
            reason, message = _error_of(response)
            raise Refused(response.status_code, reason, message)
