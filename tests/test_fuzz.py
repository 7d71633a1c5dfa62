"""The fuzz sweep: every URL rule, every form field, every kind of principal, hostile values; no 5xx.

It walks the app's URL map (so a route added later is covered without editing this file) as
each principal of tests/factories (anonymous, owner, manager, guard on its phone, observer,
operator), sending the field names of every form class of the app and every query argument the
code reads (found in its source) with hostile values: NUL, 10,000 characters, lone surrogates,
RTL and zero-width characters, 2^63, -1, 0001-01-01, 9999-12-31, HTML, =HYPERLINK(...), and
Hypothesis' own text. Two passes:

1. A deterministic sweep: for every rule x method x principal, a plain request, one where
   every path argument, query argument and form field holds a value beyond the input limits
   (NUL, huge numbers, far dates; caught before any view's own code), and, when the principal
   may use the page, one where valid-looking values reach the view's own validators with a
   rotating window of hostile ones that pass the limits (HTML, RTL, 10,000 characters, -1,
   2024-02-30...). POSTs also get hostile JSON bodies. Values cycle through the corpus, so
   every rule meets every kind of value over the sweep.
2. Hypothesis, derandomized (a fixed seed, no example database: CI sends the same requests
   every run), drawing principals, rules and values for a bounded number of further requests.

The app runs with XGM_RERAISE off, so a 500 is a response (its traceback is collected from the
error log for the failure message), with the city platform unreachable, so no outcome depends
on a simulator, and with an RQ worker registered on every queue (as under `make run`: pages
that refuse with a 503 when no worker listens are tested elsewhere). A request that signs a principal in as someone else (a valid sign-in
form) is undone, so every principal stays who it is through the sweep.
"""

import importlib
import itertools
import json
import logging
import pkgutil
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

import xgm
from tests.conftest import CSRF_RE
from tests.factories import PASSWORD, build_principals, make_uscc
from xgm.city.signing import signed_headers
from xgm.inputs.forms import Form
from xgm.queues.worker import make_worker
from xgm.reporting.periods import local_now

#: Values beyond the input limits: every one must be refused before a view's own code.
LIMITS = [
    "\x00",
    "甲\x00乙",
    "\ud800",
    "a\udfffb",
    str(2**63),
    str(2**31),
    "9" * 40,
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "1999-12-31",
]
#: Hostile values that pass the limits: the views' own validators and pages must take them.
DEEP = [
    "x" * 10_000,
    "\u202e\u200b\u200f\u2066مرحبا\u2069",
    "\ufeff\u200d",
    "-1",
    "0",
    "2147483647",
    "-2147483648",
    "1e309",
    "NaN",
    "2024-02-30",
    "2000-01-01",
    "2099-12-31",
    "2099-12-31T23:59",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example","点我")',
    "{{7*7}}",
    "'; DROP TABLE tenant; --",
    "../../etc/passwd",
    "//evil.example",
    "%00",
    "\r\n\t",
    " ",
    "",
    "١٢٣",
    "１２３４５６",
    "true",
]
CORPUS = LIMITS + DEEP
#: <int:...> path arguments must be digits to route at all: edges and beyond the range.
INT_VALUES = ["0", "2147483647", "2147483648", str(2**63), "9" * 40]
JSON_BODIES = [
    {"event_id": "\x00", "event": ["x"], "reference": {"$ne": 1}, "complaint_id": 12},
    json.loads("[" * 40 + "]" * 40),
    "x" * 10_000,
    None,
    {"reason": "\ud800", "block": True, "block_days": 2**63, "category": None, "pin": [1, [2]]},
]
PRINCIPALS = ("anonymous", "owner", "manager", "guard", "observer", "operator")
ARG_NAME_RE = re.compile(
    r"""(?:args|values|form)\.get\(\s*["']([A-Za-z_]+)["']"""
    r"""|(?:query_id|_arg)\(\s*["']([A-Za-z_]+)["']"""
)
#: Read through helpers that take the whole request.args (report periods, paging, i18n).
HELPER_ARGS = ("period", "from", "to", "page", "next", "lang")
SIGN_IN_PATHS = ("/login", "/guard/signin", "/device/enroll", "/ops/login")
#: Hostile fields per "deep" request (the rest of the form holds valid-looking values).
WINDOW = 4
HYPOTHESIS_EXAMPLES = 150


