from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("site/", views.site_overview, name="site"),
    path("courses/<slug:slug>/dashboard/", views.course_dashboard, name="course"),
    path("courses/<slug:slug>/progress/", views.progress, name="progress"),
]
