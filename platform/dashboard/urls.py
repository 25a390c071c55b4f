from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("site/", views.site_overview, name="site"),
    path("site/probes/", views.site_probes, name="site_probes"),
    path("courses/<slug:slug>/dashboard/", views.course_dashboard, name="course"),
    path("courses/<slug:slug>/gradebook/", views.gradebook, name="gradebook"),
    path("courses/<slug:slug>/gradebook.csv", views.gradebook_csv, name="gradebook_csv"),
    path("courses/<slug:slug>/gradebook/students/<int:user_id>/", views.student_detail, name="student"),
    path("courses/<slug:slug>/gradebook/release/<slug:activity_slug>/", views.release_scores, name="release"),
    path("courses/<slug:slug>/progress/", views.progress, name="progress"),
]
