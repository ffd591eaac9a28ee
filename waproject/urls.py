"""URL root: webhook, REST API (+ schema and docs), admin, console, sandbox, login."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from conversations.webhooks import whatsapp_webhook
from ops import views as ops_views


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers; no database access (also the benchmarks' baseline view)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("readyz/", ops_views.readyz, name="readyz"),
    path("metrics/", ops_views.metrics_view, name="metrics"),
    path("metrics", ops_views.metrics_view),
    path("", RedirectView.as_view(url="/console/", permanent=False)),
    path("webhooks/whatsapp/", whatsapp_webhook, name="whatsapp-webhook"),
    path("api/v1/", include("conversations.api.urls")),
    path("api/v1/", include("workbins.api")),
    path("api/v1/", include("templates_app.api")),
    path("api/v1/", include("privacy.api")),
    path("api/v1/", include("integrations.api")),
    path("api/v1/", include("reports.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Its script is a request of its own (?script=): the Content-Security-Policy allows no inline one.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/docs.html"),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("console/", include("console.urls")),
    # U4: the translations the console's, the sandbox phone's and the search page's JavaScript use,
    # in the request's language; a script of its own (the CSP allows no inline one).
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["console", "sandbox", "reports"]),
        name="javascript-catalog",
    ),
    path("", include("reports.urls")),  # S3 /reports/, O6 /search/
]

# Under /api/ a 404 (no such endpoint, or an id out of range) and a 500 answer in the API's
# error shape; elsewhere Django's pages.
handler404 = "conversations.api.errors.not_found_view"
handler500 = "conversations.api.errors.server_error_view"

if settings.WHATSAPP_SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
