"""The words of a bot message: the kind, the code, the detail and a link; nothing personal."""

from flask import current_app
from flask_babel import force_locale

from xgm.alerts.kinds import TEST, label


def absolute(link: str) -> str:
    """A site path made into a full URL on XGM_PUBLIC_URL."""
    if not link:
        return ""
    return current_app.config["XGM_PUBLIC_URL"].rstrip("/") + link


def compose(delivery) -> tuple[str, list[str]]:
    """(title, lines) of a delivery's message, in Chinese (the groups read Chinese)."""
    with force_locale("zh_Hans_CN"):
        title = f"小哥码门岗 · {label(delivery.kind)}"
        if delivery.kind == TEST or delivery.event is None:
            return title, ["这是一条测试消息：机器人已连通，事件提醒会发到这个群。"]
        event = delivery.event
        lines = [x for x in (event.ref, event.detail) if x]
        url = absolute(event.link)
        if url:
            lines.append(f"[查看详情]({url})")
        return title, lines
