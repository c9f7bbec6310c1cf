from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/otp/", views.login_otp, name="login_otp"),
    path("account/", views.account, name="account"),
    path("account/tokens/", views.token_create, name="token_create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("account/two-step/", views.otp_setup, name="otp_setup"),
    path("users/", views.user_list, name="user_list"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("audit/reads/", views.read_log_list, name="read_log"),
]
