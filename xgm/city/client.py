"""HTTP client of the city platform: the only code that knows its URLs and headers."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode

import requests
from requests.adapters import HTTPAdapter

from xgm.city.errors import (
    BadSignature,
    CityError,
    CityRateLimited,
    CityUnavailable,
    ComplaintClosed,
    ComplaintRejected,
    InvalidClient,
    InvalidGrant,
    UnknownComplaint,
    UnknownRider,
)
from xgm.city.records import ComplaintReceipt, ReminderReceipt, RiderCard, TokenResult
from xgm.city.signing import signed_headers
from xgm.observability import metrics
from xgm.observability.requestid import HEADER as REQUEST_ID_HEADER
from xgm.observability.requestid import current_request_id

JSON_TYPE = "application/json; charset=utf-8"
FORM_TYPE = "application/x-www-form-urlencoded"
POOL_SIZE = 32
CODE_EXCHANGE_PATH = "/oauth/token"


class CityClient:
    """Signed, timed calls to the city platform, answering values or typed CityErrors."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        secret: str,
        connect_timeout: float = 2.0,
        read_timeout: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._secret = secret
        self.timeout = (float(connect_timeout), float(read_timeout))
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            _environment_once(session, self.base_url)
        self.session = session

    def __repr__(self) -> str:
        return f"<CityClient {self.base_url} client_id={self.client_id!r}>"

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def __enter__(self) -> CityClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- OAuth (section 2) ------------------------------------------------

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """Return the city's sign-in URL to redirect the rider's browser to."""
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "state": state,
            }
        )
        return f"{self.base_url}/oauth/authorize?{query}"

    def check_signin_page(self) -> None:
        """Load the sign-in page as a rider's browser would (no parameters: the city answers
        with its error page); CityUnavailable when it does not load (refused, 5xx, timeout)."""
        try:
            response = self.session.get(
                f"{self.base_url}/oauth/authorize", timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            raise CityUnavailable(f"city sign-in page unreachable: {exc}") from exc
        response.close()
        if response.status_code >= 500:
            raise CityUnavailable(
                f"city sign-in page answered {response.status_code}", status=response.status_code
            )

    def exchange_code(self, code: str, redirect_uri: str) -> TokenResult:
        """Trade an authorization code for the signed-in rider; InvalidGrant if refused."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.client_id,
            "client_secret": self._secret,
        }
        body = urlencode(form).encode("ascii")
        response = self._send("POST", CODE_EXCHANGE_PATH, body, FORM_TYPE, name="oauth_token")
        if response.status_code == 400:
            raise InvalidGrant(_oauth_error(response) or "invalid_grant", status=400)
        if response.status_code == 401:
            raise InvalidClient(_oauth_error(response) or "invalid_client", status=401)
        data = self._expect_json(response, (200,))
        try:
            return TokenResult(
                access_token=str(data["access_token"]),
                token_type=str(data.get("token_type", "Bearer")),
                expires_in=int(data.get("expires_in", 0)),
                rider_code=_require_str(data, "rider_code"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CityUnavailable(f"malformed token answer: {exc}", status=200) from exc

    # -- riders (section 3) -----------------------------------------------

    def get_rider(self, rider_code: str) -> RiderCard:
        """Return the city's current card for a rider; UnknownRider on 404."""
        response = self._send(
            "GET", f"/api/v1/riders/{quote(rider_code, safe='')}", name="get_rider"
        )
        if response.status_code == 404:
            raise UnknownRider(f"unknown rider {rider_code}", status=404)
        data = self._expect_json(response, (200,))
        try:
            return RiderCard.from_api(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise CityUnavailable(f"malformed rider answer: {exc!r}", status=200) from exc

    # -- complaints (section 4) -------------------------------------------

    def post_complaint(self, payload: Mapping[str, Any], idempotency_key: str) -> ComplaintReceipt:
        """File a complaint once per idempotency key; 200 replays give first_receipt=False."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        response = self._send(
            "POST",
            "/api/v1/complaints",
            body,
            JSON_TYPE,
            {"Idempotency-Key": idempotency_key},
            name="post_complaint",
        )
        if response.status_code == 400:
            message, fields = _complaint_error(response)
            raise ComplaintRejected(message, fields, status=400)
        if response.status_code == 404:
            raise UnknownRider(_error_message(response) or "unknown rider", status=404)
        data = self._expect_json(response, (200, 201))
        try:
            return ComplaintReceipt(
                complaint_id=_require_str(data, "complaint_id"),
                status=_require_str(data, "status"),
                first_receipt=response.status_code == 201,
            )
        except (KeyError, TypeError) as exc:
            raise CityUnavailable(f"malformed complaint answer: {exc!r}", status=200) from exc

    def get_complaint(self, complaint_id: str) -> dict[str, Any]:
        """Return the city's view of a complaint (status and history); UnknownComplaint on 404."""
        response = self._send(
            "GET", f"/api/v1/complaints/{quote(complaint_id, safe='')}", name="get_complaint"
        )
        if response.status_code == 404:
            raise UnknownComplaint(f"unknown complaint {complaint_id}", status=404)
        data = self._expect_json(response, (200,))
        if not isinstance(data.get("status"), str) or not isinstance(data.get("history"), list):
            raise CityUnavailable("malformed complaint answer", status=200)
        return data

    # -- reminders (section 7) -------------------------------------------

    def post_reminder(
        self, complaint_id: str, note: str, at: str, idempotency_key: str
    ) -> ReminderReceipt:
        """Chase (催办) a complaint once per idempotency key; ComplaintClosed on 409."""
        body = json.dumps({"note": note, "at": at}, ensure_ascii=False, separators=(",", ":"))
        response = self._send(
            "POST",
            f"/api/v1/complaints/{quote(complaint_id, safe='')}/reminders",
            body.encode("utf-8"),
            JSON_TYPE,
            {"Idempotency-Key": idempotency_key},
        )
        if response.status_code == 404:
            raise UnknownComplaint(_error_message(response) or "unknown complaint", status=404)
        if response.status_code == 409:
            raise ComplaintClosed(_error_message(response) or "complaint closed", status=409)
        if response.status_code == 400:
            message, fields = _complaint_error(response)
            raise ComplaintRejected(message, fields, status=400)
        data = self._expect_json(response, (200, 201))
        try:
            count = data["reminders"]
            if not isinstance(count, int) or isinstance(count, bool):
                raise TypeError("reminders")
            return ReminderReceipt(
                complaint_id=_require_str(data, "complaint_id"),
                reminders=count,
                first_receipt=response.status_code == 201,
            )
        except (KeyError, TypeError) as exc:
            raise CityUnavailable(f"malformed reminder answer: {exc!r}", status=200) from exc

    # -- transport --------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        content_type: str | None = None,
        extra: Mapping[str, str] | None = None,
        name: str = "other",
    ) -> requests.Response:
        """Send one signed request; map transport failures and shared statuses to errors.

        The request id of the work in hand goes along as `X-Request-ID`; each call is counted
        and timed by `name` (never by its path, which may hold a rider code).
        """
        headers = signed_headers(self.client_id, self._secret, method, path, body)
        headers["Accept"] = "application/json"
        request_id = current_request_id()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        if content_type:
            headers["Content-Type"] = content_type
        if extra:
            headers.update(extra)
        started = time.perf_counter()
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                data=body or None,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            metrics.record_city_call(name, "timeout", time.perf_counter() - started)
            raise CityUnavailable(f"city platform timed out: {exc}") from exc
        except requests.RequestException as exc:
            metrics.record_city_call(name, "unreachable", time.perf_counter() - started)
            raise CityUnavailable(f"city platform unreachable: {exc}") from exc
        status = response.status_code
        metrics.record_city_call(name, str(status), time.perf_counter() - started)
        if status == 429:
            raise CityRateLimited(
                "city platform rate limit", retry_after=_retry_after(response.headers)
            )
        if status >= 500 or status == 408:
            raise CityUnavailable(f"city platform answered {status}", status=status)
        if status == 401 and path != CODE_EXCHANGE_PATH:
            raise BadSignature(_error_message(response) or "refused by the city", status=401)
        return response

    @staticmethod
    def _expect_json(response: requests.Response, ok: tuple[int, ...]) -> dict[str, Any]:
        """Return the JSON object of an expected answer; anything else is a CityError."""
        status = response.status_code
        if status not in ok:
            raise CityError(f"unexpected answer {status} from the city platform", status=status)
        try:
            data = response.json()
        except ValueError as exc:
            raise CityUnavailable("city platform answered invalid JSON", status=status) from exc
        if not isinstance(data, dict):
            raise CityUnavailable("city platform answered a non-object", status=status)
        return data


def _environment_once(session: requests.Session, base_url: str) -> None:
    """Read the proxy and CA bundle settings from the environment now, not on every request.

    With `trust_env` (requests' default) every call re-reads os.environ for proxies, NO_PROXY
    and the CA bundle, and ~/.netrc: about 8% of a complaint delivery's CPU in the worker. The
    same settings are taken once here, by requests itself: HTTP(S)_PROXY / ALL_PROXY unless
    NO_PROXY covers the city's host, REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE. ~/.netrc is no
    longer consulted (the city authenticates our signature headers, never a password).
    Changing these variables takes effect when the process (web or worker) restarts.
    """
    found = session.merge_environment_settings(base_url, {}, None, None, None)
    session.proxies.update(found["proxies"])
    session.verify = found["verify"]
    session.trust_env = False


def client_from_config(config: Mapping[str, Any]) -> CityClient:
    """Build a CityClient from XGM_CITY_URL, XGM_CITY_CLIENT_ID, XGM_CITY_SECRET (+ timeouts)."""
    missing = [
        key
        for key in ("XGM_CITY_URL", "XGM_CITY_CLIENT_ID", "XGM_CITY_SECRET")
        if not config.get(key)
    ]
    if missing:
        raise ValueError("city platform not configured: missing " + ", ".join(missing))
    return CityClient(
        config["XGM_CITY_URL"],
        config["XGM_CITY_CLIENT_ID"],
        config["XGM_CITY_SECRET"],
        connect_timeout=float(config.get("XGM_CITY_CONNECT_TIMEOUT") or 2.0),
        read_timeout=float(config.get("XGM_CITY_READ_TIMEOUT") or 5.0),
    )


def _require_str(data: Mapping[str, Any], key: str) -> str:
    """Return data[key] when it is a non-empty string, else raise KeyError."""
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise KeyError(key)
    return value


def _json_or_empty(response: requests.Response) -> dict[str, Any]:
    """Return the JSON object of an error answer, or {} when it has none."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _oauth_error(response: requests.Response) -> str:
    """Return the OAuth `error` code of an answer, '' if absent."""
    error = _json_or_empty(response).get("error")
    return error if isinstance(error, str) else ""


def _error_message(response: requests.Response) -> str:
    """Return error.message of a contract error answer, '' if absent."""
    error = _json_or_empty(response).get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    return ""


def _complaint_error(response: requests.Response) -> tuple[str, dict[str, str]]:
    """Return (message, fields) of a 400 complaint answer."""
    error = _json_or_empty(response).get("error")
    if not isinstance(error, dict):
        return "complaint refused by the city platform", {}
    fields = error.get("fields")
    clean = {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {}
    message = error.get("message")
    return (message if isinstance(message, str) and message else "complaint refused"), clean


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Parse Retry-After (delta seconds or HTTP date) into seconds from now."""
    raw = (headers.get("Retry-After") or "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())
