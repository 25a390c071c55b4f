"""URLs of the sso app, mounted at /sso/ (namespace "sso")."""

from django.urls import path

from . import views

app_name = "sso"

urlpatterns = [
    # one redirect URI for the whole site: a district registers it once for all its schools
    path("callback/", views.callback, name="callback"),
    path("<slug:slug>/login/", views.login_start, name="login"),
    path("<slug:slug>/settings/", views.provider_settings, name="settings"),
]
