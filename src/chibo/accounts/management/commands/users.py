"""`chibo users`: user accounts and their roles from the command line (for scripting).

    chibo users create USERNAME --full-name NAME --role KEY [--org CODE] [--from DATE] [--as USER]
    chibo users assign USERNAME --role KEY [--org CODE] [--from DATE] [--until DATE] [--as USER]
    chibo users end USERNAME --role KEY [--org CODE] [--on DATE] --reason TEXT [--as USER]
    chibo users reset-password USERNAME --reason TEXT [--as USER]
    chibo users deactivate USERNAME --reason TEXT [--as USER]
    chibo users list [--json]

A created or reset account gets a one-time password, printed once on standard output; it must
be changed at the first sign-in. Without `--as`, the command acts as the server's operator;
with it, it acts with that user's rights (and is refused what they may not do). Every write is
audited like the same action in the web interface.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chibo.accounts import services
from chibo.accounts.models import Role, RoleAssignment, User
from chibo.core.validtime import as_of, today
from chibo.orgs.models import Organization


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "User accounts and roles: create, assign, end, reset-password, deactivate, list."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)

        def common(p: CommandParser) -> None:
            p.add_argument("--as", dest="as_user", help="act with this user's rights")

        create = sub.add_parser("create", help="Create an account with its first role.")
        create.add_argument("username")
        create.add_argument("--full-name", required=True)
        create.add_argument("--role", required=True, help="role key, e.g. party_cell_secretary")
        create.add_argument("--org", help="organization code (not for system-wide roles)")
        create.add_argument("--from", dest="valid_from", type=_date, default=None)
        common(create)
        assign = sub.add_parser("assign", help="Give a user a role at an organization.")
        assign.add_argument("username")
        assign.add_argument("--role", required=True)
        assign.add_argument("--org")
        assign.add_argument("--from", dest="valid_from", type=_date, default=None)
        assign.add_argument("--until", dest="valid_to", type=_date, default=None)
        common(assign)
        end = sub.add_parser("end", help="End a user's current role at an organization.")
        end.add_argument("username")
        end.add_argument("--role", required=True)
        end.add_argument("--org")
        end.add_argument("--on", type=_date, default=None)
        end.add_argument("--reason", required=True)
        common(end)
        reset = sub.add_parser("reset-password", help="Print a new one-time password.")
        reset.add_argument("username")
        reset.add_argument("--reason", required=True)
        common(reset)
        deactivate = sub.add_parser("deactivate", help="Deactivate an account.")
        deactivate.add_argument("username")
        deactivate.add_argument("--reason", required=True)
        common(deactivate)
        listing = sub.add_parser("list", help="List accounts with their current roles.")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, "_" + opts["sub"].replace("-", "_"))(opts)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

    # --- lookups -------------------------------------------------------------------------------

    def _actor(self, opts: dict[str, Any]) -> User | None:
        name = opts.get("as_user")
        if not name:
            return None
        actor = User.objects.filter(username=name, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user named {name!r}.")
        return actor

    @staticmethod
    def _user(username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        return user

    @staticmethod
    def _role(key: str) -> Role:
        role = Role.objects.filter(key=key).first()
        if role is None:
            keys = ", ".join(Role.objects.order_by("key").values_list("key", flat=True))
            raise CommandError(f"No role {key!r}. Roles: {keys}.")
        return role

    @staticmethod
    def _org(code: str | None) -> Organization | None:
        if not code:
            return None
        org = Organization.objects.filter(code=code).first()
        if org is None:
            raise CommandError(f"No organization with the code {code!r}.")
        return org

    # --- subcommands ---------------------------------------------------------------------------

    def _create(self, opts: dict[str, Any]) -> None:
        user, password = services.user_create(
            actor=self._actor(opts),
            username=opts["username"],
            full_name=opts["full_name"],
            role=self._role(opts["role"]),
            org=self._org(opts["org"]),
            valid_from=opts["valid_from"] or today(),
            reason="created from the command line",
        )
        self.stdout.write(password)
        self.stderr.write(
            f"created {user.username}; the password above must be changed at the first sign-in"
        )

    def _assign(self, opts: dict[str, Any]) -> None:
        assignment = services.role_assign(
            actor=self._actor(opts),
            user=self._user(opts["username"]),
            role=self._role(opts["role"]),
            org=self._org(opts["org"]),
            valid_from=opts["valid_from"] or today(),
            valid_to=opts["valid_to"],
        )
        self.stdout.write(f"assigned: {assignment}")

    def _end(self, opts: dict[str, Any]) -> None:
        user, role, org = (
            self._user(opts["username"]),
            self._role(opts["role"]),
            self._org(opts["org"]),
        )
        on = opts["on"] or today()
        current = as_of(RoleAssignment.objects.filter(user=user, role=role, org=org), on)
        assignment = current.order_by("-valid_from").first()
        if assignment is None:
            raise CommandError("That user holds no such role there on that day.")
        services.role_end(
            actor=self._actor(opts), assignment=assignment, on=on, reason=opts["reason"]
        )
        self.stdout.write(f"ended: {assignment}")

    def _reset_password(self, opts: dict[str, Any]) -> None:
        password = services.user_password_reset(
            actor=self._actor(opts), user=self._user(opts["username"]), reason=opts["reason"]
        )
        self.stdout.write(password)

    def _deactivate(self, opts: dict[str, Any]) -> None:
        services.user_deactivate(
            actor=self._actor(opts), user=self._user(opts["username"]), reason=opts["reason"]
        )
        self.stdout.write("deactivated")

    def _list(self, opts: dict[str, Any]) -> None:
        rows = []
        current = as_of(RoleAssignment.objects.select_related("role", "org"), today())
        roles: dict[int, list[str]] = {}
        for a in current:
            roles.setdefault(a.user_id, []).append(f"{a.role.key}@{a.org.code if a.org else '*'}")
        for user in User.objects.order_by("username"):
            rows.append(
                {
                    "username": user.username,
                    "full_name": user.full_name,
                    "active": user.is_active,
                    "roles": sorted(roles.get(user.pk, [])),
                }
            )
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            state = "" if row["active"] else "  (deactivated)"
            self.stdout.write(f"{row['username']:20} {', '.join(row['roles']) or '-'}{state}")
