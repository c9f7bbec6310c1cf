"""Serving the demo as production would (issue 19, item 10): `DEBUG` off (a mistyped address gets
Chibo's own 404, never Django's debug page with the URL map), a real WSGI server (gunicorn, started
by `chibo demo`), static files through WhiteNoise. Plain HTTP on the local machine, so no SSL
redirect and no `__Host-` cookies; the secret key is made once and kept in the data directory.
Never for a real deployment: that is `chibo.settings.prod`."""

from __future__ import annotations

import os
import secrets

from .base import *  # noqa: F403
from .base import DEV_SENDER_KEY, MIDDLEWARE, STATIC_ROOT, VAR_DIR

DEBUG = False


def _demo_secret_key() -> str:
    path = VAR_DIR / "demo-secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _demo_secret_key()
# The senders' key the demo's data was built with (settings/dev.py)
CHIBO_SENDER_KEYS = os.environ.get("CHIBO_SENDER_KEYS") or DEV_SENDER_KEY
# WhiteNoise serves the static files straight from the apps (no collectstatic step for a demo).
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing one
