from django.urls import path

from chexian.leads import views

app_name = "leads"

urlpatterns = [
    path("", views.LeadListView.as_view(), name="lead_list"),
    path("add/", views.LeadCreateView.as_view(), name="lead_create"),
    path("<int:pk>/", views.LeadDetailView.as_view(), name="lead_detail"),
    path("referral/", views.ReferralView.as_view(), name="referral"),
    path("board/", views.LeaderboardView.as_view(), name="leaderboard"),
    path("board/tv/", views.LeaderboardTVView.as_view(), name="leaderboard_tv"),
    path("visits/", views.VisitListView.as_view(), name="visits"),
    path("repairs/", views.RepairListView.as_view(), name="repairs"),
]
