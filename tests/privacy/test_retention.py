"""X4: raw webhook bodies and media files purged after their retention periods, in bounded
batches; what remains of a message says its file was deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations import selectors
from conversations.models import Attachment, Message, WebhookEvent
from conversations.services.webhooks import webhook_event_process
from privacy.services import retention_purge
from privacy.tasks import retention_purge_task
from tests.factories import MessageFactory

DAY = timedelta(days=1)


def event(age: timedelta, state: str = WebhookEvent.State.PROCESSED) -> WebhookEvent:
    return WebhookEvent.objects.create(
        received_at=timezone.now() - age, body='{"object": "whatsapp_business_account"}', state=state
    )


def stored_image(age: timedelta) -> Attachment:
    message = MessageFactory.create(type=Message.Type.IMAGE, body="look at this")
    attachment = Attachment.objects.create(
        message=message, kind="image", mime_type="image/jpeg", state="stored"
    )
    attachment.file.save("photo.jpg", ContentFile(b"\xff\xd8jpeg"), save=False)
    attachment.thumbnail.save("thumb.jpg", ContentFile(b"\xff\xd8thumb"), save=False)
    attachment.save()
    Attachment.objects.filter(pk=attachment.pk).update(created_at=timezone.now() - age)
    attachment.refresh_from_db()
    return attachment


@pytest.fixture
def periods(settings, tmp_path):
    settings.RETENTION_WEBHOOK_BODY_DAYS = 30
    settings.RETENTION_MEDIA_DAYS = 365
    settings.MEDIA_ROOT = tmp_path
    settings.RETENTION_BATCH = 500


@pytest.mark.django_db
class TestWebhookBodies:
    def test_processed_bodies_past_the_period_are_deleted_the_rows_stay(self, periods):
        old, recent = event(31 * DAY), event(29 * DAY)
        failed, flagged = event(40 * DAY, "failed"), event(40 * DAY, "flagged")
        assert retention_purge_task.apply().get() == 1
        old.refresh_from_db()
        assert old.body == "" and old.body_purged_at is not None and old.state == "processed"
        for kept in (recent, failed, flagged):  # a failed event still needs replaying
            kept.refresh_from_db()
            assert kept.body and kept.body_purged_at is None

    def test_a_purged_event_is_not_replayed(self, periods):
        old = event(31 * DAY)
        retention_purge(now=timezone.now())
        assert webhook_event_process(event_id=old.pk).state == "processed"

    def test_bounded_batches_oldest_first_and_idempotent(self, periods, settings):
        settings.RETENTION_BATCH = 2
        events = [event((31 + i) * DAY) for i in range(5)]
        assert retention_purge(now=timezone.now()) == 2
        purged = set(WebhookEvent.objects.filter(body_purged_at__isnull=False).values_list("pk", flat=True))
        assert purged == {events[4].pk, events[3].pk}  # the oldest two
        assert retention_purge(now=timezone.now()) == 2
        assert retention_purge(now=timezone.now()) == 1
        assert retention_purge(now=timezone.now()) == 0

    def test_zero_keeps_forever(self, periods, settings):
        settings.RETENTION_WEBHOOK_BODY_DAYS = 0
        event(3000 * DAY)
        assert retention_purge(now=timezone.now()) == 0

    def test_a_run_with_nothing_due_reads_one_index(self, periods):
        event(DAY)
        with CaptureQueriesContext(connection) as queries:
            retention_purge(now=timezone.now())
        assert len(queries.captured_queries) == 2  # one SELECT per kind, nothing to write


@pytest.mark.django_db
class TestMedia:
    def test_files_past_the_period_are_deleted_and_the_transcript_says_so(self, periods):
        old, recent = stored_image(366 * DAY), stored_image(10 * DAY)
        names = [old.file.name, old.thumbnail.name]
        assert retention_purge(now=timezone.now()) == 1
        assert not any(default_storage.exists(name) for name in names)
        old.refresh_from_db()
        assert (old.state, old.purge_reason, old.file.name, old.thumbnail.name) == (
            "purged",
            "retention",
            "",
            "",
        )
        recent.refresh_from_db()
        assert recent.state == "stored" and default_storage.exists(recent.file.name)

        [payload] = selectors.messages_payload(
            [Message.objects.select_related("attachment").get(pk=old.message_id)]
        )
        attachment = payload["attachment"]
        assert attachment["state"] == "purged" and attachment["url"] is None
        assert attachment["notice"].startswith(f"The file was deleted on {timezone.now():%Y-%m-%d}")
        assert payload["body"] == "look at this"  # the caption stays: only the file goes
        [kept] = selectors.messages_payload(
            [Message.objects.select_related("attachment").get(pk=recent.message_id)]
        )
        assert kept["attachment"]["notice"] is None

    def test_a_file_already_gone_is_still_marked(self, periods):
        old = stored_image(400 * DAY)
        default_storage.delete(old.file.name)
        assert retention_purge(now=timezone.now()) == 1
        old.refresh_from_db()
        assert old.state == "purged"

    def test_the_purged_file_answers_404(self, periods, client):
        from tests.factories import UserFactory

        old = stored_image(400 * DAY)
        retention_purge(now=timezone.now())
        client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
        assert client.get(f"/api/v1/attachments/{old.pk}/file/").status_code == 404
