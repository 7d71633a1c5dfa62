"""The public URL a gate's QR code carries."""

from flask import current_app


def gate_url(token: str) -> str:
    """Exactly `<XGM_PUBLIC_URL>/g/<token>`: what the poster's QR code encodes."""
    return f"{current_app.config['XGM_PUBLIC_URL'].rstrip('/')}/g/{token}"
