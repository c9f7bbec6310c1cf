"""Pagination: the API's page size, and a paginator that is told how to count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def _bounded_int(request: Request, name: str, maximum: int | None) -> int | None:
    """The query parameter `name` as an integer from 1 to `maximum`, None when absent; anything
    else is the client's error (400), as the schema says (the API contract, architecture.md)."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw) if raw.isascii() and raw.isdigit() else 0
    except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits)
        value = 0
    if value < 1 or (maximum is not None and value > maximum):
        if maximum is None:
            message = _("Enter a whole number of 1 or more.")
        else:
            message = _("Enter a whole number from 1 to %(maximum)s.") % {"maximum": maximum}
        raise ValidationError({name: [message]})
    return value


class Pagination(pagination.PageNumberPagination):
    """Page numbers from 1, page sizes from 1 to `max_page_size`: anything else answers 400 (not a
    silent default), and the schema states the bounds. A page past the last one answers 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        return _bounded_int(request, self.page_size_query_param, self.max_page_size) or self.page_size

    def get_page_number(self, request: Request, paginator: Any) -> int:
        return _bounded_int(request, self.page_query_param, None) or 1

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


class CountedPaginator(Paginator):
    """Django's paginator, told how to count: a selector may know a cheaper count than the
    `COUNT(*)` of the query that fetches the page (`members.selectors.member_search_count`)."""

    def __init__(self, object_list: Any, per_page: int, *, count: Callable[[], int], **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count()
