"""WSGI entry point: `gunicorn wsgi:app`."""

from xgm import create_app

app = create_app()
