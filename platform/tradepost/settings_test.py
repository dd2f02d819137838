"""Settings for the test suite: the real settings with a few test-run defaults.

Only defaults: anything set in the environment (DATABASE_URL, REDIS_URL …) wins.
"""

import os

os.environ.setdefault("TRADEPOST_DEV", "1")
# The real password hashers cost ~0.3 s a call by design; tests use a fast one.
os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("TENANT_POOL_SIZE", "2")
os.environ.setdefault("STATIC_MANIFEST", "0")
# Tests open and close connections themselves (threads, committed data): none are kept.
os.environ.setdefault("DB_CONN_MAX_AGE", "0")
# One test database per run (pytest-xdist adds _gw0, _gw1): parallel runs never collide.
os.environ.setdefault("TEST_DATABASE_NAME", f"test_tradepost_{os.getpid()}")

from tradepost.settings import *  # noqa: E402,F403

# Cache keys per xdist worker too (PYTEST_XDIST_WORKER is in each worker's environment
# and in that of the Celery workers it starts): every worker has an "alpha" schema, and
# their rate-limit counters must not add up in the one Redis they share. The run's
# database name keeps two runs on one machine (and one Redis) apart the same way.
if "KEY_PREFIX" in CACHES["default"]:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] += "-{}-{}".format(  # noqa: F405
        os.environ["TEST_DATABASE_NAME"], os.environ.get("PYTEST_XDIST_WORKER", "main")
    )
