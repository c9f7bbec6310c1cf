"""The translation catalogues are complete: every language in settings.LANGUAGES has every
string translated (Vietnamese too: it is the default language, and the msgids are English), no
fuzzy entry, a compiled .mo at least as new as its .po, and no string in the code that is
missing from the catalogue (checked by extracting the strings again, as `make messages` does)."""

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


def _po(code: str) -> Path:
    return LOCALE / code / "LC_MESSAGES" / "django.po"


def _key(entry: polib.POEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def _label(entry: polib.POEntry) -> str:
    where = ", ".join(f"{f}:{line}" for f, line in entry.occurrences[:2])
    ctx = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{ctx}{entry.msgid!r}" + (f" ({where})" if where else "")


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_catalogue_is_complete(code: str) -> None:
    path = _po(code)
    assert path.is_file(), f"{path} is missing (run `make messages` and translate)"
    catalogue = polib.pofile(str(path))
    live = [e for e in catalogue if not e.obsolete]
    assert live, f"{path} has no entries"
    fuzzy = [_label(e) for e in live if "fuzzy" in e.flags]
    untranslated = [_label(e) for e in live if not e.translated() and "fuzzy" not in e.flags]
    problems = [f"untranslated: {x}" for x in untranslated] + [f"fuzzy: {x}" for x in fuzzy]
    assert not problems, f"{path}: {len(problems)} problem(s)\n" + "\n".join(problems)


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_compiled_catalogue_is_up_to_date(code: str) -> None:
    po, mo = _po(code), _po(code).with_suffix(".mo")
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
    regenerated = copy / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    committed = {_key(e) for e in polib.pofile(str(_po("vi"))) if not e.obsolete}
    fresh = [e for e in polib.pofile(str(regenerated)) if not e.obsolete]
    assert any(e.msgid == probe for e in fresh), "the extraction did not run over the copy"
    fresh = [e for e in fresh if e.msgid != probe]
    missing = [_label(e) for e in fresh if _key(e) not in committed]
    assert not missing, (
        f"{len(missing)} string(s) in the code are not in the catalogue "
        "(run `make messages`, then translate them in vi, en, ko and fa):\n" + "\n".join(missing)
    )
