"""P2: the Cloud API client speaks Meta's wire format and turns every failure into a typed error.

``httpx.MockTransport`` stands in for graph.facebook.com; no database is needed.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, Iterator
from email import policy
from email.parser import BytesParser
from typing import Any, cast

import httpx
import pytest

from conversations.models import Channel
from tests import cloud_api as wa
from whatsapp import payloads
from whatsapp.client import CloudApiClient, MediaInfo, SendResult
from whatsapp.errors import (
    CloudApiError,
    ErrorKind,
    PermanentError,
    RetryableError,
    TemplateRequiredError,
    classify,
    error_from_graph_response,
    error_from_webhook,
    network_error,
)

TOKEN = "EAAG-secret-test-token"
PNID = wa.SUPPORT.phone_number_id
BASE = "https://graph.example.test"
MEDIA_URL = "https://lookaside.fbsbx.example/whatsapp_business/attachments/?mid=1013859600285441&ext=1"

#: Meta's HTTP 400 answer for a test number's unlisted recipient (reference §10).
ERROR_131030 = {
    "error": {
        "message": "(#131030) Recipient phone number not in allowed list",
        "type": "OAuthException",
        "code": 131030,
        "error_data": {
            "messaging_product": "whatsapp",
            "details": "Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.",
        },
        "fbtrace_id": "AbCdEfGhIjK123",
    }
}


def graph_error(code: int, message: str = "Something", **extra: Any) -> dict[str, Any]:
    return {"error": {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code, **extra}}


class Meta:
    """A scripted Graph API: answers with ``respond`` and records every request it got."""

    def __init__(self, respond: Callable[[httpx.Request], httpx.Response]) -> None:
        self.respond = respond
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.respond(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def answering(status: int = 200, **response: Any) -> Meta:
    return Meta(lambda request: httpx.Response(status, **response))


def client_for(meta: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> CloudApiClient:
    return CloudApiClient(
        access_token=TOKEN,
        phone_number_id=PNID,
        base_url=BASE,
        api_version="v23.0",
        transport=httpx.MockTransport(meta),
        **kwargs,
    )


def multipart_fields(request: httpx.Request) -> dict[str, tuple[str | None, str, bytes]]:
    """``{name: (filename, content type, bytes)}`` of a multipart/form-data request."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.content)
    assert message.is_multipart()
    return {
        str(part.get_param("name", header="content-disposition")): (
            part.get_filename(),
            part.get_content_type(),
            cast(bytes, part.get_payload(decode=True)),  # a non-multipart part decodes to bytes
        )
        for part in message.iter_parts()
    }


