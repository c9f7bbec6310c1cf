"""The kinds of background job. An app declares its kinds in its own `job_kinds.py` (found at
start-up, the way Django finds `admin.py`), so `jobs` imports no domain app:

    from chibo.jobs.registry import JobOutput, register

    def run(run: JobRun) -> JobOutput: ...
    register("members.export", label=gettext_lazy("Member export"), run=run)

A runner gets a `JobRun` (the job, its owner, `progress()`), does its work through the app's own
scoped selectors *as the owner*, writes its result into a temporary file and returns it as a
`JobOutput`; `chibo.jobs` moves the file into private storage. To fail with a clear message, a
runner raises `JobFailed(gettext_noop("…%(x)s…"), x=…)`: the message is stored untranslated and
shown in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from .services import JobRun


@dataclass(frozen=True)
class JobOutput:
    path: str  # a temporary file; chibo.jobs moves it into private storage and deletes it
    filename: str  # the name the download gets
    content_type: str


class JobFailed(Exception):
    """A runner's expected failure, with a message for the user (an untranslated msgid marked
    with gettext_noop, and its parameters)."""

    def __init__(self, text: str, **params: Any) -> None:
        super().__init__(text % params if params else text)
        self.text = text
        self.params = params


@dataclass(frozen=True)
class JobKind:
    key: str
    label: Promise
    run: Callable[[JobRun], JobOutput]


_KINDS: dict[str, JobKind] = {}


def register(key: str, *, label: Promise, run: Callable[[JobRun], JobOutput]) -> JobKind:
    kind = JobKind(key=key, label=label, run=run)
    _KINDS[key] = kind
    return kind


def get_kind(key: str) -> JobKind | None:
    return _KINDS.get(key)


def kinds() -> dict[str, JobKind]:
    return dict(_KINDS)
