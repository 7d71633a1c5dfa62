"""Language choice: Simplified Chinese first, English via ?lang=en or Accept-Language."""

from flask import current_app, request, session

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
