"""Console languages: Simplified Chinese by default, English on request (cookie ``lr_lang``).

Every console text goes through the Babel catalogues in ``web/locale/<locale>/LC_MESSAGES/messages.po``.
Message ids are English; the ``zh_CN`` catalogue carries the Chinese. The ``.po`` files are the source
of truth and are compiled in memory on first use (no ``.mo`` to keep in step); ``pybabel compile``
still works for anyone who wants ``.mo`` files. Extraction: ``pybabel extract -F babel.cfg``.
"""

from __future__ import annotations

import contextvars
import gettext as _gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
#: console language code → Babel locale of its catalogue and the HTML ``lang`` attribute
LANGUAGES = {"zh": ("zh_CN", "zh-CN"), "en": ("en", "en")}
DEFAULT_LANG = "zh"
LANG_COOKIE = "lr_lang"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("lr_console_lang", default=DEFAULT_LANG)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark for extraction only"
    """Mark a message for extraction; it is translated where it is shown."""
    return message


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of a console language (compiled from its .po once per process)."""
    locale = LANGUAGES.get(lang, LANGUAGES[DEFAULT_LANG])[0]
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf, domain="messages")


def normalize(lang: str | None) -> str:
    """A supported language code ('zh' or 'en'); anything else is the default."""
    return lang if lang in LANGUAGES else DEFAULT_LANG


def set_language(lang: str) -> None:
    """Use this language for the rest of the current request (rendering and messages)."""
    _current.set(normalize(lang))


def current_language() -> str:
    return _current.get()


def gettext(message: str) -> str:
    """Translate into the current request's language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with a plural form into the current request's language."""
    return translations(_current.get()).ngettext(singular, plural, n)


_ = gettext
