"""Every text marked for translation has an English translation: the portal is Chinese first with English available,
so a marked text missing from locale/en would show in Chinese on an English page."""
import ast
import re
from pathlib import Path

from django.conf import settings
from django.utils.translation import trans_real

ROOT = Path(settings.BASE_DIR)
SOURCES = ("core", "points", "suppliers", "logistics", "settlement", "config")
CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop"}
#: the names makemessages reads a text to translate from (xgettext's own for Python and those Django adds), by what they
#: are: a translation function imported under any other name hides its texts from it, so they would leave the catalog
#: the next time it is made
EXTRACTED = {"gettext": {"gettext", "_"}, "gettext_lazy": {"gettext_lazy", "_"}, "gettext_noop": {"gettext_noop", "_"},
             "ngettext": {"ngettext"}, "ngettext_lazy": {"ngettext_lazy"}, "pgettext": {"pgettext"},
             "pgettext_lazy": {"pgettext_lazy"}, "npgettext": {"npgettext"}, "npgettext_lazy": {"npgettext_lazy"}}
CONTEXT_CALLS = {"pgettext", "pgettext_lazy"}
TRANS = re.compile(r"""{%\s*trans(?:late)?\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')(?:\s+context\s+"([^"]*)")?""")
BLOCK = re.compile(r"{%\s*blocktrans(?:late)?\b([^%]*)%}(.*?){%\s*endblocktrans(?:late)?\s*%}", re.S)


def marked_in_python(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        texts = [arg.value for arg in node.args[:2] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
        if name in CALLS and texts and isinstance(node.args[0], ast.Constant):
            yield node.lineno, texts[0]
        elif name in CONTEXT_CALLS and len(texts) == 2:
            yield node.lineno, f"{texts[0]}\x04{texts[1]}"


def marked_in_template(path: Path):
    text = path.read_text(encoding="utf-8")
    for match in TRANS.finditer(text):
        literal = (match.group(1) if match.group(1) is not None else match.group(2)).replace("%", "%%")  # as Django's trans looks its msgid up
        yield text[: match.start()].count("\n") + 1, f"{match.group(3)}\x04{literal}" if match.group(3) else literal
    for match in BLOCK.finditer(text):
        body = match.group(2)
        if "{% plural" in body:
            continue
        key = re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body.replace("%", "%%"))  # as Django's blocktrans builds its msgid
        yield text[: match.start()].count("\n") + 1, key


def test_every_marked_text_has_an_english_translation():
    english = trans_real.translation("en")._catalog
    missing = []
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                missing += [f"{path.relative_to(ROOT)}:{line} {text!r}" for line, text in marked_in_python(path) if text not in english]
        for path in sorted((ROOT / package).rglob("templates/**/*.html")):
            missing += [f"{path.relative_to(ROOT)}:{line} {text!r}" for line, text in marked_in_template(path) if text not in english]

    assert not missing, "marked texts with no English translation (add them to locale/en/LC_MESSAGES/django.po):\n" + "\n".join(missing)


def translated_at_import(path: Path):
    """Calls of a non-lazy gettext outside any function: they run once, in the language active at import (Chinese), so
    the text would never follow the reader's language."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    eager = {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
             for alias in node.names if alias.name in {"gettext", "pgettext", "ngettext"}}

    def calls(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.Call) and getattr(child.func, "id", None) in eager:
                yield child.lineno
            yield from calls(child)

    return list(calls(tree)) if eager else []


def test_no_text_is_translated_once_at_import():
    found = [f"{path.relative_to(ROOT)}:{line}" for package in SOURCES for path in sorted((ROOT / package).rglob("*.py"))
             if "migrations" not in path.parts for line in translated_at_import(path)]

    assert not found, "use gettext_lazy for texts built at import:\n" + "\n".join(found)


def test_every_translation_function_is_imported_under_a_name_makemessages_reads():
    found = [f"{path.relative_to(ROOT)}:{node.lineno} {alias.name} as {alias.asname}"
             for package in SOURCES for path in sorted((ROOT / package).rglob("*.py")) if "migrations" not in path.parts
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
             for alias in node.names if alias.name in EXTRACTED and (alias.asname or alias.name) not in EXTRACTED[alias.name]]

    assert not found, "import these under their own name (or gettext, gettext_lazy, gettext_noop as _):\n" + "\n".join(found)


def test_no_template_writes_a_full_width_colon_outside_a_translated_text():
    """A label carries its colon inside its message (`{% trans "角色：" %}`, or a blocktrans "{{ label }}：{{ text }}"),
    so that English reads "Role: "; a "：" written after a tag or a value shows on English pages too."""
    found = []
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("templates/**/*.html")):
            text = BLOCK.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), path.read_text(encoding="utf-8"))
            found += [f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}" for match in re.finditer(r"(%}|}})：", text)]

    assert not found, "put the colon inside the translated text (core.pages.labelled or blocktrans):\n" + "\n".join(found)
