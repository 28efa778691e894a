"""Jinja's newstyle gettext formats every message with ``%``, even when no variable is passed, so
a template message naming ``%(x)s`` without passing ``x`` (or with a lone ``%``) renders as a 500.
Every ``_()``/``gettext()``/``ngettext()`` call in every template is checked here, on Jinja's own
parse tree, instead of waiting for a page to hit it."""
from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/**/templates")]
FORMAT = re.compile(r"%(?:\((\w+)\)[sdif]|%)")


def _templates() -> list[Path]:
    found = {p for folder in TEMPLATE_DIRS if ".venv" not in folder.parts for p in folder.rglob("*.html")}
    return sorted(found)


def _problems(path: Path, root: Path = ROOT) -> list[str]:
    env = Environment(extensions=["jinja2.ext.i18n"])
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    tree = env.parse(path.read_text(encoding="utf-8"))
    out = []
    for call in tree.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Name) or call.node.name not in ("_", "gettext", "ngettext"):
            continue
        given = {kw.key for kw in call.kwargs}
        if call.node.name == "ngettext":
            given.add("num")
        for arg in call.args[:2 if call.node.name == "ngettext" else 1]:
            if not isinstance(arg, nodes.Const) or not isinstance(arg.value, str):
                continue
            text = arg.value
            named = set(FORMAT.findall(text)) - {""}
            stray = FORMAT.sub("", text).count("%")
            if named - given or stray:
                out.append(f"{path.relative_to(root)}:{call.lineno}: {text!r} needs {sorted(named - given)}"
                           + (" and has a lone %" if stray else ""))
    return out


def test_templates_are_found():
    assert len(_templates()) > 20


def test_every_template_message_gets_the_variables_it_names():
    problems = [p for path in _templates() for p in _problems(path)]
    assert problems == []


def test_the_check_catches_both_traps(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('{{ _("Hello %(name)s") }} {{ _("50% off") }} {{ _("ok %(n)s", n=1) }} {{ _("100%%") }}',
                   encoding="utf-8")
    problems = _problems(bad, tmp_path)
    assert len(problems) == 2 and "['name']" in problems[0] and "lone %" in problems[1]
