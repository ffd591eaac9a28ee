"""U4: every catalogue of the project is complete and compiled: each app's
``locale/<lang>/LC_MESSAGES/*.po`` (the console's, the sandbox's, the reports'…, whichever
exist) has every message translated, nothing fuzzy, the placeholders of the English text,
and a ``.mo`` beside it that says the same (a fresh clone has no gettext tools to compile
it: the ``.mo`` files are committed, ``make messages`` makes both)."""

from __future__ import annotations

import ast
import os
import re
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import to_locale

ROOT = Path(settings.BASE_DIR)
SKIPPED = {".venv", "node_modules", ".git", "var", "staticfiles"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def catalogues() -> list[Path]:
    found = []
    for po in sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po")):
        if not SKIPPED.intersection(po.relative_to(ROOT).parts):
            found.append(po)
    return found


@dataclass
class Entry:
    msgid: str = ""
    plural: str | None = None
    context: str | None = None
    strings: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    line: int = 0

    @property
    def key(self) -> str:
        """The key the compiled catalogue files it under (GNU gettext's)."""
        key = self.msgid if self.plural is None else f"{self.msgid}\x00{self.plural}"
        return key if self.context is None else f"{self.context}\x04{key}"

    @property
    def value(self) -> str:
        return "\x00".join(self.strings[i] for i in sorted(self.strings))


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (obsolete ``#~`` ones left out); a small reader of the
    format ``makemessages`` writes: keywords, quoted strings continued on the next lines."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry
        if entry.strings or entry.msgid:
            entries.append(entry)
        entry = Entry()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry.strings:
                finish()
            if line.startswith("#,") and "fuzzy" in line:
                entry.fuzzy = True
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            text = ast.literal_eval(line)
        else:
            text = ast.literal_eval(rest)
            if keyword in ("msgctxt", "msgid") and entry.strings:
                finish()
            if keyword == "msgctxt":
                target = ("context", 0)
                entry.context = ""
            elif keyword == "msgid":
                target = ("msgid", 0)
                entry.line = number
            elif keyword == "msgid_plural":
                target = ("plural", 0)
                entry.plural = ""
            elif keyword == "msgstr":
                target = ("str", 0)
                entry.strings[0] = ""
            elif keyword.startswith("msgstr["):
                target = ("str", int(keyword[7:-1]))
                entry.strings[target[1]] = ""
            else:
                raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
        assert target is not None, f"{path}:{number}: text before any keyword"
        kind, index = target
        if kind == "context":
            entry.context = (entry.context or "") + text
        elif kind == "msgid":
            entry.msgid += text
        elif kind == "plural":
            entry.plural = (entry.plural or "") + text
        else:
            entry.strings[index] += text
    finish()
    return entries


def read_mo(path: Path) -> dict[str, str]:
    """A compiled catalogue's keys and translations (the GNU .mo layout: a header, then
    two tables of (length, offset) pairs for the originals and the translations)."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    count, originals, translations = struct.unpack(f"{order}4xIII", data[4:20])
    catalogue = {}
    for i in range(count):
        length, offset = struct.unpack(f"{order}II", data[originals + 8 * i : originals + 8 * i + 8])
        key = data[offset : offset + length].decode("utf-8")
        length, offset = struct.unpack(f"{order}II", data[translations + 8 * i : translations + 8 * i + 8])
        catalogue[key] = data[offset : offset + length].decode("utf-8")
    return catalogue


def test_the_console_has_its_catalogues() -> None:
    """The list below is never empty by accident: the console's four are there."""
    console = {str(po.relative_to(ROOT)) for po in catalogues()}
    for language in ("pt_BR", "de"):
        for domain in ("django", "djangojs"):
            assert f"console/locale/{language}/LC_MESSAGES/{domain}.po" in console


@pytest.mark.parametrize("po", catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_catalogue_is_complete_and_compiled(po: Path) -> None:
    language = po.parent.parent.name
    assert language in {to_locale(code) for code, _name in settings.LANGUAGES}, (
        f"{po}: {language} is not one of settings.LANGUAGES"
    )
    entries = parse_po(po)
    header = [e for e in entries if e.msgid == "" and e.context is None]
    assert header and not header[0].fuzzy, f"{po}: the header is missing or fuzzy (msgfmt would skip it)"
    messages = [e for e in entries if e.msgid]
    assert messages, f"{po}: no messages"
    for entry in messages:
        where = f"{po.relative_to(ROOT)}:{entry.line} {entry.msgid!r}"
        assert not entry.fuzzy, f"{where}: fuzzy (check the translation, then remove the flag)"
        assert entry.strings and all(entry.strings.values()), f"{where}: not translated"
        wanted = sorted(set(PLACEHOLDER.findall(entry.msgid + (entry.plural or ""))))
        for text in entry.strings.values():
            got = sorted(set(PLACEHOLDER.findall(text)))
            # a singular form may leave the count out ("one file" for "%(count)s files")
            assert set(got) <= set(wanted) and (entry.plural is not None or got == wanted), (
                f"{where}: placeholders {got} instead of {wanted}"
            )

    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make messages` (compilemessages) and commit it"
    compiled = read_mo(mo)
    expected = {e.key: e.value for e in messages}
    compiled.pop("", None)  # the header
    assert compiled == expected, f"{mo} does not match {po.name}: run `make messages` and commit both"


def apps_with_catalogues() -> list[str]:
    return sorted({po.relative_to(ROOT).parts[0] for po in catalogues()} - {"locale"})


@pytest.mark.parametrize("app", apps_with_catalogues())
def test_django_admin_starts_in_each_app_folder_as_make_messages_runs_it(app: str) -> None:
    """``make messages`` runs ``django-admin makemessages`` inside each app's folder, and
    Celery's Django fix-up (loaded by ``django.setup()`` through ``waproject/__init__.py``)
    puts the current folder first on ``sys.path``: a module there named like one of the
    standard library's (``ops/secrets.py`` once) was imported in its place and broke the
    start-up. ``django-admin version`` goes through the same start-up."""
    admin = Path(sys.executable).with_name("django-admin")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "waproject.settings", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [str(admin), "version"],
        cwd=ROOT / app,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
