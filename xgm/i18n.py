"""Language choice: Simplified Chinese first, English via ?lang=en or Accept-Language."""

from flask import current_app, g, has_app_context, request, session
from flask_babel import get_locale, get_translations
from jinja2 import pass_context

LANG_ALIASES = {
    "en": "en",
    "en_us": "en",
    "zh": "zh_Hans_CN",
    "zh_cn": "zh_Hans_CN",
    "zh_hans_cn": "zh_Hans_CN",
    "zh-cn": "zh_Hans_CN",
}


def select_locale() -> str:
    """Pick the UI language: ?lang= (remembered in the session), else the browser, else Chinese."""
    asked = request.args.get("lang", "").strip().lower().replace("-", "_")
    if asked in LANG_ALIASES:
        session["lang"] = LANG_ALIASES[asked]
        return LANG_ALIASES[asked]
    if session.get("lang") in current_app.config["XGM_LANGUAGES"]:
        return session["lang"]
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"])
    if best and best.startswith("en"):
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _translations():
    """The current translations, memoised on the app context for the current locale object.

    Flask-Babel resolves domain, locale and its catalogue cache (keyed by str(locale)) on every
    `_()` call; a page calls it a dozen times or more. force_locale() swaps the locale object,
    which misses this memo, so it stays right.
    """
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    memo = g.get("_xgm_translations")
    if memo is not None and memo[0] is locale:
        return memo[1]
    translations = get_translations()
    g._xgm_translations = (locale, translations)
    return translations


#: The template context variable holding the render's translations (see below).
_TEMPLATE_TRANSLATIONS = "_xgm_translations"


def _of(context):
    """The translations a template's _() uses: its render's, else the current ones (a
    template imported without context, or rendered outside render_template)."""
    translations = context.get(_TEMPLATE_TRANSLATIONS)
    return translations if translations is not None else _translations()


@pass_context
def _gettext(context, s):
    return _of(context).ugettext(s)


@pass_context
def _ngettext(context, s, p, n):
    return _of(context).ungettext(s, p, n)


@pass_context
def _pgettext(context, c, s):
    return _of(context).upgettext(c, s)


@pass_context
def _npgettext(context, c, s, p, n):
    return _of(context).unpgettext(c, s, p, n)


def install_template_gettext(app) -> None:
    """Give the templates' _(), ngettext() & co. the translations of their render (after Babel).

    A page calls _() dozens of times: each render looks the translations up once (a context
    processor, so a render inside force_locale() gets that locale's), and each _() takes them
    from its template context."""
    app.jinja_env.install_gettext_callables(
        gettext=_gettext,
        ngettext=_ngettext,
        newstyle=True,
        pgettext=_pgettext,
        npgettext=_npgettext,
    )

    @app.context_processor
    def _render_translations():
        return {_TEMPLATE_TRANSLATIONS: _translations()}
