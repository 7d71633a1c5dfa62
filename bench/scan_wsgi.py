"""WSGI entry of the scan benchmark: the product app as wsgi.py builds it, plus the ceiling.

`/_bench/ping` is the trivial endpoint measured as the ceiling (same app, same middleware,
same gunicorn settings). Rate limits are off so the setup can enroll 200 phones from one
address; the scan path has no rate limit either way.
"""

from xgm import create_app

app = create_app({"RATELIMIT_ENABLED": False})


@app.get("/_bench/ping")
def ping():
    """The ceiling: the app's request cycle and nothing else."""
    return "ok"
