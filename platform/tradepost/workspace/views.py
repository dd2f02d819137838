from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page: first steps until the workspace has some life in it.

    The user model comes from settings (AUTH_USER_MODEL): the workspace shell sits
    below the apps, accounts included, and imports none of them."""
    context = {
        "team_size": get_user_model().objects.filter(is_active=True).count(),
        "can_invite": request.user.has_perm("accounts.invite_user"),
    }
    return render(request, "workspace/home.html", context)
