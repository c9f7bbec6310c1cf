"""The translation catalogues are complete: every language in settings.LANGUAGES has every
string translated (Vietnamese too: it is the default language, and the msgids are English), no
fuzzy entry, a compiled .mo at least as new as its .po, and no string in the code that is
missing from the catalogue (checked by extracting the strings again, as `make messages` does).

There is one catalogue per `locale/` directory: the root one (`src/chibo/locale/`) and one in
each app that has its own `locale/` (the wave-2 apps: `src/chibo/<app>/locale/`). `makemessages`
run from `src/chibo` writes each string into the nearest `locale/` above its file, so an app with
its own directory keeps its strings out of the root catalogue; every catalogue is checked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "chibo"
LOCALE = PACKAGE / "locale"
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

pytestmark = pytest.mark.skipif(
    not LOCALE.is_dir(), reason=f"no translation catalogues yet: {LOCALE} does not exist"
)


def _locale_dirs(package: Path = PACKAGE) -> list[Path]:
    """The root catalogue's directory and every app's own `locale/` directory."""
    return [package / "locale"] + sorted(p for p in package.glob("*/locale") if p.is_dir())


CATALOGUES = [
    (d.relative_to(PACKAGE).as_posix(), code) for d in _locale_dirs() for code in LANGUAGE_CODES
]


def _po(code: str, locale: Path = LOCALE) -> Path:
    return locale / code / "LC_MESSAGES" / "django.po"


def _key(entry: polib.POEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def _label(entry: polib.POEntry) -> str:
    where = ", ".join(f"{f}:{line}" for f, line in entry.occurrences[:2])
    ctx = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{ctx}{entry.msgid!r}" + (f" ({where})" if where else "")


@pytest.mark.parametrize(("where", "code"), CATALOGUES)
def test_catalogue_is_complete(where: str, code: str) -> None:
    path = _po(code, PACKAGE / where)
    assert path.is_file(), f"{path} is missing (run `make messages` and translate)"
    catalogue = polib.pofile(str(path))
    live = [e for e in catalogue if not e.obsolete]
    assert live, f"{path} has no entries"
    fuzzy = [_label(e) for e in live if "fuzzy" in e.flags]
    untranslated = [_label(e) for e in live if not e.translated() and "fuzzy" not in e.flags]
    problems = [f"untranslated: {x}" for x in untranslated] + [f"fuzzy: {x}" for x in fuzzy]
    assert not problems, f"{path}: {len(problems)} problem(s)\n" + "\n".join(problems)


@pytest.mark.parametrize(("where", "code"), CATALOGUES)
def test_compiled_catalogue_is_up_to_date(where: str, code: str) -> None:
    po = _po(code, PACKAGE / where)
    mo = po.with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing (run `make compilemessages`)"
    assert mo.stat().st_mtime >= po.stat().st_mtime, f"{mo} is older than {po} (compile it)"
    compiled = {(e.msgctxt or "", e.msgid) for e in polib.mofile(str(mo))}
    source = {_key(e) for e in polib.pofile(str(po)) if e.translated()}
    missing = sorted(source - compiled)
    assert not missing, f"{mo} lacks {len(missing)} translated string(s) of {po}: {missing[:20]}"


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    """Extract the strings again into a copy of the package and compare with the committed
    Vietnamese catalogue: anything marked for translation but missing fails."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail("GNU gettext (xgettext, msgmerge) is needed: apt-get install gettext")
    copy = tmp_path / "chibo"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # A probe string proves that the extraction ran over this copy and found strings at all.
    probe = "chibo i18n extraction probe"
    (copy / "_i18n_probe.py").write_text(
        f"from django.utils.translation import gettext_noop\n\ngettext_noop({probe!r})\n"
    )
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTHONPATH", "SECRET_KEY"}
    }
    env.update(DJANGO_SETTINGS_MODULE="chibo.settings.test", PYTHONPATH=str(tmp_path))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "vi",
            "--no-obsolete",
            "--ignore",
            ".*",
            "--ignore",
            "__pycache__",
            "--ignore",
            "static/*",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    missing: list[str] = []
    probed = False
    for locale in _locale_dirs(copy):
        where = locale.relative_to(copy)
        regenerated = _po("vi", locale)
        if not regenerated.is_file():
            continue
        committed_po = _po("vi", PACKAGE / where)
        committed = (
            {_key(e) for e in polib.pofile(str(committed_po)) if not e.obsolete}
            if committed_po.is_file()
            else set()
        )
        fresh = [e for e in polib.pofile(str(regenerated)) if not e.obsolete]
        probed = probed or any(e.msgid == probe for e in fresh)
        fresh = [e for e in fresh if e.msgid != probe]
        missing += [f"{where}: {_label(e)}" for e in fresh if _key(e) not in committed]
    assert probed, "the extraction did not run over the copy"
    assert not missing, (
        f"{len(missing)} string(s) in the code are not in the catalogue "
        "(run `make messages`, then translate them in vi, en, ko and fa):\n" + "\n".join(missing)
    )
