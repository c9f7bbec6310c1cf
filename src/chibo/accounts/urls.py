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
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", views.user_role_assign, name="user_role_assign"),
    path("users/<int:pk>/roles/end/", views.user_role_end, name="user_role_end"),
    path("users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("audit/reads/", views.read_log_list, name="read_log"),
]
