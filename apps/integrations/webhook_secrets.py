"""Webhook signing secrets: generated as `whsec_<base64>`, stored encrypted at rest.

The encryption keys come from the setting `WEBHOOK_SECRET_ENCRYPTION_KEYS` (Fernet keys, the
first encrypts, all decrypt, so keys can be rolled) or, when it is unset, from a key derived
from SECRET_KEY. Changing SECRET_KEY without listing the old derived key makes stored
secrets unreadable: partners would then need a rotation.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

SECRET_PREFIX = "whsec_"
# 32 random bytes: the spec allows 24–64; 256 bits matches the HMAC-SHA256 output.
SECRET_BYTES = 32


def webhook_secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _fernet() -> MultiFernet:
    configured = getattr(settings, "WEBHOOK_SECRET_ENCRYPTION_KEYS", None) or []
    if configured:
        keys = [Fernet(key) for key in configured]
    else:
        derived = hashlib.sha256(b"iotmatch.webhook-secrets:" + settings.SECRET_KEY.encode())
        keys = [Fernet(base64.urlsafe_b64encode(derived.digest()))]
    return MultiFernet(keys)


def webhook_secret_encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def webhook_secret_decrypt(token: str) -> str:
    """The plain secret; raises RuntimeError when no configured key can read it."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise RuntimeError(
            "A webhook secret cannot be decrypted: SECRET_KEY or "
            "WEBHOOK_SECRET_ENCRYPTION_KEYS changed without keeping the old key."
        ) from None
