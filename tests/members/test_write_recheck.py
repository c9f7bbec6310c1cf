"""A write is re-checked against the writer's scope inside its transaction (security.md G1,
Access issue item 2): when a write would leave the record outside the user's scope, the whole
write is undone and the user gets 404, as for any record out of scope."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse
from rest_framework import mixins, viewsets

from chibo.core.api import ScopedViewSetMixin
from chibo.core.scoping import OutOfScopeWrite, recheck_in_scope
from chibo.members import services, views
from chibo.members.models import Affiliation, Member, MemberEvent

pytestmark = pytest.mark.django_db


def test_recheck_passes_in_scope_and_refuses_out_of_scope(mt_tree, mt_people, mt_members):
    an, dung = mt_members["an"], mt_members["dung"]
    recheck_in_scope(mt_people["sec_a"], "member.change", Member.objects.all(), [an.pk])
    recheck_in_scope(mt_people["admin"], "member.change", Member.objects.all(), [an.pk, dung.pk])
    with pytest.raises(OutOfScopeWrite):
        recheck_in_scope(mt_people["sec_a"], "member.change", Member.objects.all(), [an.pk, dung.pk])
    with pytest.raises(OutOfScopeWrite):  # read-only roles hold no scope for changes
        recheck_in_scope(mt_people["viewer"], "member.change", Member.objects.all(), [an.pk])


def test_event_that_would_move_the_member_out_of_scope_is_undone(mt_tree, mt_people, mt_members, mt_login,
                                                                monkeypatch):
    """A service that (wrongly, or through a rule change) left the member in another cell: the
    view re-checks inside the transaction, answers 404 and nothing of the write stays."""
    an = mt_members["an"]
    real = services.member_event

    def moving_event(**kwargs):
        event = real(**kwargs)
        Affiliation.objects.filter(member=an).update(org=mt_tree["MT-CQ"])  # out of sec_a's cell
        return event

    monkeypatch.setattr(views.services, "member_event", moving_event)
    events_before = MemberEvent.objects.filter(member=an).count()
    response = mt_login(mt_people["sec_a"]).post(
        reverse("members:event_create", args=[an.pk]),
        {"type": "recognized_official", "on": "2016-05-19", "reason": "test"},
    )
    assert response.status_code == 404
    assert MemberEvent.objects.filter(member=an).count() == events_before
    assert set(Affiliation.objects.filter(member=an).values_list("org__code", flat=True)) == {"MT-CA"}


class _MemberWrites(ScopedViewSetMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg,misc]
    scope_area = "member"
    queryset = Member.objects.all()


class _Serializer:
    def __init__(self, instance: Member, write=None) -> None:
        self.instance = instance
        self.write = write

    def save(self) -> None:  # what UpdateModelMixin.perform_update calls
        self.write(self)


def test_api_write_that_leaves_the_scope_is_undone(mt_tree, mt_people, mt_members, rf):
    """The API base class re-checks created and updated objects the same way."""
    an = mt_members["an"]
    view = _MemberWrites()
    view.request = rf.patch("/")
    view.request.user = mt_people["sec_a"]

    def move_away(serializer: _Serializer) -> None:
        serializer.instance.full_name = "Nguyễn Văn Ân"
        serializer.instance.save(update_fields=["full_name"])
        Affiliation.objects.filter(member=serializer.instance).update(org=mt_tree["MT-CQ"])

    with pytest.raises(Http404):
        view.perform_update(_Serializer(an, move_away))
    assert Member.objects.get(pk=an.pk).full_name == "Nguyễn Văn An"
    assert set(Affiliation.objects.filter(member=an).values_list("org__code", flat=True)) == {"MT-CA"}

    def rename(serializer: _Serializer) -> None:  # staying in scope is fine
        serializer.instance.full_name = "Nguyễn Văn Ân"
        serializer.instance.save(update_fields=["full_name"])

    view._scoped_write(rename, _Serializer(an))
    assert Member.objects.get(pk=an.pk).full_name == "Nguyễn Văn Ân"