class TestSend:
    def test_posts_the_payload_with_the_bearer_token(self):
        # given
        meta = answering(json=wa.send_message_response())
        body = payloads.text("+4917612345678", "Hello")
        # when
        with client_for(meta) as client:
            result = client.send(body)
        # then
        request = meta.last
        assert request.method == "POST"
        assert str(request.url) == f"{BASE}/v23.0/{PNID}/messages"
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == body
        assert result == SendResult(
            wamid=wa.OUR_SENT,
            wa_id="4917612345678",
            raw=wa.send_message_response(),
        )

    def test_a_reaction_goes_as_the_documented_body_and_its_answer_carries_a_wamid(self):
        """U1: POST /{phone-number-id}/messages with type "reaction"; "" removes it."""
        meta = answering(json={"messaging_product": "whatsapp", "messages": [{"id": "wamid.REACTION"}]})
        with client_for(meta) as client:
            result = client.send(payloads.reaction("4917612345678", message_id="wamid.CUSTOMER", emoji="👍"))
            client.send(payloads.reaction("4917612345678", message_id="wamid.CUSTOMER", emoji=""))
        first, removal = (json.loads(r.content) for r in meta.requests)
        assert str(meta.last.url) == f"{BASE}/v23.0/{PNID}/messages"
        assert first == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+4917612345678",
            "type": "reaction",
            "reaction": {"message_id": "wamid.CUSTOMER", "emoji": "👍"},
        }
        assert removal["reaction"] == {"message_id": "wamid.CUSTOMER", "emoji": ""}
        assert result.wamid == "wamid.REACTION"

    def test_bsuid_recipient_has_no_wa_id(self):
        meta = answering(json={"messaging_product": "whatsapp", "messages": [{"id": "wamid.X"}]})
        with client_for(meta) as client:
            result = client.send(payloads.text(wa.LENA.user_id, "Hi"))
        assert result.wamid == "wamid.X"
        assert result.wa_id is None

    @pytest.mark.parametrize(
        "response",
        [{"json": {"messaging_product": "whatsapp", "messages": []}}, {"content": b"<html>ok</html>"}],
    )
    def test_an_unusable_success_answer_is_permanent(self, response):
        with client_for(answering(**response)) as client, pytest.raises(PermanentError) as caught:
            client.send(payloads.text("1", "Hi"))
        assert caught.value.code is None
        assert caught.value.http_status == 200

    def test_400_with_131030_is_a_permanent_error_with_meta_fields(self):
        with client_for(answering(400, json=ERROR_131030)) as client, pytest.raises(PermanentError) as caught:
            client.send(payloads.text("1", "Hi"))
        error = caught.value
        assert error.kind is ErrorKind.PERMANENT
        assert error.code == 131030
        assert error.http_status == 400
        assert error.title == "Recipient phone number not in allowed list"
        assert error.details == (
            "Recipient phone number not in allowed list: "
            "Add recipient phone number to recipient list and try again."
        )
        assert error.trace_id == "AbCdEfGhIjK123"
        assert error.subcode is None

    def test_500_is_retryable(self):
        meta = answering(500, json=graph_error(1, "An unknown error occurred"))
        with client_for(meta) as client, pytest.raises(RetryableError) as caught:
            client.send(payloads.text("1", "Hi"))
        assert caught.value.http_status == 500
        assert caught.value.code == 1

    def test_html_502_from_a_proxy_is_retryable(self):
        meta = answering(502, content=b"<html><body><h1>502 Bad Gateway</h1></body></html>")
        with client_for(meta) as client, pytest.raises(RetryableError) as caught:
            client.send(payloads.text("1", "Hi"))
        assert caught.value.code is None
        assert caught.value.details == "502 Bad Gateway"

    def test_closed_window_asks_for_a_template(self):
        body = graph_error(131047, "Re-engagement message")
        with client_for(answering(400, json=body)) as client, pytest.raises(TemplateRequiredError) as caught:
            client.send(payloads.text("1", "Hi"))
        assert caught.value.kind is ErrorKind.NEEDS_TEMPLATE

    def test_rate_limit_is_retryable(self):
        meta = answering(400, json=graph_error(130429, "Rate limit hit"))
        with client_for(meta) as client, pytest.raises(RetryableError):
            client.send(payloads.text("1", "Hi"))

    @pytest.mark.parametrize(
        "exc",
        [
            httpx.ConnectTimeout("connect timed out"),
            httpx.ReadTimeout("read timed out"),
            httpx.ConnectError("connection refused"),
        ],
    )
    def test_timeouts_and_network_failures_are_retryable(self, exc):
        def fail(request: httpx.Request) -> httpx.Response:
            raise exc

        with client_for(fail) as client, pytest.raises(RetryableError) as caught:
            client.send(payloads.text("1", "Hi"))
        assert caught.value.code is None
        assert caught.value.http_status is None
        assert caught.value.__cause__ is exc


class TestMarkAsRead:
    def test_posts_the_read_receipt(self):
        meta = answering(json={"success": True})
        with client_for(meta) as client:
            assert client.mark_as_read("wamid.IN", typing_indicator=True) is None
        assert meta.last.method == "POST"
        assert str(meta.last.url) == f"{BASE}/v23.0/{PNID}/messages"
        assert meta.last.headers["authorization"] == f"Bearer {TOKEN}"
        assert json.loads(meta.last.content) == {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.IN",
            "typing_indicator": {"type": "text"},
        }

    def test_success_false_is_an_error(self):
        with client_for(answering(json={"success": False})) as client, pytest.raises(PermanentError):
            client.mark_as_read("wamid.IN")

    def test_unknown_message_is_permanent(self):
        body = graph_error(100, "Invalid parameter", error_data={"details": "Invalid message_id"})
        with client_for(answering(400, json=body)) as client, pytest.raises(PermanentError) as caught:
            client.mark_as_read("wamid.nope")
        assert caught.value.details == "Invalid message_id"


