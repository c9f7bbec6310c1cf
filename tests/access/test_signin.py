"""Sign-in: lock-out, no enumeration, session timeouts, logout and deactivation (G8, G18, G19)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from chibo.accounts.services import user_deactivate

from .helpers import PASSWORD, build_tree, make_user

pytestmark = pytest.mark.django_db


def client() -> Client:
    return Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.0.0.1")


def sign_in(c: Client, username: str, password: str):
    return c.post("/login/", {"username": username, "password": password})


def test_ten_failures_lock_the_account_from_that_address():
    make_user("alice")
    c = client()
    for _ in range(10):
        r = sign_in(c, "alice", "wrong password")
        assert r.status_code in (200, 429)
    # The right password no longer opens the account from that address
    r = sign_in(c, "alice", PASSWORD)
    assert r.status_code == 429
    assert "_auth_user_id" not in c.session
    # (the rest of the lock-out, per address and per account: tests/access/test_lockout.py)


def test_nine_failures_then_success_does_not_lock():
    make_user("bob")
    c = client()
    for _ in range(9):
        sign_in(c, "bob", "wrong password")
    r = sign_in(c, "bob", PASSWORD)
    assert r.status_code == 302
    assert c.session["_auth_user_id"]


def test_unknown_user_and_wrong_password_look_the_same():
    make_user("carol")
    a = sign_in(client(), "carol", "wrong password")
    b = sign_in(client(), "nobody-here", "wrong password")
    assert a.status_code == b.status_code == 200
    err_a = a.content.decode().split('class="error"')[1].split("</div>")[0]
    err_b = b.content.decode().split('class="error"')[1].split("</div>")[0]
    assert err_a == err_b


def test_session_key_rotates_at_sign_in():
    make_user("dave")
    c = client()
    c.get("/login/")
    before = c.cookies.get("sessionid")
    sign_in(c, "dave", PASSWORD)
    assert c.cookies["sessionid"].value != (before.value if before else None)


def test_idle_timeout_after_thirty_minutes():
    make_user("erin", superuser=True)
    c = client()
    with time_machine.travel(dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC), tick=False) as traveller:
        assert sign_in(c, "erin", PASSWORD).status_code == 302
        assert c.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=29))
        assert c.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=31))
        r = c.get("/")
        assert r.status_code == 302 and "/login/" in r["Location"]


def test_absolute_timeout_after_twelve_hours_even_when_active():
    make_user("frank", superuser=True)
    c = client()
    with time_machine.travel(dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC), tick=False) as traveller:
        assert sign_in(c, "frank", PASSWORD).status_code == 302
        for _ in range(35):  # active every 25 minutes, for more than 12 hours
            traveller.shift(dt.timedelta(minutes=25))
            r = c.get("/")
            if r.status_code == 302:
                break
        assert r.status_code == 302 and "/login/" in r["Location"]


def test_logout_ends_the_session_on_the_server():
    make_user("gina", superuser=True)
    c = client()
    sign_in(c, "gina", PASSWORD)
    key = c.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    c.post("/logout/")
    assert not Session.objects.filter(session_key=key).exists()


def test_deactivation_ends_sessions_and_tokens_at_once():
    tree = build_tree()
    user = make_user("hank", role="party_cell_secretary", org=tree["cell_a"])
    c = client()
    sign_in(c, "hank", PASSWORD)
    assert c.get("/orgs/T1-C-A/").status_code == 200
    admin = make_user("root", superuser=True)
    user_deactivate(actor=admin, user=user, reason="left the post")
    r = c.get("/orgs/T1-C-A/")
    assert r.status_code == 302 and "/login/" in r["Location"]
    assert not Session.objects.filter(session_key=c.session.session_key).exists() or "_auth_user_id" not in c.session


def test_role_removal_applies_on_next_request():
    from chibo.accounts.services import role_end

    tree = build_tree()
    user = make_user("ivy", role="party_cell_secretary", org=tree["cell_a"])
    c = client()
    c.force_login(user)
    assert c.get("/orgs/T1-C-A/").status_code == 200
    role_end(actor=None, assignment=user.role_assignments.get(), on=dt.date.today())
    assert c.get("/orgs/T1-C-A/").status_code == 404


def test_totp_second_step_and_codes_are_single_use():
    user = make_user("jack", superuser=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    c = client()
    r = sign_in(c, "jack", PASSWORD)
    assert r.status_code == 302 and r["Location"].endswith("/login/otp/")
    assert "_auth_user_id" not in c.session  # not signed in before the code
    assert c.get("/").status_code == 302
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    r = c.post("/login/otp/", {"otp_token": code})
    assert r.status_code == 302
    assert c.get("/").status_code == 200
    # The same code cannot be used again.
    c2 = client()
    sign_in(c2, "jack", PASSWORD)
    r = c2.post("/login/otp/", {"otp_token": code})
    assert r.status_code == 200
    assert "_auth_user_id" not in c2.session


def test_wrong_totp_code_is_refused_with_a_message():
    user = make_user("kate", superuser=True)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    c = client()
    sign_in(c, "kate", PASSWORD)
    r = c.post("/login/otp/", {"otp_token": "12345x"})
    assert r.status_code == 200 and 'class="error"' in r.content.decode()
    assert "_auth_user_id" not in c.session


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from chibo.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
