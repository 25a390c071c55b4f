from django.urls import path

from . import views

app_name = "grading"

urlpatterns = [
    path("<slug:slug>/a/<slug:activity>/panel/", views.panel, name="panel"),
    path("<slug:slug>/a/<slug:activity>/status/", views.status, name="status"),
    path("<slug:slug>/a/<slug:activity>/submit/", views.submit, name="submit"),
    path("<slug:slug>/a/<slug:activity>/gradebook/", views.gradebook, name="gradebook"),
    path("<slug:slug>/a/<slug:activity>/gradebook.csv", views.gradebook_csv, name="gradebook_csv"),
    path("<slug:slug>/a/<slug:activity>/regrade/", views.regrade, name="regrade"),
    path("<slug:slug>/a/<slug:activity>/release/", views.release, name="release"),
    path("<slug:slug>/s/<int:pk>/", views.submission, name="submission"),
    path("<slug:slug>/s/<int:pk>/files/<path:path>", views.submission_file, name="submission_file"),
    path("<slug:slug>/s/<int:pk>/grade/", views.grade_manual, name="grade_manual"),
    path("<slug:slug>/s/<int:pk>/override/", views.override, name="override"),
]
