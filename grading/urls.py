from django.urls import path

from . import review_views, views

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
    path("<slug:slug>/s/<int:pk>/comment/", review_views.general_comment, name="general_comment"),
    path("<slug:slug>/queue/", review_views.course_queue, name="queue"),
    path("<slug:slug>/extensions/", review_views.extensions, name="extensions"),
    path("<slug:slug>/sections/", review_views.sections, name="sections"),
    path("<slug:slug>/a/<slug:activity>/q/<str:grade_id>/", review_views.question, name="question"),
    path("<slug:slug>/a/<slug:activity>/q/<str:grade_id>/rubric/", review_views.rubric_edit, name="rubric_edit"),
    path(
        "<slug:slug>/a/<slug:activity>/q/<str:grade_id>/s/<int:pk>/grade/",
        review_views.question_grade,
        name="question_grade",
    ),
]
