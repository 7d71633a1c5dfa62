"""The isolation sweep: every URL that takes an object id answers 404 to another tenant.

It walks the app's URL map, so every blueprint added later is covered without editing this file.
For each rule with `*_id` arguments and each method, it finds the kind of actor for which tenant
A's own client reaches the object (the control: not 404/403/401 and not sent to a sign-in page),
then asserts that tenant B's client of the same kind gets exactly 404.
"""

import re

from tests.conftest import CSRF_RE
from tests.factories import build_world

ID_ARG = re.compile(r"_id$")
SIGN_IN_PATHS = ("/login", "/guard/signin", "/device/enroll", "/oversight/login", "/ops/login")


def _csrf(client) -> str:
    for path in ("/", "/guard", "/guard/signin"):
        response = client.get(path)
        match = CSRF_RE.search(response.get_data(as_text=True))
        if match:
            return match.group(1)
    return ""


def _call(client, method: str, path: str):
    if method == "GET":
        return client.get(path)
    return client.open(path, method=method, data={"csrf_token": _csrf(client)})


def _reached(response) -> bool:
    if response.status_code in (401, 403, 404):
        return False
    if response.status_code in (301, 302, 303):
        location = response.headers.get("Location", "")
        return not any(p in location for p in SIGN_IN_PATHS)
    return True


def test_every_object_url_is_404_for_another_tenant(app):
    """Tenant B's actors get 404 for each of tenant A's objects, on every id-taking route."""
    world = build_world(app)
    rules = [r for r in app.url_map.iter_rules() if any(ID_ARG.search(a) for a in r.arguments)]
    assert rules, "the sweep found no rule with an object id"
    problems, checked = [], 0
    for rule in sorted(rules, key=lambda r: r.rule):
        missing = [a for a in rule.arguments if a not in world.ids]
        if missing:
            problems.append(
                f"{rule.rule}: no id for {missing}; add a builder in tests/factories/world.py"
            )
            continue
        with app.test_request_context():
            from flask import url_for

            path = url_for(rule.endpoint, **{a: world.ids[a] for a in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            reached_by = None
            # Tenant B first: A's POST may change the object.
            outcomes_b = {k: _call(b, method, path) for k, (_, b) in world.actors.items()}
            for kind, (client_a, _) in world.actors.items():
                if _reached(_call(client_a, method, path)):
                    reached_by = kind
                    break
            if reached_by is None:
                problems.append(
                    f"{method} {path}: no actor of tenant A reaches it (control failed)"
                )
                continue
            status_b = outcomes_b[reached_by].status_code
            checked += 1
            if status_b != 404:
                problems.append(f"{method} {path}: tenant B's {reached_by} got {status_b}, not 404")
    assert problems == []
    assert checked >= len(rules)
