"""The sender's identity, encrypted at rest (security.md G20).

Fernet (AES-128-CBC with HMAC-SHA256, from the `cryptography` package) under keys taken from the
environment: `CHIBO_SENDER_KEYS`, a comma-separated list of Fernet keys, the first one current.
Every key in the list decrypts, only the first encrypts (`MultiFernet`), so a key is rotated by
putting a new key first, running `chibo supervision rotate-keys` (re-encrypts every stored value
under the new key) and then dropping the old key from the list.

Without the variable, and only when `DEBUG` is on or under the test settings, a key is derived
from `SECRET_KEY` (HKDF) so that development works; production refuses to start encrypting.
The plaintext never leaves this module except through `decrypt()`, which only the sender
selectors call (after checking the reader's role and writing the read log).
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENV = "CHIBO_SENDER_KEYS"


def _derived_key() -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"chibo-sender-v1", info=b"sender identity")
    return base64.urlsafe_b64encode(hkdf.derive(settings.SECRET_KEY.encode()))


def _keys() -> list[bytes]:
    raw = os.environ.get(ENV) or getattr(settings, ENV, "") or ""
    keys = [k.strip().encode() for k in str(raw).split(",") if k.strip()]
    if keys:
        return keys
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if settings.DEBUG or module.endswith(".test"):
        return [_derived_key()]
    raise ImproperlyConfigured(f"{ENV} must hold the Fernet key(s) that protect senders' identities.")


@lru_cache(maxsize=4)
def _fernet(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(_keys()))


def encrypt(value: str | bytes) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return fernet().encrypt(data)


def decrypt(token: bytes | memoryview | None) -> bytes:
    if not token:
        return b""
    try:
        return fernet().decrypt(bytes(token))
    except InvalidToken as exc:  # a key was dropped too early: say so, never show the token
        raise ImproperlyConfigured(f"A sender record cannot be decrypted with the keys in {ENV}.") from exc


def decrypt_text(token: bytes | memoryview | None) -> str:
    return decrypt(token).decode()


def rotate(token: bytes | memoryview) -> bytes:
    return fernet().rotate(bytes(token))


def new_key() -> str:
    return Fernet.generate_key().decode()
