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
# One test database per run (pytest-xdist adds _gw0, _gw1): parallel runs never collide.
os.environ.setdefault("TEST_DATABASE_NAME", f"test_tradepost_{os.getpid()}")

from tradepost.settings import *  # noqa: E402,F403