def _form_field_names() -> list[str]:
    for info in pkgutil.walk_packages(xgm.__path__, "xgm."):
        if not info.name.startswith("xgm.citysim") and not info.name.endswith(".__main__"):
            importlib.import_module(info.name)
    names, todo = set(), [Form]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names.update(n for n in dir(cls) if isinstance(getattr(cls, n, None), UnboundField))
    return sorted(names)


def _query_names() -> list[str]:
    names = set(HELPER_ARGS)
    for path in Path(xgm.__file__).parent.rglob("*.py"):
        if "citysim" not in path.parts:
            for match in ARG_NAME_RE.finditer(path.read_text(encoding="utf-8")):
                names.add(match.group(1) or match.group(2))
    return sorted(names)


def _valid_values(values: dict) -> dict[str, str]:
    """Valid-looking values by field or argument name (unknown names get "1")."""
    now = local_now().replace(tzinfo=None) - timedelta(minutes=5)
    return {
        "address": "杭州市桐庐县迎春南路 88 号",
        "area": "桐君街道",
        "arrival_id": str(values["arrival_id"]),
        "block": "y",
        "block_days": "7",
        "buildings": "1幢\n2幢",
        "category": "rude_behaviour",
        "code": "ABCDEFGH",
        "community": "滨江社区",
        "company_name": "模糊测试物业有限公司",
        "compound": str(values["compound_id"]),
        "compound_id": str(values["compound_id"]),
        "confirm": "new",
        "contact_name": "李四",
        "current_password": PASSWORD,
        "date_from": "2024-05-01",
        "date_to": "2024-05-31",
        "day": "2024-05-01",
        "description": "与门卫发生言语冲突",
        "district": "桐庐县",
        "email": "fuzz@example.com",
        "employee_no": "A01",
        "ends_on": "2099-12-31",
        "first_day": "2024-05-01",
        "from": "2024-05-01",
        "gate": str(values["gate_id"]),
        "gate_id": str(values["gate_id"]),
        "guard_id": str(values["guard_id"]),
        "hotline": "0571-64600000",
        "kind": "arrivals",
        "last_day": "2024-05-31",
        "level": "street",
        "name": "测试",
        "occurred_at": now.strftime("%Y-%m-%dT%H:%M"),
        "page": "2",
        "password": "fuzz-password-2024",
        "password_confirm": "fuzz-password-2024",
        "period": "custom",
        "phone": "13800001234",
        "pin": "860731",
        "platform": "美团",
        "reason": "多次逆行",
        "retention_days": "180",
        "audit_retention_days": "365",
        "rider": "XGM330122000123",
        "rider_code": "XGM330122000123",
        "shift_hours": "12",
        "size": "A4",
        "street": "桐君街道",
        "tenant": str(values["tid"]),
        "to": "2024-05-31",
        "uscc": make_uscc(),
    }