class TestUploadMedia:
    def test_multipart_fields(self):
        meta = answering(json={"id": "1013859600285441"})
        with client_for(meta) as client:
            media_id = client.upload_media(
                data=b"%PDF-1.4 fake", mime_type="application/pdf", filename="a.pdf"
            )
        assert media_id == "1013859600285441"
        request = meta.last
        assert request.method == "POST"
        assert str(request.url) == f"{BASE}/v23.0/{PNID}/media"
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
        fields = multipart_fields(request)
        assert fields["messaging_product"][1:] == ("text/plain", b"whatsapp")
        assert fields["type"][1:] == ("text/plain", b"application/pdf")
        assert fields["file"] == ("a.pdf", "application/pdf", b"%PDF-1.4 fake")

    def test_mime_mismatch_error_is_permanent(self):
        body = graph_error(131053, "Media upload error", error_data={"details": "Unsupported file type"})
        with client_for(answering(400, json=body)) as client, pytest.raises(PermanentError) as caught:
            client.upload_media(data=b"x", mime_type="image/gif", filename="x.gif")
        assert caught.value.code == 131053

    def test_answer_without_id(self):
        with client_for(answering(json={})) as client, pytest.raises(PermanentError, match="no id"):
            client.upload_media(data=b"x", mime_type="image/png", filename="x.png")


class TestGetMedia:
    def test_looks_up_the_media_with_the_phone_number_id(self):
        meta = answering(
            json={
                "messaging_product": "whatsapp",
                "url": MEDIA_URL,
                "mime_type": "image/jpeg",
                "sha256": "e9a4cd4a9f0f5cc2e0a1e2c2b3b5f0b1f2c6c5a0d4b7a5b3c1e8d0f2a4b6c8d0",
                "file_size": "303833",
                "id": "1013859600285441",
            }
        )
        with client_for(meta) as client:
            info = client.get_media("1013859600285441")
        request = meta.last
        assert request.method == "GET"
        assert request.url.copy_with(query=None) == httpx.URL(f"{BASE}/v23.0/1013859600285441")
        assert dict(request.url.params) == {"phone_number_id": PNID}
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert info == MediaInfo(
            url=MEDIA_URL,
            mime_type="image/jpeg",
            sha256="e9a4cd4a9f0f5cc2e0a1e2c2b3b5f0b1f2c6c5a0d4b7a5b3c1e8d0f2a4b6c8d0",
            file_size=303833,
            id="1013859600285441",
        )

    def test_missing_fields_are_tolerated_except_the_url(self):
        with client_for(answering(json={"url": MEDIA_URL})) as client:
            info = client.get_media("77")
        assert info == MediaInfo(url=MEDIA_URL, mime_type="", sha256="", file_size=None, id="77")
        with (
            client_for(answering(json={"id": "77"})) as client,
            pytest.raises(PermanentError, match="no url"),
        ):
            client.get_media("77")

    def test_unknown_media_id_is_permanent(self):
        body = graph_error(100, "Unsupported get request.", error_subcode=33, fbtrace_id="T1")
        with client_for(answering(400, json=body)) as client, pytest.raises(PermanentError) as caught:
            client.get_media("nope")
        assert (caught.value.code, caught.value.subcode, caught.value.trace_id) == (100, 33, "T1")


