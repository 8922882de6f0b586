from django.urls import path

from chexian.notifications import views

app_name = "notifications"

urlpatterns = [
    path("receipts/aliyun-sms/<str:token>/", views.aliyun_sms_receipts, name="aliyun_sms_receipts"),
]
