from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from core import health, metrics
from dashboard import views as dashboard_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    # before Django's auth URLs: the reset form also reaches accounts that never had a password
    path("accounts/password_reset/", account_views.EveryAccountPasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("oauth/", include("config.oauth_urls", namespace="oauth2_provider")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("courses/", include("courses.urls")),
    path("grading/", include("grading.urls")),
    path("notifications/", include("notifications.urls")),
    path("lab/", include("sandbox.urls")),
    path("competitions/", include("competitions.urls")),
    path("quiz/", include("assessments.urls")),
    path("orgs/", include("orgs.urls")),
    path("sso/", include("sso.urls")),
    path("", include("dashboard.urls")),
    path("admin/", admin.site.urls),
]
admin.site.site_header = "量智 Lab administration"
admin.site.site_title = "Liangzhi Lab"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
