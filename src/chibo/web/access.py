"""Re-export of `chibo.core.access` (where access policies live) for the web layer."""

from chibo.core.access import PUBLIC, SCOPED, SIGNED_IN, access_policy, policy_of

__all__ = ["PUBLIC", "SCOPED", "SIGNED_IN", "access_policy", "policy_of"]
