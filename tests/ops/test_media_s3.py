"""X1: media on shared storage. With ``MEDIA_STORAGE=s3`` every file (inbound attachments
and their thumbnails, agents' uploads, templates' header files) is stored in an
S3-compatible bucket and served to the agent by the permission-checked views; nothing
touches the local disk. The bucket is moto's S3 server, started here on a free port."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import boto3
import httpx
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from conversations.models import Attachment
from conversations.services import media as media_services
from templates_app.models import MessageTemplate
from tests.factories import AgentProfileFactory, InteractionFactory, MessageFactory
from tests.graph_standin import start_graph_standin
from tests.stack import PYTHON, free_port
from waproject.storage import media_storage


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(endpoint, timeout=1)
                break
            time.sleep(0.2)
        else:
            pytest.fail("moto's S3 server did not start")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


ENV = {
    "AWS_ACCESS_KEY_ID": "test-key",
    "AWS_SECRET_ACCESS_KEY": "test-secret",
    "AWS_S3_REGION_NAME": "us-east-1",
}


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    """A fresh private bucket as the media storage (configured as an operator would), and
    an empty MEDIA_ROOT that must stay empty."""
    name = f"media-{uuid.uuid4().hex[:10]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="test-key",
                          aws_secret_access_key="test-secret", region_name="us-east-1")  # fmt: skip
    client.create_bucket(Bucket=name)
    env = {
        **ENV,
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": name,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_LOCATION": "media",
    }
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(env)}
    settings.MEDIA_ROOT = tmp_path / "media"
    client.objects = lambda: {  # key -> bytes
        item["Key"]: client.get_object(Bucket=name, Key=item["Key"])["Body"].read()
        for item in client.list_objects_v2(Bucket=name).get("Contents", [])
    }
    yield client
    assert not settings.MEDIA_ROOT.exists(), "a file went to the local disk"


@pytest.fixture
def graph(settings):
    standin = start_graph_standin()
    settings.WHATSAPP_GRAPH_BASE_URL = standin.base_url
    yield standin
    standin.close()


@pytest.fixture
def agent(db):
    return AgentProfileFactory().user


@pytest.fixture
def interaction(channel, agent):
    now = timezone.now()
    return InteractionFactory(
        channel=channel,
        owner=agent,
        contact__wa_id="4915112345678",
        last_inbound_at=now - timedelta(minutes=5),
        window_expires_at=now + timedelta(hours=23),
    )


def png(size=(800, 600), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_inbound_image_is_stored_in_the_bucket_and_served_to_its_agent(
    bucket, graph, interaction, agent, client
):
    data = png()
    message = MessageFactory(interaction=interaction, type="image", wamid="wamid.s3img")
    attachment = Attachment.objects.create(
        message=message, kind="image", media_id="media-s3", mime_type="image/png",
        sha256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
    )  # fmt: skip
    info = {"url": f"{graph.base_url}/download/media-s3", "mime_type": "image/png", "file_size": len(data)}
    graph.reply_json(200, {**info, "id": "media-s3"})
    graph.reply(200, data, content_type="image/png")

    stored = media_services.attachment_download(attachment_id=attachment.pk)

    assert stored.state == Attachment.State.STORED
    objects = bucket.objects()
    assert objects[f"media/{stored.file.name}"] == data
    thumbnail = objects[f"media/{stored.thumbnail.name}"]
    assert max(Image.open(io.BytesIO(thumbnail)).size) == 320
    client.force_login(agent)
    served = client.get(f"/api/v1/attachments/{stored.pk}/file/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == data
    served_thumbnail = client.get(f"/api/v1/attachments/{stored.pk}/thumbnail/")
    assert b"".join(served_thumbnail.streaming_content) == thumbnail
    client.force_login(AgentProfileFactory().user)  # another agent: not theirs
    assert client.get(f"/api/v1/attachments/{stored.pk}/file/").status_code == 404


def test_an_agents_upload_goes_to_the_bucket_and_out_to_whatsapp(
    bucket, graph, interaction, agent, client, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    data = png((64, 48), (0, 90, 200))
    uploaded = client.post("/api/v1/attachments/", {"file": ContentFile(data, name="chart.png")})
    assert uploaded.status_code == 201, uploaded.json()
    stored = Attachment.objects.get(pk=uploaded.json()["id"])
    assert bucket.objects()[f"media/{stored.file.name}"] == data
    graph.reply_json(200, {"id": "media-out"})
    graph.accept()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/api/v1/interactions/{interaction.pk}/messages/",
            {"type": "image", "attachment_id": stored.pk},
            content_type="application/json",
        )
    assert sent.status_code == 201, sent.json()
    upload, send = graph.requests
    assert upload.path.endswith("/media") and data in upload.body  # read back from the bucket
    assert send.json()["image"] == {"id": "media-out"}


def test_a_templates_header_file_lives_in_the_bucket_and_is_previewed_and_sent(
    bucket, graph, interaction, agent, client, django_capture_on_commit_callbacks
):
    data = png((120, 80), (10, 160, 60))
    template = MessageTemplate.objects.create(
        name="receipt",
        language="en_US",
        status=MessageTemplate.Status.APPROVED,
        kind=MessageTemplate.Kind.RICH_MEDIA,
        header_type="image",
        body="Your receipt",
    )
    template.header_media.save("receipt.png", ContentFile(data), save=True)
    assert bucket.objects()[f"media/{template.header_media.name}"] == data
    client.force_login(agent)
    preview = client.get(f"/api/v1/templates/{template.pk}/header-file/")
    assert preview.status_code == 200 and b"".join(preview.streaming_content) == data
    graph.reply_json(200, {"id": "media-header"})
    graph.accept()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/api/v1/interactions/{interaction.pk}/messages/",
            {"type": "template", "template_id": template.pk},
            content_type="application/json",
        )
    assert sent.status_code == 201, sent.json()
    assert data in graph.requests[0].body
    # the copy the message keeps is in the bucket too
    copy = Attachment.objects.exclude(file="").get()
    assert bucket.objects()[f"media/{copy.file.name}"] == data


def test_the_environment_names_the_bucket():
    with pytest.raises(ValueError, match="AWS_STORAGE_BUCKET_NAME"):
        media_storage({"MEDIA_STORAGE": "s3"})
    with pytest.raises(ValueError, match="'local' or 's3'"):
        media_storage({"MEDIA_STORAGE": "ftp"})
    assert media_storage({})["BACKEND"] == "django.core.files.storage.FileSystemStorage"
