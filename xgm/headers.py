"""Security headers on every response (CSP default-src 'self', no sniffing, no framing)."""

CSP = (
    "default-src 'self'; img-src 'self' data: {img}; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self' {form}; base-uri 'self'; "
    "object-src 'none'"
)


def init_app(app) -> None:
    """Add the security headers to every response."""
    city = app.config.get("XGM_CITY_URL", "")
    csp = CSP.format(img=city, form=city).replace("  ", " ")

    defaults = [
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "geolocation=(), microphone=()"),
    ]
    if app.config.get("SESSION_COOKIE_SECURE"):
        defaults.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    defaults = [(name, name.lower(), value) for name, value in defaults]

    @app.after_request
    def _security_headers(response):
        # A view may set its own (a stricter CSP); the rest are added. One look at the
        # headers the response has (setdefault() would scan them once per default).
        headers = response.headers
        present = {name.lower() for name, _value in headers.items()}
        for name, key, value in defaults:
            if key not in present:
                headers.add(name, value)
        return response
