from django.urls import path

from chexian.renewals import views

app_name = "renewals"

urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/reassign/", views.ReassignView.as_view(), name="reassign"),
    path("board/", views.BoardView.as_view(), name="board"),
    path("board/run-daily/", views.RunDailyView.as_view(), name="run_daily"),
    path("rules/", views.RuleListView.as_view(), name="rules"),
    path("lost/", views.LostSummaryView.as_view(), name="lost_summary"),
    path("lapsed/", views.LapsedView.as_view(), name="lapsed"),
]
