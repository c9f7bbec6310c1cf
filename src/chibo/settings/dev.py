"""Development and demo: DEBUG on, a development-only secret key."""

import os

from .base import *  # noqa: F403
from .base import DEV_SENDER_KEY, SECRET_KEY, env_bool

DEBUG = env_bool("DEBUG", True)
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-in-production"  # noqa: S105

# Senders' identities under the fixed development key, the same for the demo's build (these
# settings) and its server (settings/demo.py).
CHIBO_SENDER_KEYS = os.environ.get("CHIBO_SENDER_KEYS") or DEV_SENDER_KEY
