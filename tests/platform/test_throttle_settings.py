"""Every rate limit is a setting from the environment, documented, and read when a
request is counted (so an operator's value, or a test's override, takes effect)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSWORD

README = Path(__file__).resolve().parents[2] / "README.md"

# environment variable -> (setting, value given, value the setting must then hold)
THROTTLES = {
    "SIGNUP_RATE_PER_HOUR": ("SIGNUP_RATE_PER_HOUR", "7", 7),
    "SIGNUP_RATE_PER_DAY": ("SIGNUP_RATE_PER_DAY", "70", 70),
    "API_RATE_PER_CALLER": ("API_RATE_PER_CALLER", "9/min", "9/min"),
    "API_RATE_PER_WORKSPACE": ("API_RATE_PER_WORKSPACE", "90/hour", "90/hour"),
    "LOGIN_FAILURE_LIMIT": ("AXES_FAILURE_LIMIT", "3", 3),
    "LOGIN_COOLOFF_MINUTES": ("AXES_COOLOFF_TIME", "30", 0.5),  # axes wants hours
    "LOGIN_IP_FAILURE_LIMIT": ("LOGIN_IP_FAILURE_LIMIT", "11", 11),
    "LOGIN_IP_WINDOW_MINUTES": ("LOGIN_IP_WINDOW_MINUTES", "45", 45),
    "OWNER_VERIFICATION_RESENDS_PER_HOUR": ("OWNER_VERIFICATION_RESENDS_PER_HOUR", "4", 4),
}


def test_every_throttle_takes_its_value_from_the_environment(settings):
    env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "TRADEPOST_DEV": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({variable: given for variable, (_, given, _) in THROTTLES.items()})
    names = [name for name, _, _ in THROTTLES.values()]
    script = (
        "import json, tradepost.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(output.strip().splitlines()[-1])

    assert loaded == {name: expected for name, _, expected in THROTTLES.values()}


def test_every_throttle_is_in_the_readme_configuration_table():
    table = re.search(r"## Configuration\n(.*?)\n## ", README.read_text(), re.S).group(1)
    documented = set(re.findall(r"^\| ([^|]*)\|", table, re.M))
    variables = {name for cell in documented for name in re.findall(r"`([A-Z_]+)`", cell)}

    assert set(THROTTLES) - variables == set()


def _login(client, email, password):
    return client.post(
        "/accounts/login/",
        {"username": email, "password": password},
        REMOTE_ADDR="203.0.113.77",
    )


def test_a_lower_login_failure_limit_pauses_sign_in_sooner(alpha, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = alpha.client()
    for _ in range(2):
        _login(client, alpha.owner_email, "wrong-guess")

    assert _login(client, alpha.owner_email, PASSWORD).status_code == 429


def test_under_the_default_limit_two_failures_do_not_pause_sign_in(alpha, settings):
    assert settings.AXES_FAILURE_LIMIT > 2
    client = alpha.client()
    for _ in range(2):
        _login(client, alpha.owner_email, "wrong-guess")

    assert _login(client, alpha.owner_email, PASSWORD).status_code == 302
