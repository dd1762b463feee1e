from django.urls import path

from . import views

app_name = "syncing"
urlpatterns = [path("status/", views.sync_status, name="status")]
