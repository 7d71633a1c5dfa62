"""Every write route of the app refuses observers (they are read-only by design)."""

import re

from werkzeug.routing import IntegerConverter

from tests.conftest import CSRF_RE, login
from tests.dashboard import known
from tests.factories import PASSWORD, create_observer

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
REFUSED = {400, 401, 403, 404, 405}
#: Signing out is the one write an observer may do.
OBSERVER_MAY = {"accounts.logout"}
#: Public forms: sign-in and sign-up (200 with the form's errors) and a rider's "not me"
#: (clears the rider cookie of this browser). They answer anyone; being an observer must not
#: change their answer.
PUBLIC = {"accounts.login", "accounts.signup", "ops.login", "riders.switch"}
SIGN_IN_PATHS = ("/login", "/guard/signin", "/device/enroll", "/ops/login")


def _refused(response) -> bool:
    """4xx, or a redirect to a sign-in page (the route wants another kind of account)."""
    if response.status_code in REFUSED:
        return True
    location = response.headers.get("Location", "")
    return response.status_code in (302, 303) and location.startswith(SIGN_IN_PATHS)


def _path(rule) -> str:
    """The rule's URL with every argument filled (ids of tenant A's first rows, or "x")."""
    path = rule.rule
    for arg in rule.arguments:
        converter = rule._converters[arg]
        value = "1" if isinstance(converter, IntegerConverter) else "x"
        path = re.sub(rf"<[^>]*:?{arg}>", value, path)
    return path


def _write_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods & WRITE_METHODS):
            if rule.endpoint not in OBSERVER_MAY:
                yield rule, method


def test_every_write_route_refuses_an_observer(app):
    """With a valid CSRF token, an observer gets 4xx (or sent to a sign-in page) on each write.

    The public sign-in and sign-up forms must answer the observer exactly as they answer an
    anonymous visitor: being an observer grants nothing.
    """
    known.build(app)
    with app.app_context():
        create_observer("330106", email="ob@gov.example")
    observer, anonymous = app.test_client(), app.test_client()
    assert login(observer, "ob@gov.example", PASSWORD).status_code == 302
    token = CSRF_RE.search(observer.get("/oversight").get_data(as_text=True)).group(1)
    anon_token = CSRF_RE.search(anonymous.get("/login").get_data(as_text=True)).group(1)
    app.config["RATELIMIT_ENABLED"] = False
    problems, checked = [], 0
    for rule, method in _write_rules(app):
        path = _path(rule)
        response = observer.open(path, method=method, data={"csrf_token": token})
        checked += 1
        if _refused(response):
            continue
        anon = anonymous.open(path, method=method, data={"csrf_token": anon_token})
        if rule.endpoint not in PUBLIC or response.status_code != anon.status_code:
            problems.append(f"{method} {path} ({rule.endpoint}): {response.status_code}")
    assert problems == []
    assert checked >= 20
    # The observer is still signed in: nothing above logged them out or changed their session.
    assert observer.get("/oversight").status_code == 200
