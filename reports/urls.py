from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.report_page, name="report"),
    path("search/", views.search_page, name="search"),
]
