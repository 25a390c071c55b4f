from django.urls import path

from . import views

app_name = "sandbox"

urlpatterns = [
    path("<slug:slug>/a/<slug:activity>/panel/", views.panel, name="panel"),
    path("<slug:slug>/a/<slug:activity>/open/", views.open_lab, name="open"),
    path("<slug:slug>/a/<slug:activity>/progress/", views.progress, name="progress"),
    path("<slug:slug>/a/<slug:activity>/enter/", views.enter, name="enter"),
    path("<slug:slug>/a/<slug:activity>/submit/", views.submit, name="submit"),
    path("<slug:slug>/prepare/", views.prepare_page, name="prepare"),
    path("<slug:slug>/prepare/start/", views.prepare_start, name="prepare_start"),
    path("<slug:slug>/lessons/", views.lesson_add, name="lesson_add"),
    path("<slug:slug>/lessons/<int:lesson>/delete/", views.lesson_delete, name="lesson_delete"),
]
