"""Django admin for school sign-in: the client secret is write-only here too."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from .forms import ProviderForm
from .models import Identity, Provider
from .services import provider_save


class ProviderAdminForm(ProviderForm):
    class Meta(ProviderForm.Meta):
        fields = ("org", *ProviderForm.Meta.fields)


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    form = ProviderAdminForm
    list_display = ("org", "issuer", "client_id", "match_by", "claim", "enabled", "updated_at")
    list_filter = ("enabled", "match_by")
    search_fields = ("org__name", "org__slug", "issuer", "client_id")
    fields = (*ProviderAdminForm.Meta.fields, "new_secret", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request: HttpRequest, obj: Provider, form: forms.ModelForm, change: bool) -> None:
        provider_save(provider=obj, by=request.user, new_secret=form.cleaned_data.get("new_secret"))  # type: ignore[arg-type]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ("provider", "subject", "user", "created_at", "last_login_at")
    search_fields = ("subject", "user__username")
    list_select_related = ("provider__org", "user")
    readonly_fields = ("provider", "subject", "user", "created_at", "last_login_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # bound at a sign-in only; deleting one lets the next sign-in bind afresh


