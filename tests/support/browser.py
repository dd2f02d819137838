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
