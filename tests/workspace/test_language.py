"""Pages speak Simplified Chinese when the visitor chooses it, on both kinds of domain."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.workspace.pages import Page

# What a Chinese-reading user sees instead of the English text.
INVITE_YOUR_TEAM = "邀请团队成员"
CREATE_YOUR_WORKSPACE = "创建您的工作区"
SIGN_OUT = "退出登录"


def _switch(client: Client, language: str) -> None:
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


def test_the_workspace_home_renders_in_chinese_with_the_language_cookie(alpha):
    client = alpha.client(alpha.owner())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert INVITE_YOUR_TEAM in html and "Invite your team" not in html
    assert SIGN_OUT in html
    assert Page(html).find_all("html")[0].attrs["lang"] == "zh-hans"


def test_the_workspace_home_is_english_without_a_choice(alpha):
    response = alpha.client(alpha.owner()).get("/")

    html = response.content.decode()
    assert "Invite your team" in html and INVITE_YOUR_TEAM not in html


def test_switching_language_on_the_public_site(public_client):
    assert CREATE_YOUR_WORKSPACE not in public_client.get("/").content.decode()

    _switch(public_client, "zh-hans")

    html = public_client.get("/").content.decode()
    assert CREATE_YOUR_WORKSPACE in html
    assert Page(html).find_all("html")[0].attrs["lang"] == "zh-hans"


def test_switching_language_on_a_workspace_and_back(alpha):
    client = alpha.client(alpha.owner())

    _switch(client, "zh-hans")
    assert INVITE_YOUR_TEAM in client.get("/").content.decode()

    _switch(client, "en")
    html = client.get("/").content.decode()
    assert "Invite your team" in html and INVITE_YOUR_TEAM not in html


@pytest.mark.parametrize("where", ["public", "workspace"])
def test_every_page_offers_the_language_switch(where, public_client, alpha):
    client = public_client if where == "public" else alpha.client(alpha.owner())

    page = Page(client.get("/").content.decode())

    forms = [f for f in page.find_all("form") if f.attrs.get("action") == "/i18n/setlang/"]
    assert len(forms) == 1
    options = {
        o.attrs["value"]: o.text for o in page.find_all("option") if o.inside("form") is forms[0]
    }
    assert options == {"en": "English", "zh-hans": "简体中文"}