class TestDownloadMedia:
    def test_downloads_with_the_bearer_token(self):
        meta = answering(content=b"\xff\xd8jpeg-bytes", headers={"Content-Type": "image/jpeg"})
        with client_for(meta) as client:
            data = client.download_media(MEDIA_URL, max_bytes=1000)
        assert data == b"\xff\xd8jpeg-bytes"
        assert meta.last.method == "GET"
        assert str(meta.last.url) == MEDIA_URL
        assert meta.last.headers["authorization"] == f"Bearer {TOKEN}"

    def test_follows_a_redirect_of_the_media_host(self):
        def respond(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/moved":
                return httpx.Response(200, content=b"data")
            return httpx.Response(302, headers={"Location": "https://lookaside.fbsbx.example/moved"})

        meta = Meta(respond)
        with client_for(meta) as client:
            assert client.download_media(MEDIA_URL, max_bytes=100) == b"data"
        assert [r.headers["authorization"] for r in meta.requests] == [f"Bearer {TOKEN}"] * 2

    def test_exactly_max_bytes_is_allowed(self):
        with client_for(answering(content=b"x" * 10)) as client:
            assert client.download_media(MEDIA_URL, max_bytes=10) == b"x" * 10

    def test_declared_content_length_over_the_cap_is_refused_before_reading(self):
        consumed: list[bytes] = []

        def body() -> Iterator[bytes]:
            for chunk in (b"a" * 10, b"b" * 10):
                consumed.append(chunk)
                yield chunk

        meta = answering(content=body(), headers={"Content-Length": "20"})
        with client_for(meta) as client, pytest.raises(PermanentError) as caught:
            client.download_media(MEDIA_URL, max_bytes=15)
        assert caught.value.code is None
        assert "too large" in caught.value.title
        assert "20 bytes" in caught.value.title
        assert consumed == []

    def test_streamed_body_over_the_cap_is_refused_without_reading_it_all(self):
        consumed: list[bytes] = []

        def body() -> Iterator[bytes]:  # chunked: no Content-Length at all
            for _ in range(100):
                consumed.append(b"z" * 10)
                yield b"z" * 10

        with client_for(answering(content=body())) as client, pytest.raises(PermanentError) as caught:
            client.download_media(MEDIA_URL, max_bytes=25)
        assert caught.value.kind is ErrorKind.PERMANENT
        assert "limit is 25 bytes" in caught.value.title
        assert len(consumed) < 100

    def test_expired_url_404_is_retryable(self):
        with (
            client_for(answering(404, content=b"Not Found")) as client,
            pytest.raises(RetryableError) as caught,
        ):
            client.download_media(MEDIA_URL, max_bytes=1000)
        assert caught.value.http_status == 404
        assert "get_media" in caught.value.title

    def test_expired_token_is_permanent(self):
        body = graph_error(190, "Error validating access token", error_subcode=463)
        with client_for(answering(401, json=body)) as client, pytest.raises(PermanentError) as caught:
            client.download_media(MEDIA_URL, max_bytes=1000)
        assert (caught.value.code, caught.value.subcode) == (190, 463)

    def test_timeout_while_streaming_is_retryable(self):
        def body() -> Iterator[bytes]:
            yield b"part"
            raise httpx.ReadTimeout("read timed out")

        with client_for(answering(content=body())) as client, pytest.raises(RetryableError):
            client.download_media(MEDIA_URL, max_bytes=1000)


class TestDeleteMedia:
    def test_deletes_with_the_phone_number_id(self):
        meta = answering(json={"success": True})
        with client_for(meta) as client:
            assert client.delete_media("1013859600285441") is None
        request = meta.last
        assert request.method == "DELETE"
        assert request.url.copy_with(query=None) == httpx.URL(f"{BASE}/v23.0/1013859600285441")
        assert dict(request.url.params) == {"phone_number_id": PNID}
        assert request.headers["authorization"] == f"Bearer {TOKEN}"


class TestConstruction:
    def test_defaults_come_from_settings(self, settings):
        settings.WHATSAPP_GRAPH_BASE_URL = "http://127.0.0.1:8000/sandbox/graph/"
        settings.WHATSAPP_API_VERSION = "v24.0"
        meta = answering(json=wa.send_message_response())
        client = CloudApiClient(access_token=TOKEN, phone_number_id=PNID, transport=httpx.MockTransport(meta))
        client.send(payloads.text("1", "Hi"))
        client.close()
        assert str(meta.last.url) == f"http://127.0.0.1:8000/sandbox/graph/v24.0/{PNID}/messages"

    def test_for_channel_uses_its_number_and_token(self):
        channel = Channel(phone_number_id=wa.SALES.phone_number_id, access_token="channel-token")
        meta = answering(json=wa.send_message_response())
        with CloudApiClient.for_channel(
            channel, base_url=BASE, api_version="v23.0", transport=httpx.MockTransport(meta)
        ) as client:
            client.send(payloads.text("1", "Hi"))
        assert str(meta.last.url) == f"{BASE}/v23.0/{wa.SALES.phone_number_id}/messages"
        assert meta.last.headers["authorization"] == "Bearer channel-token"

    def test_one_connection_pool_per_client_closed_on_exit(self):
        meta = answering(json=wa.send_message_response())
        with client_for(meta) as client:
            http = client._http
            client.send(payloads.text("1", "a"))
            client.send(payloads.text("1", "b"))
            assert client._http is http
        assert http.is_closed

    def test_the_token_is_never_shown(self):
        client = client_for(answering(400, json=ERROR_131030))
        with pytest.raises(CloudApiError) as caught:
            client.send(payloads.text("1", "Hi"))
        client.close()
        assert TOKEN not in repr(client)
        assert TOKEN not in str(caught.value)
        assert TOKEN not in repr(caught.value)
        assert not any(TOKEN in str(value) for value in vars(client).values())


class TestClassify:
    @pytest.mark.parametrize(
        "code, http_status, kind",
        [
            (130429, 400, ErrorKind.RETRYABLE),
            (131056, 400, ErrorKind.RETRYABLE),
            (131000, 500, ErrorKind.RETRYABLE),
            (131000, 400, ErrorKind.RETRYABLE),
            (131016, 503, ErrorKind.RETRYABLE),
            (131057, 400, ErrorKind.RETRYABLE),
            (4, 400, ErrorKind.RETRYABLE),
            (80007, 400, ErrorKind.RETRYABLE),
            (1, 500, ErrorKind.RETRYABLE),
            (None, 502, ErrorKind.RETRYABLE),
            (None, 429, ErrorKind.RETRYABLE),
            (None, None, ErrorKind.RETRYABLE),
            (130429, None, ErrorKind.RETRYABLE),
            (131047, 400, ErrorKind.NEEDS_TEMPLATE),
            (131047, None, ErrorKind.NEEDS_TEMPLATE),
            (131026, None, ErrorKind.PERMANENT),
            (131026, 400, ErrorKind.PERMANENT),
            (132000, 400, ErrorKind.PERMANENT),
            (132001, 404, ErrorKind.PERMANENT),
            (132012, 400, ErrorKind.PERMANENT),
            (190, 401, ErrorKind.PERMANENT),
            (100, 400, ErrorKind.PERMANENT),
            (131030, 400, ErrorKind.PERMANENT),
            (131049, None, ErrorKind.PERMANENT),
            (130472, None, ErrorKind.PERMANENT),
            (None, 400, ErrorKind.PERMANENT),
            (None, 404, ErrorKind.PERMANENT),
        ],
    )
    def test_table(self, code, http_status, kind):
        assert classify(code=code, http_status=http_status) is kind

    @pytest.mark.parametrize(
        "code, error_class",
        [
            (130429, RetryableError),
            (131056, RetryableError),
            (131000, RetryableError),
            (131016, RetryableError),
            (131057, RetryableError),
            (4, RetryableError),
            (80007, RetryableError),
            (131047, TemplateRequiredError),
            (131026, PermanentError),
            (132000, PermanentError),
            (132001, PermanentError),
            (132012, PermanentError),
            (190, PermanentError),
            (100, PermanentError),
            (131030, PermanentError),
        ],
    )
    def test_graph_responses_become_the_matching_subclass(self, code, error_class):
        error = error_from_graph_response(http_status=400, body=graph_error(code))
        assert type(error) is error_class
        assert error.kind is error_class.fixed_kind
        assert error.code == code

    def test_classification_ignores_the_message_text(self):
        body = graph_error(100, "Rate limit hit, please retry (#130429) later")
        assert error_from_graph_response(http_status=400, body=body).kind is ErrorKind.PERMANENT

    def test_base_class_classifies_itself(self):
        assert CloudApiError(code=131047, http_status=400).kind is ErrorKind.NEEDS_TEMPLATE
        assert CloudApiError(code=131026).kind is ErrorKind.PERMANENT


class TestErrorFromGraphResponse:
    @pytest.mark.parametrize(
        "body",
        [ERROR_131030, json.dumps(ERROR_131030), json.dumps(ERROR_131030).encode()],
        ids=["dict", "str", "bytes"],
    )
    def test_parses_every_field(self, body):
        error = error_from_graph_response(http_status=400, body=body)
        assert isinstance(error, PermanentError)
        assert (error.code, error.http_status, error.trace_id) == (131030, 400, "AbCdEfGhIjK123")
        assert error.title == "Recipient phone number not in allowed list"
        assert error.details.startswith("Recipient phone number not in allowed list: Add")

    def test_str_is_one_line_with_the_code(self):
        error = error_from_graph_response(http_status=400, body=ERROR_131030)
        assert str(error) == (
            "WhatsApp Cloud API error 131030 (HTTP 400): Recipient phone number not in allowed list — "
            "Recipient phone number not in allowed list: Add recipient phone number to recipient list "
            "and try again. [fbtrace_id AbCdEfGhIjK123]"
        )

    def test_str_shows_the_subcode_and_stays_on_one_line(self):
        body = graph_error(190, "Error validating access token:\nSession has expired", error_subcode=463)
        assert str(error_from_graph_response(http_status=401, body=body)) == (
            "WhatsApp Cloud API error 190/463 (HTTP 401): Error validating access token: Session has expired"
        )

    def test_missing_fields(self):
        error = error_from_graph_response(http_status=400, body={"error": {"code": "131009"}})
        assert isinstance(error, PermanentError)
        assert (error.code, error.title, error.details, error.trace_id, error.subcode) == (
            131009,
            "HTTP 400",
            "",
            "",
            None,
        )

    def test_error_data_as_a_json_string(self):
        body = graph_error(131009, "Parameter value is not valid", error_data='{"details": "bad to"}')
        assert error_from_graph_response(http_status=400, body=body).details == "bad to"

    @pytest.mark.parametrize(
        "http_status, body, error_class",
        [
            (502, b"<html><head><title>Bad</title></head><body>Bad Gateway</body></html>", RetryableError),
            (503, "Service Unavailable", RetryableError),
            (400, b"\xff\xfe not utf-8", PermanentError),
            (400, b"", PermanentError),
            (400, b"[1, 2]", PermanentError),
            (400, {"no_error_key": True}, PermanentError),
            (403, {"error": "just a string"}, PermanentError),
        ],
    )
    def test_tolerates_bodies_that_are_not_graph_errors(self, http_status, body, error_class):
        error = error_from_graph_response(http_status=http_status, body=body)
        assert type(error) is error_class
        assert error.code is None
        assert error.http_status == http_status
        assert error.title == f"HTTP {http_status} without a Graph API error body"
        assert "\n" not in str(error)

    def test_survives_pickling(self):
        error = error_from_graph_response(http_status=400, body=ERROR_131030)
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is PermanentError
        assert (copy.code, copy.title, copy.details, copy.trace_id, copy.http_status, copy.kind) == (
            error.code,
            error.title,
            error.details,
            error.trace_id,
            error.http_status,
            error.kind,
        )
        assert str(copy) == str(error)


class TestErrorFromWebhook:
    def test_failed_status_error(self):
        status = wa.payload("status_failed")["entry"][0]["changes"][0]["value"]["statuses"][0]
        error = error_from_webhook(status["errors"][0])
        assert isinstance(error, PermanentError)
        assert error.code == 131049
        assert error.title == "This message was not delivered to maintain healthy ecosystem engagement."
        assert error.details == (
            "In order to maintain a healthy ecosystem engagement, this marketing message was not delivered "
            "to the user."
        )
        assert error.http_status is None

    def test_value_level_error_is_retryable(self):
        value = wa.payload("inbound_value_level_errors")["entry"][0]["changes"][0]["value"]
        error = error_from_webhook(value["errors"][0])
        assert isinstance(error, RetryableError)
        assert (error.code, error.title, error.details) == (
            131000,
            "Something went wrong",
            "Unsupported webhook payload",
        )

    def test_re_engagement_needs_a_template(self):
        error = error_from_webhook({"code": 131047, "title": "Re-engagement message"})
        assert isinstance(error, TemplateRequiredError)
        assert error.details == ""

    def test_message_without_title_or_details(self):
        error = error_from_webhook({"code": 131026, "message": "Message undeliverable"})
        assert (error.title, error.details) == ("Message undeliverable", "")


class TestNetworkError:
    def test_wraps_any_exception_as_retryable(self):
        error = network_error(httpx.ReadTimeout("The read operation timed out"))
        assert isinstance(error, RetryableError)
        assert error.kind is ErrorKind.RETRYABLE
        assert (error.code, error.http_status) == (None, None)
        assert "ReadTimeout" in error.title
        assert error.details == "The read operation timed out"
