"""Sign-in (with an optional TOTP second step), the account page, user accounts (read-logged)
and the audit pages. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from chibo.core.access import PUBLIC, SCOPED, SIGNED_IN, access_policy
from chibo.core.audit import audit_history, read_log, read_log_entries
from chibo.core.scoping import resolve_scope
from chibo.core.validtime import today

from . import selectors, services
from .forms import (
    OtpTokenForm,
    ReadLogFilterForm,
    ReasonForm,
    RoleAssignForm,
    RoleEndForm,
    UserCreateForm,
)
from .models import ApiToken, RoleAssignment, User

PENDING_USER = "chibo_otp_pending_user"
PENDING_BACKEND = "chibo_otp_pending_backend"
PENDING_NEXT = "chibo_otp_pending_next"


@access_policy(PUBLIC)
class LoginView(auth_views.LoginView):
    """Password first; accounts with a confirmed TOTP device then give a code."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if user_has_device(user, confirmed=True):
            self.request.session.cycle_key()
            self.request.session[PENDING_USER] = user.pk
            self.request.session[PENDING_BACKEND] = user.backend
            self.request.session[PENDING_NEXT] = self.get_success_url()
            return redirect("accounts:login_otp")
        return super().form_valid(form)


@access_policy(PUBLIC)
def login_otp(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_USER)
    user = User.objects.filter(pk=pending, is_active=True).first() if pending else None
    if user is None:
        return redirect("web:login")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["otp_token"]
        for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
            allowed, _info = device.verify_is_allowed()
            if allowed and device.verify_token(token):
                backend = request.session.get(PENDING_BACKEND)
                next_url = request.session.get(PENDING_NEXT) or "/"
                login(request, user, backend=backend)
                otp_login(request, device)
                if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                    next_url = "/"
                return redirect(next_url)
        form.add_error("otp_token", _("That code is not valid. Wait for a new code and try again."))
    return render(request, "accounts/login_otp.html", {"form": form})


@access_policy(PUBLIC)
class LogoutView(auth_views.LogoutView):
    pass


@access_policy(SIGNED_IN)
@login_required
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "accounts/account.html",
        {
            "assignments": selectors.assignments_of(user),
            "tokens": selectors.tokens_of(user),
            "has_otp": user_has_device(user, confirmed=True),
            "new_key": request.session.pop("chibo_new_token_key", None),
        },
    )


@access_policy(SIGNED_IN)
@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.POST.get("days", "30"))
        _token, key = services.token_create(actor=request.user, user=request.user, days=days)  # type: ignore[arg-type]
    except (ValueError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [_("Enter a number of days.")])))
        return redirect("accounts:account")
    request.session["chibo_new_token_key"] = key
    return redirect("accounts:account")


