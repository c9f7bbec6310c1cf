"""`chibo demo` builds each capability's demo data after the base (tree, members, reform,
sign-ins), in the order of `STEPS`; `--base-only` skips them (the tests' shared demo)."""

from __future__ import annotations

import inspect
import io
from importlib import import_module

import pytest
from django.core.management.base import CommandError

from chibo.demo.management.commands.demo import STEPS, Command


def test_every_step_is_a_demo_module_with_a_build():
    for step in STEPS:
        build = import_module(f"chibo.demo.{step}").build
        assert "stdout" in inspect.signature(build).parameters, step


@pytest.mark.django_db
def test_the_command_runs_each_step_in_order(monkeypatch):
    calls: list[str] = []
    for step in STEPS:
        monkeypatch.setattr(import_module(f"chibo.demo.{step}"), "build",
                            lambda *, stdout, step=step: calls.append(step))
    Command(stdout=io.StringIO(), stderr=io.StringIO()).build_capabilities()
    assert calls == list(STEPS)


@pytest.mark.django_db
def test_a_failing_step_stops_the_build_with_its_name(monkeypatch):
    def boom(*, stdout):
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_module(f"chibo.demo.{STEPS[0]}"), "build", boom)
    with pytest.raises(CommandError, match=f"demo {STEPS[0]} failed: disk full"):
        Command(stdout=io.StringIO(), stderr=io.StringIO()).build_capabilities()
