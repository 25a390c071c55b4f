from django.urls import path

from . import views

app_name = "sandbox"

urlpatterns = [
    path("<slug:slug>/a/<slug:activity>/panel/", views.panel, name="panel"),
]
