"""Console catalogues: every message in the templates and page code has a Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from lianrong.web import i18n

WEB = Path(i18n.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extracted() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "t": None}
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    out = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(WEB), method_map, keywords=keywords):
        out.add(message[0] if isinstance(message, tuple) else message)
    return out


def _catalog(locale: str):
    with (WEB / "locale" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def test_every_console_message_is_translated_into_chinese():
    zh = _catalog("zh_CN")
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in zh
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(_extracted() - translated)
    assert not missing, f"add these to web/locale/zh_CN/LC_MESSAGES/messages.po: {missing}"


def test_translations_keep_their_placeholders():
    for m in _catalog("zh_CN"):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) == set(PLACEHOLDER.findall(ids[0])), m.id


def test_catalogues_compile_and_switch():
    assert i18n.translations("zh").gettext("Log out") == "退出"
    assert i18n.translations("en").gettext("Log out") == "Log out"
    assert i18n.normalize("fr") == "zh"
