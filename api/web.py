"""The API keys page in the workspace (administrators): create, see once, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from api import keys
from api.models import ApiKey
from tradepost.accounts.roles import Role
from tradepost.workspace.forms import service_call


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=Role.choices, initial=Role.SALESPERSON
    )


@login_required
@permission_required("api.view_apikey", raise_exception=True)
@require_http_methods(["GET", "POST"])
def api_key_list(request):
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST":
        if not request.user.has_perm("api.add_apikey"):
            return render(request, "403.html", status=403)
        if form.is_valid():
            done = service_call(
                form, lambda: keys.api_key_create(actor=request.user, **form.cleaned_data)
            )
            if done:
                created = done.result
                new_key = created.secret
                form = ApiKeyForm()
    context = {
        "form": form,
        "new_key": new_key,
        "api_keys": ApiKey.objects.select_related("created_by").order_by("-created_at", "-pk")[
            :200
        ],
    }
    return render(request, "api/keys.html", context, status=400 if form.errors else 200)


@login_required
@permission_required("api.delete_apikey", raise_exception=True)
@require_POST
def api_key_revoke(request, key_id: int):
    api_key = get_object_or_404(ApiKey, pk=key_id)
    keys.api_key_revoke(actor=request.user, api_key=api_key)
    messages.success(request, _("The key %(name)s is revoked.") % {"name": api_key.name})
    return redirect("api-web:keys")
