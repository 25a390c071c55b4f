from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("<slug:slug>/<slug:activity>/", views.assessment_home, name="home"),
    path("<slug:slug>/<slug:activity>/start/", views.attempt_start_view, name="start"),
    path("<slug:slug>/<slug:activity>/attempt/<int:number>/", views.attempt_page, name="attempt"),
    path("<slug:slug>/<slug:activity>/attempt/<int:number>/save/", views.answer_save_view, name="save"),
    path("<slug:slug>/<slug:activity>/attempt/<int:number>/submit/", views.attempt_submit_view, name="submit"),
    path("<slug:slug>/<slug:activity>/analytics/", views.analytics_page, name="analytics"),
]
