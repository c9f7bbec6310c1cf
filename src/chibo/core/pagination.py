"""Pagination: the API's page size, and a paginator that is told how to count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework import pagination


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class CountedPaginator(Paginator):
    """Django's paginator, told how to count: a selector may know a cheaper count than the
    `COUNT(*)` of the query that fetches the page (`members.selectors.member_search_count`)."""

    def __init__(self, object_list: Any, per_page: int, *, count: Callable[[], int], **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count()
