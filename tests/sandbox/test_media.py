"""P3: media upload, the 5-minute signed URL, the Bearer-protected download, deletion."""

from __future__ import annotations

import hashlib
import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from sandbox.models import GraphCall, SandboxMedia
from tests.factories import ChannelFactory
from tests.sandbox.conftest import GRAPH, PDF_BYTES, PHONE_NUMBER_ID, TOKEN, png_bytes
from tests.sandbox.test_graph_api import assert_graph_error

pytestmark = pytest.mark.django_db

AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def upload(
    client, data: bytes, name: str, mime: str, *, declared: str | None = None, token: str = TOKEN, **fields
):
    form = {"messaging_product": "whatsapp", "file": SimpleUploadedFile(name, data, mime), **fields}
    if declared is not None:
        form["type"] = declared
    return client.post(f"{GRAPH}/{PHONE_NUMBER_ID}/media", form, HTTP_AUTHORIZATION=f"Bearer {token}")


def local(url: str) -> str:
    """The path and query of an absolute sandbox URL (the test client speaks to the app directly)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


class TestUpload:
    def test_an_upload_answers_an_id_and_stores_the_file_under_sandbox(self, client, business):
        data = png_bytes()
        response = upload(client, data, "red.png", "image/png", declared="image/png")
        assert response.status_code == 200, response.content
        media_id = response.json()["id"]
        assert set(response.json()) == {"id"} and media_id.isdigit()
        media = SandboxMedia.objects.get(media_id=media_id)
        assert media.file.name.startswith("sandbox/")
        assert default_storage.open(media.file.name).read() == data
        assert (media.mime_type, media.file_size, media.filename) == ("image/png", len(data), "red.png")
        assert media.sha256 == hashlib.sha256(data).hexdigest()
        call = GraphCall.objects.get()
        assert call.request_body["files"]["file"] == {
            "name": "red.png",
            "size": len(data),
            "content_type": "image/png",
        }
        assert call.request_body["form"]["messaging_product"] == "whatsapp"

    def test_a_document_keeps_its_mime_type(self, client, business):
        response = upload(client, PDF_BYTES, "invoice.pdf", "application/pdf")
        assert SandboxMedia.objects.get(media_id=response.json()["id"]).mime_type == "application/pdf"

    def test_an_unsupported_type_is_131053(self, client, business):
        error = assert_graph_error(upload(client, b"GIF89a....", "a.gif", "image/gif"), 131053)
        assert "image/gif" in error["error_data"]["details"]

    def test_content_that_is_not_the_declared_type_is_131053(self, client, business):
        assert_graph_error(upload(client, b"plain text", "fake.png", "image/png"), 131053)

    def test_a_too_large_image_is_131053(self, client, business, monkeypatch):
        from sandbox import validation

        monkeypatch.setitem(validation.MEDIA_MAX_BYTES, "image", 10)
        assert_graph_error(upload(client, png_bytes(), "big.png", "image/png"), 131053)

    def test_messaging_product_and_file_are_required(self, client, business):
        response = client.post(
            f"{GRAPH}/{PHONE_NUMBER_ID}/media",
            {"file": SimpleUploadedFile("a.pdf", PDF_BYTES, "application/pdf")},
            **AUTH,
        )
        assert_graph_error(response, 100)
        response = client.post(f"{GRAPH}/{PHONE_NUMBER_ID}/media", {"messaging_product": "whatsapp"}, **AUTH)
        assert "file is required" in assert_graph_error(response, 100)["message"]

    def test_an_upload_needs_the_numbers_token(self, client, business):
        assert_graph_error(
            upload(client, PDF_BYTES, "a.pdf", "application/pdf", token="guess"), 190, http_status=401
        )
        assert SandboxMedia.objects.count() == 0


class TestRetrieveAndDownload:
    @pytest.fixture
    def media_id(self, client, business) -> str:
        return upload(client, png_bytes(), "red.png", "image/png").json()["id"]

    def test_get_answers_the_graph_media_object(self, client, media_id, settings):
        response = client.get(f"{GRAPH}/{media_id}", {"phone_number_id": PHONE_NUMBER_ID}, **AUTH)
        assert response.status_code == 200, response.content
        data = response.json()
        media = SandboxMedia.objects.get(media_id=media_id)
        assert data["messaging_product"] == "whatsapp"
        assert (data["id"], data["mime_type"], data["file_size"], data["sha256"]) == (
            media_id,
            "image/png",
            media.file_size,
            media.sha256,
        )
        assert data["url"].startswith(settings.PUBLIC_BASE_URL + "/sandbox/")
        assert media_id not in data["url"].split("mid=")[0]

    def test_the_url_downloads_the_bytes_with_the_bearer_token(self, client, media_id):
        url = client.get(f"{GRAPH}/{media_id}", **AUTH).json()["url"]
        response = client.get(local(url), **AUTH)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == png_bytes()

    def test_the_url_needs_the_bearer_token(self, client, media_id):
        url = client.get(f"{GRAPH}/{media_id}", **AUTH).json()["url"]
        assert_graph_error(client.get(local(url)), 190, http_status=401)
        assert_graph_error(client.get(local(url), HTTP_AUTHORIZATION="Bearer guess"), 190, http_status=401)

    def test_the_url_expires_after_five_minutes(self, client, media_id):
        url = client.get(f"{GRAPH}/{media_id}", **AUTH).json()["url"]
        with mock.patch("django.core.signing.time.time", return_value=time.time() + 301):
            response = client.get(local(url), **AUTH)
        assert response.status_code == 404

    def test_a_forged_url_is_404(self, client, media_id):
        url = client.get(f"{GRAPH}/{media_id}", **AUTH).json()["url"]
        path, _, _ = local(url).partition("?")
        assert client.get(f"{path}?mid={media_id}", **AUTH).status_code == 404
        assert client.get(f"{path}?mid={media_id}:abc:def", **AUTH).status_code == 404

    def test_another_numbers_token_cannot_see_or_download_it(self, client, media_id):
        ChannelFactory(phone_number_id="100000000000002", access_token="other-token")
        other = {"HTTP_AUTHORIZATION": "Bearer other-token"}
        assert_graph_error(client.get(f"{GRAPH}/{media_id}", **other), 100)
        url = client.get(f"{GRAPH}/{media_id}", **AUTH).json()["url"]
        assert client.get(local(url), **other).status_code == 404

    def test_a_wrong_phone_number_id_or_unknown_id_is_code_100(self, client, media_id):
        assert_graph_error(client.get(f"{GRAPH}/{media_id}", {"phone_number_id": "123"}, **AUTH), 100)
        assert_graph_error(client.get(f"{GRAPH}/1234567890123456", **AUTH), 100)

    def test_get_without_token_is_401(self, client, media_id):
        assert_graph_error(client.get(f"{GRAPH}/{media_id}"), 190, http_status=401)

    def test_delete_forgets_the_media_and_its_file(
        self, client, media_id, django_capture_on_commit_callbacks
    ):
        name = SandboxMedia.objects.get(media_id=media_id).file.name
        with django_capture_on_commit_callbacks(execute=True):
            response = client.delete(f"{GRAPH}/{media_id}?phone_number_id={PHONE_NUMBER_ID}", **AUTH)
        assert response.status_code == 200
        assert response.json() == {"success": True}
        assert not SandboxMedia.objects.filter(media_id=media_id).exists()
        assert not default_storage.exists(name)
        assert_graph_error(client.get(f"{GRAPH}/{media_id}", **AUTH), 100)
