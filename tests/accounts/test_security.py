"""Rate limits, cookies, headers, error pages and languages."""

from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, create_tenant, create_user


def test_login_rate_limit_per_account_answers_429(app, client):
    """Six wrong passwords for one account in a minute: the sixth is a readable 429."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="owner@example.com")
    statuses = [login(client, "owner@example.com", "wrong-password!").status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 429]
    response = login(client, "owner@example.com", PASSWORD)
    assert response.status_code == 429
    assert "操作太频繁" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_login_rate_limit_per_ip_answers_429(app, client):
    """Thirty-one sign-in attempts from one address in a minute: the 31st is a 429."""
    token = csrf_token(client, "/login")
    statuses = [
        client.post(
            "/login", data={"email": f"u{i}@example.com", "password": "x" * 12, "csrf_token": token}
        ).status_code
        for i in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_signup_rate_limit_answers_429(app, client):
    """Sign-up POSTs are limited per address too."""
    token = csrf_token(client, "/signup")
    statuses = [client.post("/signup", data={"csrf_token": token}).status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


def test_session_cookie_flags(app, client):
    """The session cookie is HttpOnly and SameSite=Lax (Secure is on for https deployments)."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="owner@example.com")
    response = login(client, "owner@example.com", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_when_served_over_https(database_url, _schema):
    """With an https public URL, cookies are marked Secure and HSTS is sent."""
    from tests.conftest import app_config
    from xgm import create_app

    https_app = create_app(app_config(database_url))
    assert https_app.config["SESSION_COOKIE_SECURE"] is False
    from pathlib import Path

    from xgm.config import load_config

    config = load_config(
        Path("/tmp/xgm-instance-test"),
        {"XGM_PUBLIC_URL": "https://xgm.example.cn", "SECRET_KEY": "k"},
    )
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True


def test_security_headers(client):
    """Every page carries a CSP of default-src 'self' and anti-sniffing/framing headers."""
    response = client.get("/login")
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Permissions-Policy"] == "geolocation=(), microphone=()"
    assert "Strict-Transport-Security" not in response.headers  # served over plain HTTP here


def test_a_header_the_view_set_is_kept_once(app):
    """A view's own value of a security header wins and is not sent twice (any spelling)."""

    @app.get("/_test/own-headers")
    def own_headers():
        return "ok", 200, {"x-frame-options": "SAMEORIGIN", "Referrer-Policy": "no-referrer"}

    response = app.test_client().get("/_test/own-headers")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]


def test_pages_use_only_local_assets(client):
    """No CDN: every stylesheet and script comes from this server."""
    body = client.get("/login").get_data(as_text=True)
    assert "http://" not in body.replace('href="?lang', "")
    assert "https://" not in body
    css = client.get("/static/css/app.css")
    assert css.status_code == 200
    css.close()


def test_404_page_in_chinese(client):
    """An unknown page is a Chinese 404 page."""
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_500_page_has_no_stack_trace(app, client):
    """An unexpected error shows a Chinese 500 page without any trace."""
    app.config["XGM_RERAISE"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统出错了" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_403_page_in_chinese(app, client):
    """A manager on an owner page gets a Chinese 403."""
    with app.app_context():
        tenant = create_tenant()
        create_user(tenant, "manager", email="m@example.com")
    login(client, "m@example.com", PASSWORD)
    response = client.get("/team")
    assert response.status_code == 403
    assert "没有权限" in response.get_data(as_text=True)


def test_english_via_query_and_accept_language(client):
    """?lang=en and Accept-Language: en switch the UI to English; Chinese is the default."""
    assert "登录" in client.get("/login").get_data(as_text=True)
    assert "Sign in" in client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in client.get("/login").get_data(as_text=True)  # remembered
    fresh = client.application.test_client()
    body = fresh.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Sign in" in body


def test_production_refuses_to_start_without_secret_key(tmp_path):
    """XGM_ENV=production with no SECRET_KEY stops start-up with a clear message."""
    import pytest

    from xgm.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config(tmp_path, {"XGM_ENV": "production"})


def test_development_secret_key_is_generated_once(tmp_path):
    """In development a key is generated under instance/ and reused."""
    from xgm.config import load_config

    first = load_config(tmp_path, {})["SECRET_KEY"]
    second = load_config(tmp_path, {})["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
