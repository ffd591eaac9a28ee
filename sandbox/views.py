"""HTTP endpoints of the sandbox: a Graph API look-alike, and the customer phone page with its JSON API.

Graph API (``/sandbox/graph/<version>/…``), the same requests and answers as
``https://graph.facebook.com/<version>/…`` (reference §6, §7, §10); each call is recorded
(``GraphCall``, never the token):

* ``POST <version>/<phone_number_id>/messages`` (``Authorization: Bearer <channel token>``, JSON):
  a send → ``{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}], "messages": [{"id"}]}``,
  then signed status webhooks to ``PUBLIC_BASE_URL/webhooks/whatsapp/``: ``sent`` and ``delivered``
  after ``WHATSAPP_SANDBOX_STATUS_DELAYS`` seconds, ``read`` when the phone page shows the message
  (or after ``WHATSAPP_SANDBOX_AUTO_READ_SECONDS``), ``played`` when it plays an audio message,
  ``failed`` (131047) for a free-form message outside the 24-hour window. A mark-as-read
  (``{"messaging_product": "whatsapp", "status": "read", "message_id", "typing_indicator"?}``)
  → ``{"success": true}``. Errors: ``{"error": {"message": "(#<code>) …", "type", "code",
  "error_data": {"messaging_product", "details"}, "fbtrace_id"}}`` with Meta's codes.
* ``POST <version>/<phone_number_id>/media`` (multipart ``messaging_product``, ``file``, ``type``) → ``{"id"}``.
* ``GET <version>/<media_id>[?phone_number_id=]`` → ``{"messaging_product", "url", "mime_type",
  "sha256", "file_size", "id"}``; ``DELETE`` → ``{"success": true}``.
* G1 templates: ``GET <version>/<waba_id>/message_templates[?limit=&after=&name=&status=…]`` →
  ``{"data": [<template>], "paging": {"cursors": {"before", "after"}, "next"?}}``; ``POST`` a
  definition → ``{"id", "status": "PENDING", "category"}`` (or Meta's code 100 with an
  ``error_subcode``), reviewed after ``WHATSAPP_SANDBOX_TEMPLATE_REVIEW_SECONDS`` into APPROVED or
  REJECTED with its ``message_template_status_update`` webhook; ``POST <version>/<template_id>``
  edits (back to review); ``DELETE …/message_templates?name=[&hsm_id=]`` → ``{"success": true}``.
* ``GET <url>`` (``/sandbox/lookaside/whatsapp_business/attachments/?mid=…``) with the Bearer
  token → the bytes (401 without a token; 404 once the 5-minute URL expired or for a wrong one).

Customer phone page: ``GET /sandbox/phone/[?phone_number_id=&wa_id=&name=]`` (no login: it plays
the public customer). Its JSON API, also the sandbox's programmatic API for tests and demos
(JSON bodies; errors are ``{"error": "<what is wrong>", "field"?: "<which input>"}`` with 400,
404 for an unknown number/chat/message, 405, 415):

* ``POST /sandbox/phone/api/send`` ``{"phone_number_id", "wa_id", "profile_name"?, "type", …}`` where
  ``type`` and its fields are one of:
  ``"text"`` + ``"text": "…"`` (or ``{"body": "…"}``);
  ``"image" | "video" | "audio" | "document"`` + ``"<type>": {"id": <from api/media>, "caption"?, "filename"?}``;
  ``"location"`` + ``"location": {"latitude", "longitude", "name"?, "address"?}``;
  ``"button_reply" | "list_reply"`` + ``"message_id": <interactive wamid>, "reply_id": <button/row id>``;
  ``"button"`` (template quick reply) + ``"message_id": <template wamid>, "index": <button position>``;
  ``"reaction"`` + ``"message_id", "emoji"`` (the same emoji again, or ``""``, removes it);
  optional ``"reply_to": <wamid>`` quotes a message (text, media, location).
  The webhook is posted signed, synchronously → ``{"message": <message>, "webhook": {"url", "status", "ok", "error"}}``.
* ``POST /sandbox/phone/api/media`` (multipart ``phone_number_id``, ``file``) → ``{"id", "mime_type", "sha256", "file_size", "filename"}``.
* ``GET /sandbox/phone/api/history?phone_number_id=&wa_id=`` → ``{"chat": <chat> | null, "messages": [<message>, …]}``.
* ``GET /sandbox/phone/api/chats?phone_number_id=`` → ``{"chats": [{"wa_id", "profile_name", "last_activity_at"}]}``.
* ``POST /sandbox/phone/api/seen`` ``{"phone_number_id", "wa_id"}`` → ``{"read": <how many messages>}``.
* ``POST /sandbox/phone/api/played`` ``{"phone_number_id", "wa_id", "message_id"}`` → ``{"played": true}``.
* ``GET /sandbox/phone/api/calls?phone_number_id=[&limit=]`` → ``{"calls": [<recorded Graph API call>, …]}``.
* Live updates: WebSocket ``/ws/sandbox/phone/<phone_number_id>/<wa_id>/`` → ``{"type": "message", "message"}``
  and ``{"type": "chat", "chat"}`` frames.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from conversations.models import Channel
from sandbox import events, selectors, services
from sandbox.controls import channel_of, chat_of, json_input, phone_api
from sandbox.errors import GraphError, unknown_object
from sandbox.models import SandboxMedia
from sandbox.phone_input import (
    PhoneInputError,
    customer_message_build,
    profile_name_clean,
    wa_id_clean,
)
from waproject.files import secure_file_response
from whatsapp.limits import GRAPH_API_VERSIONS

#: The phone page only loads its own scripts and styles; media may come from business links.
PHONE_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' http: https: data: blob:; "
    "media-src 'self' http: https: blob:; connect-src 'self' ws: wss:; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
CALLS_LIMIT_MAX = 200

GraphResult = tuple[int, dict[str, Any], Channel | None]


# --- Graph API -----------------------------------------------------------------------


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer":
        return token.strip()
    return request.GET.get("access_token", "")


def _request_record(request: HttpRequest) -> Any:
    """What the caller sent, for the call log (form fields and file facts for uploads)."""
    if request.content_type == "multipart/form-data":
        files = {
            name: {"name": f.name, "size": f.size, "content_type": f.content_type}
            for name, f in request.FILES.items()
            if isinstance(f, UploadedFile)  # always: one file per name
        }
        return {"form": dict(request.POST.items()), "files": files}
    try:
        raw = request.body
    except RequestDataTooBig:
        return {"error": "body too large to record"}
    if not raw:
        return {}
    if "/upload:" in request.path:  # a file's bytes (resumable upload): its facts only
        return {"file_offset": request.headers.get("file_offset", ""), "bytes": len(raw)}
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _graph_endpoint(view: Callable[..., GraphResult]) -> Callable[..., HttpResponse]:
    """Answer ``GraphError`` in Meta's shape and record every exchange."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        channel = None
        try:
            _version_check(kwargs.get("version"))
            status, body, channel = view(request, **kwargs)
        except GraphError as exc:
            status, body = exc.http_status, exc.body()
            if kwargs.get("phone_number_id"):
                channel = selectors.channel_get(phone_number_id=kwargs["phone_number_id"])
        except RequestDataTooBig:
            status, body = 413, GraphError(100, "The request body is too large.").body()
        services.graph_call_record(
            method=request.method or "",
            path=request.get_full_path(),
            channel=channel,
            request_body=_request_record(request),
            response_status=status,
            response_body=body,
        )
        return JsonResponse(body, status=status)

    return wrapper


