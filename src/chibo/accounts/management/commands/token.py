from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.accounts import services
from chibo.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "API tokens: `token create USERNAME --days N` prints a new key; `token revoke PREFIX`; `token list USERNAME`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        create = sub.add_parser("create", help="Create a token and print its key once.")
        create.add_argument("username")
        create.add_argument("--days", type=int, default=30)
        revoke = sub.add_parser("revoke", help="Revoke the token whose key starts with PREFIX.")
        revoke.add_argument("prefix")
        listing = sub.add_parser("list", help="List a user's tokens (prefixes only).")
        listing.add_argument("username")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["sub"] == "create":
                user = User.objects.filter(username=opts["username"]).first()
                if user is None:
                    raise CommandError(f"No user named {opts['username']!r}.")
                token, key = services.token_create(actor=None, user=user, days=opts["days"])
                self.stdout.write(key)
                self.stderr.write(f"expires {token.expires_at:%Y-%m-%d %H:%M %Z}; use: Authorization: Token <key>")
            elif opts["sub"] == "revoke":
                tokens = list(ApiToken.objects.filter(prefix=opts["prefix"][:8]))
                if len(tokens) != 1:
                    raise CommandError("No single token has that prefix.")
                services.token_revoke(actor=None, token=tokens[0], reason="revoked from the command line")
                self.stdout.write("revoked")
            else:
                for t in ApiToken.objects.filter(user__username=opts["username"]).order_by("-created_at"):
                    state = "revoked" if t.revoked_at else ("active" if t.is_usable else "expired")
                    self.stdout.write(f"{t.prefix}…  {state:8}  expires {t.expires_at:%Y-%m-%d}")
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
