from django.urls import path

from . import views

app_name = "grading"

urlpatterns = [
    path("<slug:slug>/a/<slug:activity>/panel/", views.panel, name="panel"),
]
