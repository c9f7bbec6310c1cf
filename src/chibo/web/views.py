from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from chibo.core.access import PUBLIC, SCOPED, access_policy
from chibo.core.validtime import today
from chibo.orgs import selectors as org_selectors


@access_policy(SCOPED)
@login_required
def home(request: HttpRequest) -> HttpResponse:
    on = today()
    roots = org_selectors.org_roots(user=request.user, on=on)
    return render(request, "web/home.html", {"roots": roots, "on": on, "admission": _admission_status(request.user),
                                             "has_member_record": _has_member_record(request.user)})


def _has_member_record(user: object) -> bool:
    """Whether the account is linked to a party member's record (then the home page links to the
    member's own posts)."""
    from chibo.members.models import Member

    pk = getattr(user, "pk", None)
    return pk is not None and Member.objects.filter(user_id=pk).exists()


def _admission_status(user: object) -> object:
    """The admission procedure in the user's scope today (what is due this week, what is late)."""
    from chibo.accounts.selectors import holds_action
    from chibo.admission.selectors import pipeline_status

    if not holds_action(user, "member.view"):
        return None
    return pipeline_status(user=user, org=None, on=today())


@access_policy(PUBLIC)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and tools that ask for /favicon.ico get the icon the pages link to."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))
