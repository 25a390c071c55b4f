from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "email", "hub_name", "can_create_courses", "is_superuser", "is_active")
    readonly_fields = ("hub_name",)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Liangzhi Lab"), {"fields": ("display_name", "can_create_courses", "hub_name")}),
    )
