"""Secrets stored encrypted at rest (bot URLs and signing secrets, invitation links): Fernet.

The key is XGM_SEAL_KEY when set (a Fernet key: 32 url-safe base64 bytes), else derived
from SECRET_KEY with HKDF-SHA256 under its own label, so a database dump alone never holds a
usable robot URL. Changing SECRET_KEY without setting XGM_SEAL_KEY makes stored hooks
unreadable: they show 需要重新填写 and deliver nothing until re-entered.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _fernet() -> Fernet:
    configured = current_app.config["XGM_SEAL_KEY"]
    if configured:
        return Fernet(configured.encode())
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"xgm sealed secrets v1"
    ).derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(value: str) -> str:
    """Encrypt a text for storage ("" stays "")."""
    return _fernet().encrypt(value.encode()).decode() if value else ""


def unseal(token: str) -> str | None:
    """Decrypt a stored text; None when it cannot be read with the current key."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None
