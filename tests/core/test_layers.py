"""Arrows run down (docs/architecture.md, issue 20 part 2): no app imports the demo, and each
domain app imports only the floors below it. The indicator registry (`reports.registry`) sits with
`core` (it knows no domain app); the rest of `reports` sits above the domain apps."""

from __future__ import annotations

import ast
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "chibo"
# what each domain app may import (other chibo apps); `reports.registry` is allowed where listed
BELOW: dict[str, set[str]] = {
    "core": set(),
    "rules": {"core"},
    "geo": {"core"},
    "jobs": {"core"},
    "orgs": {"core", "reports.registry"},
    "accounts": {"core", "orgs"},
    "members": {"core", "rules", "orgs", "accounts", "jobs", "reports.registry"},
    "restructuring": {"core", "geo", "orgs", "members"},
}


def imports_of(app: str) -> set[tuple[str, str]]:
    """(module path, imported chibo module) for every import in the app, migrations excluded."""
    out: set[tuple[str, str]] = set()
    for path in (SRC / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("chibo."):
                    out.add((str(path.relative_to(SRC)), name))
    return out


def test_no_app_imports_the_demo():
    apps = [p.name for p in SRC.iterdir() if (p / "__init__.py").exists() and p.name != "demo"]
    found = sorted((where, name) for app in apps for where, name in imports_of(app)
                   if name == "chibo.demo" or name.startswith("chibo.demo."))
    assert not found, found


@pytest.mark.parametrize("app", sorted(BELOW))
def test_domain_apps_import_only_the_floors_below(app):
    allowed = BELOW[app] | {app}
    wrong = []
    for where, name in imports_of(app):
        parts = name.split(".")
        target = parts[1]
        if target in allowed:
            continue
        if f"{target}.{parts[2] if len(parts) > 2 else ''}" in allowed:
            continue
        if (SRC / target / "__init__.py").exists():
            wrong.append((where, name))
    assert not wrong, sorted(wrong)
