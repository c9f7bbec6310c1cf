from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chibo.core.access import SCOPED, access_policy
from chibo.core.validtime import today
from chibo.orgs import selectors as org_selectors


@access_policy(SCOPED)
@login_required
def home(request: HttpRequest) -> HttpResponse:
    on = today()
    roots = org_selectors.org_roots(user=request.user, on=on)
    return render(request, "web/home.html", {"roots": roots, "on": on})