def _version_check(version: str | None) -> None:
    """G5: the sandbox speaks the Graph API versions the client implements; an older one
    is refused as Meta refuses a retired version, a newer one as an unknown path."""
    if version is None or version in GRAPH_API_VERSIONS:
        return
    major = version[1:].split(".")[0]
    if major.isdigit() and int(major) < int(GRAPH_API_VERSIONS[0][1:].split(".")[0]):
        raise GraphError(2635, f"You are calling a deprecated version of the Graph API ({version}).")
    raise GraphError(2500, message=f"Unknown path components: /{version}")


def _graph_json(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        raise GraphError(100, "The request body is not valid JSON.") from None


@_graph_endpoint
def graph_messages(request: HttpRequest, *, version: str, phone_number_id: str) -> GraphResult:
    if request.method != "POST":
        raise unknown_object(phone_number_id, request.method or "get")
    channel = services.graph_channel_authenticate(phone_number_id=phone_number_id, token=_bearer(request))
    return 200, services.graph_messages_post(channel=channel, body=_graph_json(request)), channel


@_graph_endpoint
def graph_media_upload(request: HttpRequest, *, version: str, phone_number_id: str) -> GraphResult:
    if request.method != "POST":
        raise unknown_object(phone_number_id, request.method or "get")
    channel = services.graph_channel_authenticate(phone_number_id=phone_number_id, token=_bearer(request))
    if request.content_type != "multipart/form-data":
        raise GraphError(100, "Upload the file as multipart/form-data (messaging_product, file, type).")
    product = request.POST.get("messaging_product")
    if product != "whatsapp":
        raise GraphError(100, message="The parameter messaging_product is required.")
    upload = request.FILES.get("file")
    if upload is None:
        raise GraphError(100, message="The parameter file is required.")
    media = services.media_upload(
        channel=channel,
        upload=upload,
        declared_type=request.POST.get("type", ""),
        origin=SandboxMedia.Origin.BUSINESS,
    )
    return 200, {"id": media.media_id}, channel


@_graph_endpoint
def graph_message_templates(request: HttpRequest, *, version: str, waba_id: str) -> GraphResult:
    """G1: ``GET`` a page of the WABA's templates, ``POST`` a new one, ``DELETE ?name=[&hsm_id=]``."""
    method = request.method or "GET"
    channel = services.waba_authenticate(waba_id=waba_id, token=_bearer(request))
    if method == "GET":
        params = {k: str(v) for k, v in request.GET.items() if k != "access_token"}
        url = request.build_absolute_uri(request.path)
        return 200, services.template_list(waba_id=waba_id, params=params, url=url), channel
    if method == "POST":
        return (
            200,
            services.template_create(channel=channel, waba_id=waba_id, body=_graph_json(request)),
            channel,
        )
    if method == "DELETE":
        name, hsm_id = request.GET.get("name", ""), request.GET.get("hsm_id", "")
        return 200, services.template_delete(waba_id=waba_id, name=name, template_id=hsm_id), channel
    raise unknown_object(waba_id, method)


@_graph_endpoint
def graph_upload_session(request: HttpRequest, *, version: str, app_id: str) -> GraphResult:
    """G1: ``POST /<APP_ID>/uploads?file_name=&file_length=&file_type=`` opens an upload session."""
    if request.method != "POST":
        raise unknown_object(app_id, request.method or "get")
    channel = services.app_authenticate(app_id=app_id, token=_bearer(request))
    params = {k: str(v) for k, v in request.GET.items() if k != "access_token"}
    return 200, services.upload_session_open(app_id=app_id, params=params), channel


@_graph_endpoint
def graph_upload(request: HttpRequest, *, version: str, session: str) -> GraphResult:
    """G1: ``POST /upload:<session>`` (``Authorization: OAuth <token>``, ``file_offset: 0``,
    the bytes as the body) → ``{"h": <file handle>}``."""
    if request.method != "POST":
        raise unknown_object(session, request.method or "get")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    body, channel = services.upload_receive(
        session=session,
        token=token.strip() if scheme.lower() == "oauth" else "",
        # Meta's header is file_offset; WSGI servers drop names with "_": absent reads as 0
        file_offset=request.headers.get("file_offset", request.headers.get("file-offset", "0")),
        data=request.body,
    )
    return 200, body, channel


@_graph_endpoint
def graph_media(request: HttpRequest, *, version: str, media_id: str) -> GraphResult:
    """``/<id>``: a template (G1: ``POST`` edits it) or a media object (``GET``, ``DELETE``)."""
    method = request.method or "GET"
    if method == "POST":
        found = services.template_authenticate(template_id=media_id, token=_bearer(request))
        if found is None:
            raise unknown_object(media_id, method)
        template, channel = found
        return (
            200,
            services.template_edit(template=template, channel=channel, body=_graph_json(request)),
            channel,
        )
    if method == "GET" and selectors.channel_get(phone_number_id=media_id) is not None:
        # G5: GET /<phone_number_id>: the number's health (the same route as a media id).
        channel = services.graph_channel_authenticate(phone_number_id=media_id, token=_bearer(request))
        return 200, services.number_info(channel=channel, fields=request.GET.get("fields", "")), channel
    if method not in ("GET", "DELETE"):
        raise unknown_object(media_id, method)
    media = services.graph_media_authenticate(
        media_id=media_id,
        token=_bearer(request),
        phone_number_id=request.GET.get("phone_number_id", ""),
        method=method,
    )
    channel = media.channel
    if method == "DELETE":
        services.media_delete(media=media)
        return 200, {"success": True}, channel
    return 200, services.media_info(media=media), channel


@_graph_endpoint
def graph_unknown(request: HttpRequest, *, rest: str) -> GraphResult:
    raise GraphError(2500, message=f"Unknown path components: /{rest}")


@csrf_exempt
def media_download(request: HttpRequest) -> HttpResponseBase:
    """The short-lived media URL: needs the Bearer token, like Meta's lookaside URLs."""
    signed = request.GET.get("mid", "")
    try:
        media = services.media_from_download(signed=signed, token=_bearer(request))
    except GraphError as exc:
        status, body = exc.http_status, exc.body()
    else:
        if media is not None and request.method in ("GET", "HEAD"):
            services.graph_call_record(
                method=request.method,
                path=request.path,
                channel=media.channel,
                request_body={},
                response_status=200,
                response_body={"content_type": media.mime_type, "bytes": media.file_size},
            )
            return _file_response(media)
        status, body = 404, {"error": {"message": "URL signature expired or not found", "code": 404}}
    services.graph_call_record(
        method=request.method or "",
        path=request.path,
        channel=None,
        request_body={},
        response_status=status,
        response_body=body,
    )
    return JsonResponse(body, status=status)


def _file_response(media: SandboxMedia, *, inline: bool = False) -> HttpResponseBase:
    try:
        return secure_file_response(
            media.file, content_type=media.mime_type, file_name=media.filename, download=not inline
        )
    except OSError:
        return JsonResponse({"error": "the file is gone from the media store"}, status=404)


# --- customer phone page -------------------------------------------------------------


def phone_page(request: HttpRequest) -> HttpResponse:
    """The customer's phone: pick a business number and a customer, then chat."""
    channels = selectors.channel_list()
    wanted = request.GET.get("phone_number_id", "")
    channel = next((c for c in channels if c.phone_number_id == wanted), channels[0] if channels else None)
    recent = selectors.chat_list_recent(channel=channel) if channel is not None else []
    wa_id = request.GET.get("wa_id", "")
    try:
        wa_id = wa_id_clean(wa_id) if wa_id else ""
    except PhoneInputError:
        wa_id = ""
    name = request.GET.get("name", "")[:256]
    if wa_id and not name:
        name = next((chat.profile_name for chat in recent if chat.wa_id == wa_id), "")
    config = {
        "channels": [
            {
                "phone_number_id": c.phone_number_id,
                "name": c.name,
                "display_phone_number": c.display_phone_number,
            }
            for c in channels
        ],
        "phone_number_id": channel.phone_number_id if channel else "",
        "wa_id": wa_id,
        "profile_name": name,
        "api": {
            "send": reverse("sandbox:phone-api-send"),
            "media": reverse("sandbox:phone-api-media"),
            "history": reverse("sandbox:phone-api-history"),
            "chats": reverse("sandbox:phone-api-chats"),
            "seen": reverse("sandbox:phone-api-seen"),
            "played": reverse("sandbox:phone-api-played"),
            "calls": reverse("sandbox:phone-api-calls"),
            "identity": reverse("sandbox:phone-api-identity"),
            "marketing": reverse("sandbox:phone-api-marketing"),
            "echo": reverse("sandbox:phone-api-echo"),
            "number": reverse("sandbox:phone-api-number"),
        },
        "ws_path": "/ws/sandbox/phone/",
    }
    context = {
        "channels": channels,
        "channel": channel,
        "recent": recent,
        "wa_id": wa_id,
        "name": name,
        "config": config,
    }
    response = render(request, "sandbox/phone.html", context)
    response["Content-Security-Policy"] = PHONE_PAGE_CSP
    return response


@phone_api("POST")
def phone_api_send(request: HttpRequest) -> dict[str, Any]:
    data = json_input(request)
    channel = channel_of(data.get("phone_number_id"))
    wa_id = wa_id_clean(data.get("wa_id"))
    profile_name = profile_name_clean(data.get("profile_name"))
    chat = selectors.chat_get(channel=channel, wa_id=wa_id)
    message = customer_message_build(data=data, chat=chat, channel_id=channel.pk)
    record, post = services.customer_message_send(
        channel=channel, wa_id=wa_id, profile_name=profile_name, message=message
    )
    return {
        "message": events.message_payload(record),
        "webhook": {"url": post.url, "status": post.response_status, "ok": post.ok, "error": post.error},
    }


@phone_api("POST")
def phone_api_media(request: HttpRequest) -> dict[str, Any]:
    if request.content_type != "multipart/form-data":
        raise PhoneInputError(_("upload the file as multipart/form-data (phone_number_id, file)"), status=415)
    channel = channel_of(request.POST.get("phone_number_id"))
    upload = request.FILES.get("file")
    if upload is None:
        raise PhoneInputError(_("%(field)s is required") % {"field": "file"}, field="file")
    try:
        media = services.media_upload(
            channel=channel, upload=upload, declared_type="", origin=SandboxMedia.Origin.CUSTOMER
        )
    except GraphError as exc:
        raise PhoneInputError(exc.details or exc.title, field="file") from None
    return {
        "id": media.media_id,
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": media.file_size,
        "filename": media.filename,
    }


@phone_api("GET")
def phone_api_history(request: HttpRequest) -> dict[str, Any]:
    channel = channel_of(request.GET.get("phone_number_id"))
    chat = selectors.chat_get(channel=channel, wa_id=wa_id_clean(request.GET.get("wa_id")))
    if chat is None:
        return {"chat": None, "messages": []}
    chat.channel = channel
    messages = selectors.chat_messages(chat=chat)
    for message in messages:
        message.chat = chat
    return {"chat": events.chat_payload(chat), "messages": [events.message_payload(m) for m in messages]}


@phone_api("GET")
def phone_api_chats(request: HttpRequest) -> dict[str, Any]:
    channel = channel_of(request.GET.get("phone_number_id"))
    chats = selectors.chat_list_recent(channel=channel)
    return {
        "chats": [
            {
                "wa_id": c.wa_id,
                "profile_name": c.profile_name,
                "last_activity_at": c.last_activity_at.isoformat(),
            }
            for c in chats
        ]
    }


@phone_api("POST")
def phone_api_seen(request: HttpRequest) -> dict[str, Any]:
    data = json_input(request)
    chat = chat_of(channel_of(data.get("phone_number_id")), data.get("wa_id"))
    return {"read": services.customer_seen(chat=chat)}


@phone_api("POST")
def phone_api_played(request: HttpRequest) -> dict[str, Any]:
    data = json_input(request)
    chat = chat_of(channel_of(data.get("phone_number_id")), data.get("wa_id"))
    wamid = data.get("message_id")
    if not isinstance(wamid, str) or not services.customer_played(chat=chat, wamid=wamid):
        raise PhoneInputError(
            _("message_id does not name a business %(types)s message of this chat") % {"types": "audio"},
            field="message_id",
            status=404,
        )
    return {"played": True}


@phone_api("GET")
def phone_api_calls(request: HttpRequest) -> dict[str, Any]:
    channel = channel_of(request.GET.get("phone_number_id"))
    try:
        limit = min(max(int(request.GET.get("limit", "50")), 1), CALLS_LIMIT_MAX)
    except ValueError:
        raise PhoneInputError(
            _("limit must be a number from 1 to %(max)d") % {"max": CALLS_LIMIT_MAX}, field="limit"
        ) from None
    return {
        "calls": [
            {
                "id": call.pk,
                "created_at": call.created_at.isoformat(),
                "method": call.method,
                "path": call.path,
                "request_body": call.request_body,
                "response_status": call.response_status,
                "response_body": call.response_body,
                "error_code": call.error_code,
                "wamid": call.wamid,
            }
            for call in selectors.graph_calls(channel=channel, limit=limit)
        ]
    }


def phone_media(request: HttpRequest, signed: str) -> HttpResponseBase:
    """A file shown on the phone page, by the signed link its message payload carries."""
    media = services.media_from_phone_link(signed=signed)
    if media is None:
        return JsonResponse({"error": _("no such file, or the link expired: reload the chat")}, status=404)
    return _file_response(media, inline=True)
