"""URLs of the orgs app, mounted at /orgs/ (namespace "orgs").

The admin pages (schools, classes, terms, people, imports) live in views.py; the dashboards
(district_dashboard, school_dashboard, class_gradebook) are added below by their own module.
"""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "orgs"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.org_list, name="list"),
    path("new-district/", views.district_create, name="district_create"),
    path("<slug:slug>/", views.org_home, name="home"),
    path("<slug:slug>/new-school/", views.school_create, name="school_create"),
    path("<slug:slug>/settings/", views.org_settings, name="settings"),
    path("<slug:slug>/classes/", views.class_list, name="classes"),
    path("<slug:slug>/classes/<int:pk>/", views.class_detail, name="class"),
    path("<slug:slug>/classes/<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("<slug:slug>/classes/<int:pk>/delete/", views.class_delete, name="class_delete"),
    path("<slug:slug>/classes/<int:pk>/move/", views.class_move, name="class_move"),
    path("<slug:slug>/classes/<int:pk>/archive/", views.class_archive, name="class_archive"),
    path("<slug:slug>/classes/<int:pk>/graduate/", views.class_graduate, name="class_graduate"),
    path("<slug:slug>/classes/<int:pk>/slips/", views.class_slips, name="class_slips"),
    path("<slug:slug>/terms/", views.term_list, name="terms"),
    path("<slug:slug>/terms/<int:pk>/", views.term_edit, name="term_edit"),
    path("<slug:slug>/terms/<int:pk>/delete/", views.term_delete, name="term_delete"),
    path("<slug:slug>/people/", views.people, name="people"),
    path("<slug:slug>/people/add/", views.member_add, name="member_add"),
    path("<slug:slug>/people.csv", views.people_export, name="people_export"),
    path("<slug:slug>/people/<int:pk>/", views.member_edit, name="member"),
    path("<slug:slug>/people/<int:pk>/slip/", views.member_slip, name="member_slip"),
    path("<slug:slug>/import/", views.import_people, name="import"),
    path("<slug:slug>/import/confirm/", views.import_confirm, name="import_confirm"),
    path("<slug:slug>/import/people.csv", views.import_template, name="import_template"),
]

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
