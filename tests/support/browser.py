"""Steps the browser tests share."""

from __future__ import annotations

from tests.conftest import PASSWORD


def sign_in(page, web_server, workspace) -> None:
    """Sign in to `workspace` as its owner through the sign-in page; ends on its home."""
    page.goto(web_server.workspace_url(workspace.slug, "/accounts/login/"))
    page.get_by_label("E-mail").fill(workspace.owner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(web_server.workspace_url(workspace.slug, "/"))


def pick(page, select: str, words: str, option: str, *, keyboard: bool = False) -> None:
    """Choose in the type-ahead box (tradepost/typeahead.js) that stands for the hidden
    <select> `select` (a CSS selector): type `words`, then take the match reading
    `option` — by a click, or with ↓ and Enter when `keyboard`."""
    picker = page.locator(f"div.typeahead:has({select})")
    box = picker.get_by_role("combobox")
    box.click()
    box.fill(words)
    match = picker.get_by_role("option", name=option)
    match.wait_for()
    if keyboard:
        for _ in range(picker.get_by_role("option").count()):
            box.press("ArrowDown")
            if match.get_attribute("aria-selected") == "true":
                break
        box.press("Enter")
    else:
        match.click()
    assert page.locator(select).input_value() != ""
