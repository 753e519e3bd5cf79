"""The English catalogue is complete, compiled, and consistent with the sources.

The interface is written in Chinese (the msgids are the Chinese text), so a string that is
missing from, untranslated in, or wrongly compiled into the English catalogue shows up as
Chinese on an English page. These checks need no database and no gettext tools.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest

import kepu

PACKAGE_DIR = Path(kepu.__file__).resolve().parent
PO_PATH = PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# Deliberately bilingual static HTML: rendered without the template engine's i18n.
UNTRANSLATED_TEMPLATES = {"templates/errors/500.html"}

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# %(name)s, %(n)d, %s, %d (with optional flags/width/precision); "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdifxXeEgGcr]|%%")


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO_PATH))


def _entries(po):
    return [e for e in po if not e.obsolete]


def _key(entry):
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def _translation(entry):
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return entry.msgstr


def _placeholders(text: str) -> set[str]:
    return {m.group() for m in PLACEHOLDER.finditer(text) if m.group() != "%%"}


# (a) -----------------------------------------------------------------------------------------


def test_po_header_is_english_with_plural_forms(po):
    assert po.metadata.get("Language") == "en"
    assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=2;plural=(n!=1);"
    assert not po.metadata_is_fuzzy, "remove the '#, fuzzy' flag from the header entry"


def test_every_entry_is_translated_and_not_fuzzy(po):
    entries = _entries(po)
    assert entries, "the English catalogue is empty"
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    missing = []
    for e in entries:
        if e.msgid_plural:
            forms = e.msgstr_plural
            if sorted(forms) != [0, 1] or not all(s.strip() for s in forms.values()):
                missing.append(e.msgid)
        elif not e.msgstr.strip():
            missing.append(e.msgid)
    assert not missing, f"untranslated entries: {missing}"


# (b) -----------------------------------------------------------------------------------------


def test_compiled_mo_matches_po(po):
    assert MO_PATH.exists(), "run `kepu compilemessages -l en` and commit django.mo"
    mo = polib.mofile(str(MO_PATH))
    from_po = {_key(e): _translation(e) for e in _entries(po) if "fuzzy" not in e.flags}
    from_mo = {_key(e): _translation(e) for e in mo if e.msgid}
    missing = sorted(k[1] for k in from_po.keys() - from_mo.keys())
    extra = sorted(k[1] for k in from_mo.keys() - from_po.keys())
    changed = sorted(k[1] for k in from_po.keys() & from_mo.keys() if from_po[k] != from_mo[k])
    assert not (missing or extra or changed), (
        "django.mo is out of date; run `kepu compilemessages -l en`. "
        f"missing={missing} extra={extra} changed={changed}"
    )
    assert mo.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=2;plural=(n!=1);"


# (c) -----------------------------------------------------------------------------------------


def test_placeholders_are_kept(po):
    problems = []
    for e in _entries(po):
        if e.msgid_plural:
            wanted = _placeholders(e.msgid) | _placeholders(e.msgid_plural)
            translations = list(e.msgstr_plural.values())
        else:
            wanted = _placeholders(e.msgid)
            translations = [e.msgstr]
        for text in translations:
            if text and _placeholders(text) != wanted:
                problems.append(f"{e.msgid!r}: {sorted(wanted)} != {sorted(_placeholders(text))} in {text!r}")
    assert not problems, "\n".join(problems)


def test_translations_used_in_templates_have_no_ascii_quotes(po):
    """Template strings land in attributes (placeholder, aria-label) and in confirm('…')."""
    bad = [
        (e.msgid, text)
        for e in _entries(po)
        if any(path.endswith(".html") for path, _line in e.occurrences)
        for text in ([e.msgstr] if not e.msgid_plural else list(e.msgstr_plural.values()))
        if '"' in text or "'" in text
    ]
    assert not bad, f"use typographic quotes (“ ” ’) instead: {bad}"


# (d) -----------------------------------------------------------------------------------------

TRANSLATED_OR_COMMENT = re.compile(
    r"\{#.*?#\}"
    r"|\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}"
    r"|\{%\s*(?:blocktranslate|blocktrans)\b.*?%\}.*?\{%\s*(?:endblocktranslate|endblocktrans)\s*%\}"
    r"|\{%\s*(?:translate|trans)\b.*?%\}"
    r"|\b_\(\"[^\"]*\"\)",  # a translated literal in a filter argument: {{ x|default:_("系统") }}
    re.S,
)


def _template_files() -> list[Path]:
    files = set(PACKAGE_DIR.glob("templates/**/*.html")) | set(PACKAGE_DIR.glob("*/templates/**/*.html"))
    return sorted(f for f in files if f.relative_to(PACKAGE_DIR).as_posix() not in UNTRANSLATED_TEMPLATES)


def _untranslated_chinese_in_templates() -> list[str]:
    findings = []
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        # Blank out translated text and comments, keeping the line breaks for line numbers.
        rest = TRANSLATED_OR_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
        for number, line in enumerate(rest.splitlines(), start=1):
            findings += [f"{path.relative_to(PACKAGE_DIR)}:{number}: {m.group()}" for m in CJK.finditer(line)]
    return findings


def test_templates_have_no_chinese_outside_translate_tags():
    assert _template_files(), "no templates found"
    findings = _untranslated_chinese_in_templates()
    assert not findings, "Chinese text not marked for translation:\n" + "\n".join(findings)


def test_template_scanner_sees_through_tags_but_not_plain_text(tmp_path):
    sample = (
        '{# 注释 #}<a title="{% translate \'标题\' %}">{% translate "链接" %}</a>\n'
        "{% blocktranslate with n=x %}共 {{ n }} 条\n记录{% endblocktranslate %}\n"
        "<p>漏掉的文字</p>{{ x|default:_(\"系统\") }}\n"
    )
    rest = TRANSLATED_OR_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), sample)
    found = [(n, m.group()) for n, line in enumerate(rest.splitlines(), 1) for m in CJK.finditer(line)]
    assert found == [(4, "漏掉的文字")]


# (e) The catalogue is not stale: every literal msgid in the sources is in it. ----------------

GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
TRANSLATE_TAG = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]*)"|'([^']*)')(?P<rest>[^%]*)%\}""")


def _python_msgids() -> dict[str, str]:
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR).as_posix()
        if "/tests/" in f"/{rel}" or "/migrations/" in f"/{rel}" or rel.startswith("locale/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in GETTEXT_FUNCTIONS:
                continue
            arg = node.args[1] if name.startswith("pgettext") and len(node.args) > 1 else node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and CJK.search(arg.value):
                found.setdefault(arg.value, f"{rel}:{node.lineno}")
    return found


def _template_msgids() -> dict[str, str]:
    found = {}
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for m in TRANSLATE_TAG.finditer(text):
            msgid = m.group(1) if m.group(1) is not None else m.group(2)
            if "noop" not in m.group("rest") and CJK.search(msgid):
                line = text.count("\n", 0, m.start()) + 1
                found.setdefault(msgid, f"{path.relative_to(PACKAGE_DIR)}:{line}")
    return found


def test_catalogue_has_every_marked_string(po):
    known = {e.msgid for e in _entries(po)}
    wanted = {**_template_msgids(), **_python_msgids()}
    assert wanted, "the source scan found no strings"
    missing = sorted(f"{where}: {msgid}" for msgid, where in wanted.items() if msgid not in known)
    assert not missing, (
        "strings missing from the English catalogue; run `kepu makemessages -l en --no-obsolete` "
        "from kepu/, translate, then `kepu compilemessages -l en`:\n" + "\n".join(missing)
    )
