"""URLs of the orgs app, mounted at /orgs/ (namespace "orgs").

The admin pages (schools, classes, terms, people, imports) live in views.py; the dashboards
(district_dashboard, school_dashboard, class_gradebook) are added below by their own module.
"""

from django.urls import path  # noqa: F401

app_name = "orgs"

urlpatterns: list = []

# --- dashboards (platform/dashboard/district_views.py): district and school share one URL ---
from dashboard import district_views  # noqa: E402

urlpatterns += [
    path("<slug:slug>/dashboard/", district_views.org_dashboard, name="district_dashboard"),
    path("<slug:slug>/dashboard/", district_views.org_dashboard, name="school_dashboard"),
    path("<slug:slug>/dashboard.csv", district_views.org_dashboard_csv, name="district_csv"),
    path("<slug:slug>/dashboard.csv", district_views.org_dashboard_csv, name="school_csv"),
    path("<slug:slug>/dashboard/refresh/", district_views.district_refresh, name="district_refresh"),
    path("<slug:slug>/classes/<int:class_id>/gradebook/", district_views.class_gradebook, name="class_gradebook"),
    path(
        "<slug:slug>/classes/<int:class_id>/gradebook.csv",
        district_views.class_gradebook_csv,
        name="class_gradebook_csv",
    ),
]
