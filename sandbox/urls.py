"""URLs of the sandbox, mounted at ``/sandbox/`` only when ``WHATSAPP_SANDBOX_ENABLED``."""

from django.urls import path, re_path

from sandbox import controls, views

app_name = "sandbox"

GRAPH_VERSION = r"(?P<version>v\d+\.\d+)"
GRAPH_ID = r"[A-Za-z0-9_-]{1,64}"

urlpatterns = [
    # The Graph API look-alike (WHATSAPP_GRAPH_BASE_URL = <server>/sandbox/graph).
    re_path(
        rf"^graph/{GRAPH_VERSION}/(?P<phone_number_id>{GRAPH_ID})/messages/?$",
        views.graph_messages,
        name="graph-messages",
    ),
    re_path(
        rf"^graph/{GRAPH_VERSION}/(?P<phone_number_id>{GRAPH_ID})/media/?$",
        views.graph_media_upload,
        name="graph-media-upload",
    ),
    # G1: the Resumable Upload API (a template's media header sample).
    re_path(
        rf"^graph/{GRAPH_VERSION}/(?P<app_id>{GRAPH_ID})/uploads/?$",
        views.graph_upload_session,
        name="graph-upload-session",
    ),
    re_path(
        rf"^graph/{GRAPH_VERSION}/(?P<session>upload:[A-Za-z0-9_:.-]{{1,1000}})/?$",
        views.graph_upload,
        name="graph-upload",
    ),
    re_path(
        rf"^graph/{GRAPH_VERSION}/(?P<waba_id>{GRAPH_ID})/message_templates/?$",
        views.graph_message_templates,
        name="graph-message-templates",
    ),
    re_path(rf"^graph/{GRAPH_VERSION}/(?P<media_id>{GRAPH_ID})/?$", views.graph_media, name="graph-media"),
    re_path(r"^graph/(?P<rest>.*)$", views.graph_unknown, name="graph-unknown"),
    # Where media URLs point (Meta: lookaside.fbsbx.com/whatsapp_business/attachments/).
    path("lookaside/whatsapp_business/attachments/", views.media_download, name="media-download"),
    # The customer phone simulator and its JSON API.
    path("phone/", views.phone_page, name="phone"),
    path("phone/api/send", views.phone_api_send, name="phone-api-send"),
    path("phone/api/media", views.phone_api_media, name="phone-api-media"),
    path("phone/api/history", views.phone_api_history, name="phone-api-history"),
    path("phone/api/chats", views.phone_api_chats, name="phone-api-chats"),
    path("phone/api/seen", views.phone_api_seen, name="phone-api-seen"),
    path("phone/api/played", views.phone_api_played, name="phone-api-played"),
    path("phone/api/calls", views.phone_api_calls, name="phone-api-calls"),
    path("phone/api/identity", controls.phone_api_identity, name="phone-api-identity"),
    path("phone/api/marketing", controls.phone_api_marketing, name="phone-api-marketing"),
    path("phone/api/echo", controls.phone_api_echo, name="phone-api-echo"),
    path("phone/api/number", controls.phone_api_number, name="phone-api-number"),
    path("phone/media/<str:signed>/", views.phone_media, name="phone-media"),
]
