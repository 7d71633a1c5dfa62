"""Password and PIN hashing with argon2id (argon2-cffi), off the gevent event loop.

argon2 is built to be slow (tens of milliseconds of CPU and 64 MiB per check in production).
Under gunicorn's gevent workers a check made on the event loop would stall every other request
of the process for that long, rider scans and guard streams included, so every hash and check
goes through `off_the_loop`: under gevent it runs in a small pool of real threads (argon2-cffi
releases the GIL while it works) whose OS priority is lowered, so a flood of sign-ins queues
behind the gate's work instead of ahead of it; without gevent it is a plain call.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

T = TypeVar("T")

_HASHERS: dict[str, PasswordHasher] = {}
#: (pid, pool): one pool per process (a forked gunicorn worker builds its own).
_POOL: tuple[int, object] | None = None
_POOL_LOCK = threading.Lock()
_NICE = threading.local()
#: The hashing threads' CPU priority (nice): the lowest. Nice values weigh threads against the
#: other threads of their process (and its session's group): at 19 a thread weighs 15 against a
#: default thread's 1024, so a flood of sign-ins takes little CPU from the scans when the
#: machine is busy, and all of the CPU the scans leave idle.
HASH_NICE = 19


def _under_gevent() -> bool:
    """True in a process whose threading gevent has monkey-patched (gunicorn's gevent worker)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("threading")


def _threads() -> int:
    """XGM_HASH_THREADS; 0 keeps argon2 on the event loop (only to measure what that costs)."""
    config = current_app.config if has_app_context() else {}
    return max(0, int(config.get("XGM_HASH_THREADS", 2)))


def _pool():
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL[0] != os.getpid():
            from gevent.threadpool import ThreadPool

            _POOL = (os.getpid(), ThreadPool(maxsize=_threads()))
        return _POOL[1]


def _lowered(fn: Callable[..., T], *args) -> T:
    """Run in a pool thread, first lowering that thread's CPU priority (once per thread)."""
    if not getattr(_NICE, "done", False):
        _NICE.done = True
        with contextlib.suppress(AttributeError, OSError):  # Linux: 0 is the calling thread
            os.setpriority(os.PRIO_PROCESS, 0, HASH_NICE)
    return fn(*args)


def off_the_loop(fn: Callable[..., T], *args) -> T:
    """`fn(*args)`, in a real thread when running under gevent (the event loop goes on serving
    other requests meanwhile), else in the calling thread. Exceptions reach the caller."""
    if not _under_gevent() or _threads() == 0:
        return fn(*args)
    return _pool().apply(_lowered, (fn, *args))


def _hasher() -> PasswordHasher:
    name = current_app.config["XGM_ARGON2_PROFILE"]
    if name not in _HASHERS:
        if name == "owasp_minimum":
            # OWASP's minimum argon2id settings (m=19 MiB, t=2, p=1): used by the test suite.
            _HASHERS[name] = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        else:
            _HASHERS[name] = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
    return _HASHERS[name]


def hash_secret(secret: str) -> str:
    """Hash a password or PIN with argon2id (off the event loop)."""
    return off_the_loop(_hasher().hash, secret)


def _verify(hasher: PasswordHasher, stored_hash: str, secret: str) -> bool:
    try:
        return hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def verify_secret(stored_hash: str, secret: str) -> bool:
    """Check a password or PIN against its argon2 hash, in constant time (off the event loop)."""
    return off_the_loop(_verify, _hasher(), stored_hash, secret)


_DUMMY: dict[str, str] = {}


def burn_verify_time(secret: str) -> None:
    """Spend the time of one verification, so an unknown account answers as slowly as a known one."""
    name = current_app.config.get("XGM_ARGON2_PROFILE", "")
    if name not in _DUMMY:
        _DUMMY[name] = hash_secret("dummy-password-for-timing")
    verify_secret(_DUMMY[name], secret)


def password_problem(password: str) -> str | None:
    """The password rule: at least 10 characters, not all digits. Returns a problem key or None."""
    if len(password or "") < 10:
        return "short"
    if password.isdigit():
        return "digits"
    return None