def _q(value: str) -> str:
    """Percent-encode as a browser would, lone surrogates included (as their UTF-8 bytes)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _encode(pairs: dict) -> str:
    return "&".join(f"{_q(k)}={_q(v)}" for k, v in pairs.items())


def _header(value: str) -> str:
    """A header value the HTTP client can send: latin-1, one line."""
    text = value.encode("utf-8", "surrogatepass").decode("latin-1")
    return re.sub(r"[\x00\r\n]", "", text)[:2000]


def _path(rule, values: dict) -> str:
    path = rule.rule
    for argument in rule.arguments:
        pattern = r"<(?:[a-z]+(?:\([^)]*\))?:)?" + argument + ">"
        path = re.sub(pattern, lambda _m, a=argument: _q(str(values[a])), path)
    return path


def _int_args(rule) -> set[str]:
    return {n for n, c in rule._converters.items() if c.__class__.__name__ == "IdConverter"}


def _csrf(client) -> str:
    for path in ("/", "/guard", "/oversight", "/ops", "/login", "/device/enroll"):
        match = CSRF_RE.search(client.get(path).get_data(as_text=True))
        if match:
            return match.group(1)
    return ""


def _reached(response) -> bool:
    """The principal got past the page's sign-in and role checks."""
    if response.status_code in (401, 403):
        return False
    location = response.headers.get("Location", "")
    return not (300 <= response.status_code < 400 and location.startswith(SIGN_IN_PATHS))