@access_policy(SIGNED_IN)
@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(user_id=request.user.pk or 0, pk=pk).first()
    if token is None:
        raise Http404
    try:
        services.token_revoke(actor=request.user, token=token, reason="revoked by its owner")
        messages.success(request, _("The token is revoked."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:account")


@access_policy(SIGNED_IN)
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device: show the secret as a QR code (SVG, made here), confirm with a code."""
    import qrcode
    import qrcode.image.svg

    user: User = request.user  # type: ignore[assignment]
    if user_has_device(user, confirmed=True):
        return render(request, "accounts/otp_setup.html", {"done": True})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Chibo", confirmed=False)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            services.otp_confirm(actor=user, device=device)
            otp_login(request, device)
            messages.success(request, _("Two-step sign-in is on for your account."))
            return redirect("accounts:account")
        form.add_error("otp_token", _("That code is not valid. Wait for a new code and try again."))
    svg = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
    return render(request, "accounts/otp_setup.html", {"form": form, "qr_svg": svg, "secret": device.bin_key.hex()})


@access_policy(SCOPED)
@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.users(user=request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "may_manage": _may_manage_someone(request.user)},
    )


ONE_TIME_SESSION_KEY = "chibo_one_time_password"


def _may_manage_someone(user: Any) -> bool:
    return not resolve_scope(user, "user.change").is_empty


@access_policy(SCOPED)
@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    """Create an account with its first role at a node of the creator's area; the password to
    hand over is shown once and must be changed at the first sign-in."""
    if not _may_manage_someone(request.user):
        raise Http404
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.user_create(
                actor=request.user, username=data["username"], full_name=data["full_name"],
                role=data["role"], org=data["org"], valid_from=data["valid_from"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            request.session[ONE_TIME_SESSION_KEY] = [user.pk, password]
            messages.success(request, _("The account is created."))
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_create.html", {"form": form})


def _target(request: HttpRequest, pk: int) -> User:
    try:
        return selectors.user_get(user=request.user, pk=pk)
    except User.DoesNotExist as exc:
        raise Http404 from exc


@access_policy(SCOPED)
@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    read_log(actor=request.user, target=target, org_path=selectors.primary_org_path(target), purpose="view")
    one_time = request.session.pop(ONE_TIME_SESSION_KEY, None)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "assignments": selectors.assignments_of(target),
            "history": audit_history(user=request.user, target_type="accounts.user", target_id=str(target.pk))[:100],
            "may_manage": _may_manage_someone(request.user),
            "assign_form": RoleAssignForm(actor=request.user),
            "reset_form": ReasonForm(prefix="reset"),
            "deactivate_form": ReasonForm(prefix="deactivate"),
            "today": today(),
            "one_time_password": one_time[1] if one_time and one_time[0] == target.pk else None,
        },
    )


def _report(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@access_policy(SCOPED)
@login_required
@require_POST
def user_role_assign(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    form = RoleAssignForm(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("accounts:user_detail", pk=target.pk)
    data = form.cleaned_data
    try:
        services.role_assign(
            actor=request.user, user=target, role=data["role"], org=data["org"],
            valid_from=data["valid_from"], valid_to=data["valid_to"], note=data["note"],
        )
        messages.success(request, _("The role is given."))
    except ValidationError as exc:
        _report(request, exc)
    return redirect("accounts:user_detail", pk=target.pk)


@access_policy(SCOPED)
@login_required
@require_POST
def user_role_end(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    form = RoleEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("accounts:user_detail", pk=target.pk)
    data = form.cleaned_data
    assignment = RoleAssignment.objects.filter(user=target, pk=data["assignment"]).first()
    if assignment is None:
        raise Http404
    try:
        services.role_end(actor=request.user, assignment=assignment, on=data["on"], reason=data["reason"])
        messages.success(request, _("The role is ended."))
    except ValidationError as exc:
        _report(request, exc)
    return redirect("accounts:user_detail", pk=target.pk)


@access_policy(SCOPED)
@login_required
@require_POST
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    form = ReasonForm(request.POST, prefix="reset")
    if not form.is_valid():
        messages.error(request, _("Say why the password is reset."))
        return redirect("accounts:user_detail", pk=target.pk)
    try:
        password = services.user_password_reset(
            actor=request.user, user=target, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        _report(request, exc)
    else:
        request.session[ONE_TIME_SESSION_KEY] = [target.pk, password]
        messages.success(request, _("The password is reset."))
    return redirect("accounts:user_detail", pk=target.pk)


@access_policy(SCOPED)
@login_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    form = ReasonForm(request.POST, prefix="deactivate")
    if not form.is_valid():
        messages.error(request, _("Say why the account is deactivated."))
        return redirect("accounts:user_detail", pk=target.pk)
    try:
        services.user_deactivate(actor=request.user, user=target, reason=form.cleaned_data["reason"])
        messages.success(request, _("The account is deactivated."))
    except ValidationError as exc:
        _report(request, exc)
    return redirect("accounts:user_detail", pk=target.pk)


@access_policy(SIGNED_IN)
class PasswordChangeView(auth_views.PasswordChangeView):
    """Choose one's own password (required at the first sign-in and after a reset)."""

    template_name = "accounts/password_change.html"

    def get_success_url(self) -> str:
        from django.urls import reverse

        return reverse("web:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_changed(user=form.user)
        messages.success(self.request, _("Your password is changed."))
        return response


@access_policy(SCOPED)
@login_required
def read_log_list(request: HttpRequest) -> HttpResponseBase:
    """The read log, per record and per user (administrators)."""
    qs = read_log_entries(user=request.user)
    form = ReadLogFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["start"]:
            qs = qs.filter(at__gte=data["start"])
        if data["end"]:
            qs = qs.filter(at__lt=data["end"])
        if data["actor"]:
            qs = qs.filter(actor__username=data["actor"])
        if data["target_type"]:
            qs = qs.filter(target_type=data["target_type"])
        if data["target_id"]:
            qs = qs.filter(target_id=data["target_id"])
    elif form.is_bound:  # a filter that does not hold shows its errors, not the unfiltered log
        qs = qs.none()
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "accounts/read_log.html", {"page": page, "form": form}, status=status)
