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

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "geolocation=(), microphone=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