class Fuzzer:
    """Sends requests as the principals and records every 5xx with the server's traceback."""

    def __init__(self, app, principals):
        self.app = app
        self.clients = principals.clients
        self.tokens = {kind: _csrf(client) for kind, client in self.clients.items()}
        self.identity = {kind: self._user_id(kind) for kind in self.clients}
        self.failures: list[str] = []
        self.sent = 0
        self.addresses = itertools.count(1)
        self.tracebacks: list[str] = []
        self._handler = logging.Handler()
        self._handler.emit = lambda record: self.tracebacks.append(
            logging.Formatter().format(record)
        )
        logging.getLogger("xgm.errors").addHandler(self._handler)

    def close(self) -> None:
        """Stop collecting tracebacks."""
        logging.getLogger("xgm.errors").removeHandler(self._handler)

    def _user_id(self, kind: str):
        with self.clients[kind].session_transaction() as session:
            return session.get("_user_id")

    def _stay(self, kind: str) -> None:
        """Undo a sign-in as someone else (the principal's own session row is still live)."""
        with self.clients[kind].session_transaction() as session:
            if session.get("_user_id") != self.identity[kind]:
                session.pop("_user_id", None)
                if self.identity[kind] is not None:
                    session["_user_id"] = self.identity[kind]

    def send(self, kind, method, path, query=None, form=None, body=None, headers=None):
        """One request as `kind` (from an address of its own); a 5xx is recorded."""
        n = next(self.addresses)
        url = path + ("?" + _encode(query) if query else "")
        all_headers = {"X-CSRFToken": self.tokens[kind], **(headers or {})}
        kwargs = {
            "method": method,
            "headers": all_headers,
            "environ_base": {"REMOTE_ADDR": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"},
        }
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
            kwargs.update(data=data, content_type="application/json")
            config = self.app.config
            all_headers.update(
                signed_headers(
                    config["XGM_CITY_CLIENT_ID"], config["XGM_CITY_SECRET"], method, url, data
                )
            )
        elif form is not None and method != "GET":
            payload = _encode({**form, "csrf_token": self.tokens[kind]})
            kwargs.update(data=payload, content_type="application/x-www-form-urlencoded")
        before = len(self.tracebacks)
        response = self.clients[kind].open(url, buffered=False, **kwargs)
        try:
            if response.mimetype != "text/event-stream":  # a live stream is not read
                response.get_data()
        finally:
            response.close()
        self.sent += 1
        if response.status_code >= 500:
            sent = {k: v[:30] for k, v in (query or form or {}).items() if k != "csrf_token"}
            self.failures.append(
                f"{response.status_code} {kind} {method} {url[:160]} {sent or ''} "
                f"{str(body)[:60] if body is not None else ''}\n"
                + "\n".join(self.tracebacks[before:])[-2500:]
            )
        if method != "GET":
            self._stay(kind)
        return response


def _rules(app) -> list:
    pairs = [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    # Signing out last: every principal keeps its session through the sweep.
    return sorted(pairs, key=lambda rm: any(w in rm[0].endpoint for w in ("logout", "signout")))


def test_no_request_reaches_a_5xx(app, tmp_path):
    """Every rule, as every principal, plain and hostile: never a 5xx."""
    app.config.update(
        XGM_RERAISE=False,
        XGM_CITY_URL="http://127.0.0.1:9",  # nothing listens: the city platform is down
        XGM_POSTER_CACHE_DIR=str(tmp_path / "posters"),
        XGM_PRINTS_DIR=str(tmp_path / "prints"),
    )
    principals = build_principals(app)
    worker = make_worker(app)  # a worker listens on every queue, as under `make run`
    worker.register_birth()
    worker.heartbeat(timeout=900)
    fuzz = Fuzzer(app, principals)
    fields, queries = _form_field_names(), _query_names()
    valid = _valid_values(principals.values)
    limits, deep = itertools.cycle(LIMITS), itertools.cycle(DEEP)
    ints, bodies = itertools.cycle(INT_VALUES), itertools.cycle(JSON_BODIES)
    windows = itertools.cycle(range(max(len(fields), len(queries))))
    rules = _rules(app)
    try:
        for rule, method in rules:
            int_args = _int_args(rule)
            plain = _path(rule, principals.values)
            for kind in PRINCIPALS:
                response = fuzz.send(kind, method, plain, form={})
                if not _reached(response) and kind != "anonymous":
                    continue  # refused before the view: the anonymous pass covers that door
                beyond = {a: next(ints) if a in int_args else next(limits) for a in rule.arguments}
                fuzz.send(
                    kind,
                    method,
                    _path(rule, beyond),
                    query={name: next(limits) for name in queries},
                    form={name: next(limits) for name in fields},
                    headers={
                        "Accept-Language": _header(next(deep)),
                        "Last-Event-ID": _header(next(deep)),
                    },
                )
                if not _reached(response):
                    continue
                start = next(windows)
                hostile_fields = {fields[(start + i) % len(fields)] for i in range(WINDOW)}
                hostile_queries = {queries[(start + i) % len(queries)] for i in range(WINDOW)}
                fuzz.send(
                    kind,
                    method,
                    plain,
                    query={
                        n: next(deep) if n in hostile_queries else valid.get(n, "1")
                        for n in queries
                    },
                    form={
                        n: next(deep) if n in hostile_fields else valid.get(n, "1") for n in fields
                    },
                    headers={"Accept": "application/json" if start % 2 else "text/html"},
                )
                if method == "POST":
                    fuzz.send(kind, method, plain, body=next(bodies))

        text = st.one_of(
            st.sampled_from(CORPUS),
            st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
            st.integers().map(str),
            st.dates().map(lambda d: d.isoformat()),
        )
        staying = [
            rm for rm in rules if not any(w in rm[0].endpoint for w in ("logout", "signout"))
        ]

        @settings(
            max_examples=HYPOTHESIS_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            kind=st.sampled_from(PRINCIPALS),
            rule_method=st.sampled_from(staying),
            path_value=text,
            query=st.dictionaries(st.sampled_from(queries), text, max_size=6),
            form=st.dictionaries(st.sampled_from(fields), text, max_size=12),
        )
        def explore(kind, rule_method, path_value, query, form):
            rule, method = rule_method
            routable = path_value if path_value.isascii() and path_value.isdigit() else "2147483648"
            values = {
                a: routable if a in _int_args(rule) else (path_value or "x") for a in rule.arguments
            }
            fuzz.send(
                kind,
                method,
                _path(rule, values),
                query=query,
                form={**{n: valid.get(n, "1") for n in fields}, **form},
            )

        explore()
    finally:
        fuzz.close()
        worker.register_death()
    assert fuzz.failures == [], f"{len(fuzz.failures)} of {fuzz.sent} requests got a 5xx"
    assert fuzz.sent > len(rules) * len(PRINCIPALS) * 2
