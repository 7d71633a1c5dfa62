"""Error pages in Chinese (or English), never a stack trace; JSON for API callers."""

import logging

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from xgm.observability.requestid import current_request_id

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("请求无效"), _("提交的内容不完整或已过期，请返回上一页刷新后重试。")),
        403: (_("没有权限"), _("您的账号无权打开此页面。如需权限，请联系贵公司的管理员。")),
        404: (_("页面不存在"), _("您要找的页面不存在，或者您无权查看。")),
        405: (_("操作不被允许"), _("此页面不支持这种操作，请返回上一页。")),
        413: (_("内容太大"), _("提交的内容超过了大小限制。")),
        429: (_("操作太频繁"), _("尝试次数过多，请稍等一会儿再试。")),
        500: (_("系统出错了"), _("我们已记录此问题，请稍后再试。如急需进出，请联系门卫人工登记。")),
        503: (_("服务暂时不可用"), _("请稍后再试。")),
    }


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith(("/hooks/", "/api/")) or (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(code: int, detail: str | None = None):
    """Render the error page (or JSON) for an HTTP status code."""
    messages = _messages()
    title, text = messages.get(code, messages[500] if code >= 500 else messages[400])
    if detail:
        text = detail
    request_id = current_request_id()
    if _wants_json():
        response = jsonify(
            {"error": {"code": code, "title": title, "message": text, "request_id": request_id}}
        )
    else:
        response = make_response(
            render_template(
                "errors/error.html", code=code, title=title, text=text, request_id=request_id
            )
        )
    response.status_code = code
    return response


def _forget_body() -> None:
    """A request over the size limit is answered unread: the page's own forms (sign-out) must
    see an empty body, not try to read it again and fail with the same 413."""
    from flask import request
    from werkzeug.datastructures import ImmutableMultiDict

    request.__dict__["form"] = ImmutableMultiDict()
    request.__dict__["files"] = ImmutableMultiDict()


def init_app(app) -> None:
    """Register the error handlers."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        detail = getattr(exc, "xgm_detail", None)
        if exc.code == 413:
            _forget_body()
        response = render_error(exc.code, detail)
        for name in ("Retry-After", "Allow", "WWW-Authenticate"):
            value = dict(exc.get_headers()).get(name)
            if value:
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        from flask import current_app

        if current_app.config.get("XGM_RERAISE"):
            raise exc  # the test suite wants to see unexpected errors, not a friendly page
        log.exception("Unhandled error on %s %s", request.method, request.path)
        try:
            from xgm.extensions import db

            db.session.rollback()
        except Exception:  # noqa: BLE001 - the original error is what matters here
            log.exception("Rollback after an unhandled error failed")
        return render_error(InternalServerError.code)
