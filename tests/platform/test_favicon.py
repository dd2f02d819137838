"""Browsers ask every site for /favicon.ico: the public site and each workspace send
them to the mark instead of answering 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client


def test_the_public_site_and_a_workspace_send_the_favicon(alpha):
    for client in (Client(HTTP_HOST=settings.TRADEPOST_BASE_DOMAIN), alpha.client()):
        response = client.get("/favicon.ico")

        assert response.status_code == 301
        assert response["Location"].endswith("/tradepost/favicon.svg")
    assert finders.find("tradepost/favicon.svg")


def test_every_page_links_the_mark(alpha):
    body = alpha.client(alpha.owner()).get("/").content.decode()

    assert 'rel="icon"' in body and "tradepost/favicon.svg" in body
