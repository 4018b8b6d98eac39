"""CI check: the catalogues are up to date and French is complete.

Runs `makemessages` on a copy of the source tree's catalogues and fails when it
would change them (a string added to the code but not to `locale/`), or when a
French entry is untranslated or fuzzy, or a .mo file disagrees with its .po.
Needs GNU gettext (Debian package `gettext`).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "liberation" / "locale"


def _entries(po_path: Path) -> dict:
    return {(e.msgctxt, e.msgid, e.msgid_plural): e for e in polib.pofile(str(po_path))}


def main() -> int:
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        backup = Path(tmp) / "locale"
        shutil.copytree(LOCALE, backup)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "liberation.settings.test"}
        try:
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "manage.py"),
                    "makemessages",
                    "-l",
                    "fr",
                    "-l",
                    "en",
                    "--no-location",
                    "--no-obsolete",
                    "-v",
                    "0",
                ],
                cwd=ROOT / "liberation",
                env=env,
                check=True,
            )
            for lang in ("fr", "en"):
                po = LOCALE / lang / "LC_MESSAGES" / "django.po"
                before = _entries(backup / lang / "LC_MESSAGES" / "django.po")
                after = _entries(po)
                missing = sorted(set(after) - set(before), key=str)
                for key in missing:
                    problems.append(f"{lang}: not in the catalogue: {key[1]!r}")
        finally:
            shutil.rmtree(LOCALE)
            shutil.copytree(backup, LOCALE)
    fr = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
    for entry in polib.pofile(str(fr)):
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fr: fuzzy: {entry.msgid!r}")
        elif not entry.translated():
            problems.append(f"fr: untranslated: {entry.msgid!r}")
    for lang in ("fr", "en"):
        po = LOCALE / lang / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        compiled = {e.msgid: e.msgstr for e in polib.mofile(str(mo))} if mo.exists() else {}
        stale = [
            e.msgid
            for e in polib.pofile(str(po))
            if e.translated() and not e.msgid_plural and compiled.get(e.msgid) != e.msgstr
        ]
        if stale:
            problems.append(f"{lang}: django.mo out of date ({len(stale)} entries): make messages")
    for problem in problems:
        print(problem)
    print("catalogues: ok" if not problems else f"catalogues: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
