"""URLs of the orgs app, mounted at /orgs/ (namespace "orgs").

The admin pages (schools, classes, terms, people, imports) live in views.py; the dashboards
(district_dashboard, school_dashboard, class_gradebook) are added below by their own module.
"""

from django.urls import path  # noqa: F401

app_name = "orgs"

urlpatterns: list = []
