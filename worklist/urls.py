from django.urls import path

from . import views

app_name = "worklist"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("views/", views.views_index, name="views"),
    path("views/save/", views.save_view, name="save_view"),
    path("views/<int:pk>/delete/", views.delete_view, name="delete_view"),
]
