from django.urls import path

from . import views

app_name = "competitions"

urlpatterns = [
    path("", views.competition_list, name="list"),
    path("<slug:slug>/", views.competition_home, name="home"),
    path("<slug:slug>/team/", views.team, name="team"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/settings/", views.school_settings, name="school_settings"),
    path("<slug:slug>/submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("<slug:slug>/submissions/<int:pk>/requeue/", views.requeue, name="requeue"),
    path("<slug:slug>/course-grades/", views.grades_apply, name="grades_apply"),
    path("<slug:slug>/<slug:phase>/", views.competition_home, name="phase"),
    path("<slug:slug>/<slug:phase>/leaderboard/", views.leaderboard, name="leaderboard"),
    path("<slug:slug>/<slug:phase>/mine/", views.my_submissions, name="mine"),
    path("<slug:slug>/<slug:phase>/submit/", views.submit, name="submit"),
    path("<slug:slug>/<slug:phase>/lab-starter/", views.lab_starter, name="lab_starter"),
    path("<slug:slug>/<slug:phase>/select/", views.select_final, name="select"),
    path("<slug:slug>/<slug:phase>/export.csv", views.export_csv, name="export"),
    path("<slug:slug>/<slug:phase>/grades/", views.grades, name="grades"),
    path("<slug:slug>/<slug:phase>/data/<str:name>", views.data_file, name="data"),
]
