from django.urls import include, path

from . import views

# `home`, `login` and `logout` are un-namespaced: settings.LOGIN_URL / LOGIN_REDIRECT_URL name them.
council_patterns = [
    path("", views.council_list, name="council_list"),
    path("<slug:slug>/", views.council_detail, name="council_detail"),
    path("<slug:slug>/people/<int:pk>/", views.person_detail, name="person_detail"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.LoginView.as_view(), name="login"),
    path("sign-out/", views.LogoutView.as_view(), name="logout"),
    path("councils/", include((council_patterns, "contacts"))),
]
