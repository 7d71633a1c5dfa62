"""The app class: Flask's ensure_sync() answered once per function."""

import flask

from xgm.flaskapp import App


def test_a_plain_function_is_itself_and_asked_once(monkeypatch):
    """A def hook is returned as is; the second ask is the remembered answer, not Flask's."""
    app = App(__name__)
    asked = []
    flasks_answer = flask.Flask.ensure_sync

    def counting(self, func):
        asked.append(func)
        return flasks_answer(self, func)

    monkeypatch.setattr(flask.Flask, "ensure_sync", counting)

    def hook():
        return "sync"

    assert app.ensure_sync(hook) is hook
    assert app.ensure_sync(hook) is hook
    assert asked == [hook]


def test_an_unhashable_callable_is_asked_each_time():
    """A callable that cannot be a dict key still gets Flask's answer."""

    class Unhashable:
        __hash__ = None

        def __call__(self):
            return "ok"

    app = App(__name__)
    hook = Unhashable()
    assert app.ensure_sync(hook) is hook and app.ensure_sync(hook)() == "ok"
