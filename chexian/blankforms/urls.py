from django.urls import path

from chexian.blankforms import views

app_name = "blankforms"

urlpatterns = [
    path("", views.FormListView.as_view(), name="form_list"),
    path("receive/", views.ReceiveView.as_view(), name="receive"),
    path("issue/", views.IssueView.as_view(), name="issue"),
    path("count/", views.CountView.as_view(), name="count"),
    path("<int:pk>/", views.FormDetailView.as_view(), name="form_detail"),
]
