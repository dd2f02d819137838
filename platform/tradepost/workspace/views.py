from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tradepost.accounts.models import User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page: first steps until the workspace has some life in it."""
    context = {
        "team_size": User.objects.filter(is_active=True).count(),
        "can_invite": request.user.has_perm("accounts.invite_user"),
    }
    return render(request, "workspace/home.html", context)
