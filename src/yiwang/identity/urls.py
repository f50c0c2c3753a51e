from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("account/phone/", views.phone_verify, name="phone_verify"),
    path("account/phone/resend/", views.phone_resend, name="phone_resend"),
    path("account/otp/", views.otp, name="otp"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/password-reset/", views.password_reset, name="password_reset"),
    path(
        "account/password-reset/confirm/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("me/", views.my_space, name="my_space"),
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/orgs/", views.org_list, name="org_list"),
    path("workbench/orgs/<str:code>/", views.org_detail, name="org_detail"),
    path("workbench/person/", views.person_lookup, name="person_lookup"),
]
