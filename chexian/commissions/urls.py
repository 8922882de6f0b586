from django.urls import path

from chexian.commissions import views

app_name = "commissions"

urlpatterns = [
    path("", views.DailyCommissionView.as_view(), name="daily"),
    path("profit/", views.ProfitView.as_view(), name="profit"),
]
