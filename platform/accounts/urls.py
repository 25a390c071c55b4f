from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
    path("settings/", views.account_settings, name="settings"),
]
