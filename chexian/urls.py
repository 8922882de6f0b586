from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from chexian.core import views as core_views

api_patterns = [
    path("", include("chexian.customers.api.urls")),
    path("", include("chexian.catalog.api.urls")),
    path("", include("chexian.insurers.api.urls")),
    path("", include("chexian.quotes.api.urls")),
    path("", include("chexian.policies.api.urls")),
    path("", include("chexian.imports.api.urls")),
    path("", include("chexian.renewals.api.urls")),
    path("", include("chexian.leads.api.urls")),
    path("", include("chexian.aftersales.api.urls")),
    path("", include("chexian.claims.api.urls")),
    path("", include("chexian.remittances.api.urls")),
    path("", include("chexian.blankforms.api.urls")),
    path("", include("chexian.statements.api.urls")),
    path("", include("chexian.incentives.api.urls")),
    path("", include("chexian.reports.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", core_views.HomeView.as_view(), name="home"),
    path("healthz/", core_views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", include("chexian.core.urls")),
    path("customers/", include("chexian.customers.urls")),
    path("catalog/", include("chexian.catalog.urls")),
    path("insurers/", include("chexian.insurers.urls")),
    path("quotes/", include("chexian.quotes.urls")),
    path("policies/", include("chexian.policies.urls")),
    path("imports/", include("chexian.imports.urls")),
    path("renewals/", include("chexian.renewals.urls")),
    path("leads/", include("chexian.leads.urls")),
    path("aftersales/", include("chexian.aftersales.urls")),
    path("claims/", include("chexian.claims.urls")),
    path("commission/", include("chexian.commissions.urls")),
    path("remittances/", include("chexian.remittances.urls")),
    path("blank-forms/", include("chexian.blankforms.urls")),
    path("statements/", include("chexian.statements.urls")),
    path("gifts/", include("chexian.incentives.urls")),
    path("reports/", include("chexian.reports.urls")),
    path("notifications/", include("chexian.notifications.urls")),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
