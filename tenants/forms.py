from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.services import SLUG_MAX_LENGTH


class SignupForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    slug = forms.CharField(
        label=_("Workspace address"),
        max_length=SLUG_MAX_LENGTH,
        help_text=_("Lowercase letters, digits and hyphens, e.g. acme-trading."),
    )
    owner_email = forms.EmailField(label=_("Your e-mail"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not too common, not only digits."),
    )
