"""`/healthz` on every host: the load balancer's view of this process.

Answered before tenant routing, so it works for any domain (and for a bare IP);
it checks the database and, when configured, Redis.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def health_report() -> tuple[bool, dict[str, str]]:
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    report: dict[str, str] = {}
    healthy = True
    for name, check in checks.items():
        try:
            report[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
            logger.error("health check %s failed: %s", name, type(exc).__name__)
            report[name] = "error"
            healthy = False
    return healthy, report


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in ("/healthz", "/healthz/"):
            healthy, report = health_report()
            return JsonResponse(
                {"status": "ok" if healthy else "error", "checks": report},
                status=200 if healthy else 503,
            )
        return self.get_response(request)
