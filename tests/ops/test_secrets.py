"""X3: channel secrets encrypted at rest, key rotation without downtime, write-only admin,
deployment warnings."""

from __future__ import annotations

import io
import re

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conversations.models import Channel
from ops import checks
from ops.crypto import DEMO_FIELD_ENCRYPTION_KEY, PREFIX, SecretUndecryptable
from tests import cloud_api as wa
from tests.factories import ChannelFactory, UserFactory

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def rotate() -> str:
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    return out.getvalue()


def stored(channel: Channel, field: str) -> str:
    """The column's text as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {field} FROM conversations_channel WHERE id = %s", [channel.pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
class TestEncryptedAtRest:
    def test_the_database_holds_ciphertext_the_model_reads_plaintext(self):
        channel = ChannelFactory(
            access_token="EAAG-token", app_secret="app-secret-1", verify_token="verify-1"
        )
        for field, plain in (
            ("access_token", "EAAG-token"),
            ("app_secret", "app-secret-1"),
            ("verify_token", "verify-1"),
        ):
            raw = stored(channel, field)
            assert raw.startswith(PREFIX) and plain not in raw
        fresh = Channel.objects.get(pk=channel.pk)
        assert (fresh.access_token, fresh.app_secret, fresh.verify_token) == (
            "EAAG-token",
            "app-secret-1",
            "verify-1",
        )

    def test_equal_secrets_are_stored_differently_and_cannot_be_looked_up(self):
        one, two = ChannelFactory(app_secret="same"), ChannelFactory(app_secret="same")
        assert stored(one, "app_secret") != stored(two, "app_secret")
        with pytest.raises(ValueError, match="only be compared with ''"):
            list(Channel.objects.filter(app_secret="same"))
        assert Channel.objects.exclude(app_secret="").count() == 2  # "is it set?" still works

    def test_signed_webhooks_and_the_handshake_work_with_encrypted_secrets(
        self, channel, post_webhook, client
    ):
        assert stored(channel, "app_secret").startswith(PREFIX)
        assert post_webhook(wa.payload("inbound_text")).status_code == 200
        handshake = client.get(
            "/webhooks/whatsapp/",
            {"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "42"},
        )
        assert handshake.status_code == 200 and handshake.content == b"42"

    def test_a_value_written_before_encryption_is_read_as_it_is(self):
        channel = ChannelFactory()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE conversations_channel SET app_secret = 'legacy-plain' WHERE id = %s", [channel.pk]
            )
        assert Channel.objects.get(pk=channel.pk).app_secret == "legacy-plain"


@pytest.mark.django_db
class TestKeyRotation:
    def test_old_and_new_keys_read_and_the_command_moves_everything_to_the_new_one(self, settings):
        settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
        channel = ChannelFactory(access_token="token-under-old-key")
        under_old = stored(channel, "access_token")

        settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]  # deploy: new first, old still read
        assert Channel.objects.get(pk=channel.pk).access_token == "token-under-old-key"
        assert "conversations.Channel.access_token: 1 of 1 values re-encrypted" in rotate()
        assert stored(channel, "access_token") != under_old

        settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key removed
        assert Channel.objects.get(pk=channel.pk).access_token == "token-under-old-key"

    def test_rotation_encrypts_legacy_plaintext_and_a_second_run_changes_nothing(self, settings):
        channel = ChannelFactory()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE conversations_channel SET verify_token = 'plain-verify' WHERE id = %s", [channel.pk]
            )
        rotate()
        after_first = stored(channel, "verify_token")
        assert after_first.startswith(PREFIX)
        rotate()
        assert stored(channel, "verify_token") == after_first
        assert Channel.objects.get(pk=channel.pk).verify_token == "plain-verify"

    def test_a_removed_key_is_reported_not_read_as_garbage(self, settings):
        settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
        channel = ChannelFactory()
        settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
        with pytest.raises(SecretUndecryptable, match="rotate_encryption_keys"):
            Channel.objects.get(pk=channel.pk)


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_secrets_of_a_database_from_before():
    executor = MigrationExecutor(connection)
    before = [("conversations", "0014_agent_not_ready_reason")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldChannel = old_apps.get_model("conversations", "Channel")
    old = OldChannel.objects.create(
        name="Old line",
        phone_number_id="100000000000123",
        display_phone_number="15550001111",
        access_token="old-plain-token",
        app_secret="old-plain-secret",
        verify_token="old-plain-verify",
    )
    assert stored(old, "app_secret") == "old-plain-secret"

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    for field in ("access_token", "app_secret", "verify_token"):
        assert stored(old, field).startswith(PREFIX)
    channel = Channel.objects.get(pk=old.pk)
    assert (channel.access_token, channel.app_secret, channel.verify_token) == (
        "old-plain-token",
        "old-plain-secret",
        "old-plain-verify",
    )


@pytest.mark.django_db
class TestAdminWriteOnly:
    @pytest.fixture
    def admin_client(self, client):
        client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        return client

    def form_data(self, channel: Channel, **changes: str) -> dict[str, str]:
        data = {
            "name": channel.name,
            "phone_number_id": channel.phone_number_id,
            "display_phone_number": channel.display_phone_number,
            "waba_id": channel.waba_id,
            "access_token": "",
            "app_secret": "",
            "verify_token": "",
            "default_queue": "",
            "is_active": "on",
        }
        return {**data, **changes}

    def test_the_change_page_never_shows_a_stored_secret_only_whether_it_is_set(self, admin_client):
        channel = ChannelFactory(access_token="EAAG-visible?", app_secret="s3cret-app", verify_token="")
        page = admin_client.get(f"/admin/conversations/channel/{channel.pk}/change/").content.decode()
        assert "EAAG-visible?" not in page and "s3cret-app" not in page
        assert re.search(r"Set \(stored encrypted, never shown\)", page)
        assert "Not set (stored encrypted" in page  # the empty verify token

    def test_empty_keeps_the_secret_and_typing_replaces_it(self, admin_client):
        channel = ChannelFactory(access_token="keep-me", app_secret="old-secret")
        url = f"/admin/conversations/channel/{channel.pk}/change/"
        assert admin_client.post(url, self.form_data(channel, app_secret="new-secret")).status_code == 302
        channel.refresh_from_db()
        assert (channel.access_token, channel.app_secret) == ("keep-me", "new-secret")
        assert stored(channel, "app_secret").startswith(PREFIX)

    def test_a_new_channel_needs_its_secrets(self, admin_client):
        data = self.form_data(ChannelFactory.build(phone_number_id="100000000000999"))
        response = admin_client.post("/admin/conversations/channel/add/", data)
        assert response.status_code == 200 and "This field is required" in response.content.decode()


class TestDeployWarnings:
    def ids(self, settings) -> set[str | None]:
        return {w.id for w in checks.public_secrets_check(None)}

    def test_the_demo_key_and_sandbox_secrets_warn_when_scaled(self, settings):
        settings.EMBEDDED = False
        settings.FIELD_ENCRYPTION_KEYS = [DEMO_FIELD_ENCRYPTION_KEY]
        settings.WHATSAPP_APP_SECRET = "sandbox-app-secret"
        assert self.ids(settings) == {"ops.W001", "ops.W002"}

    def test_debug_off_without_the_sandbox_is_production_too(self, settings):
        settings.EMBEDDED, settings.DEBUG, settings.WHATSAPP_SANDBOX_ENABLED = True, False, False
        settings.FIELD_ENCRYPTION_KEYS = [DEMO_FIELD_ENCRYPTION_KEY]
        assert "ops.W001" in self.ids(settings)

    def test_the_embedded_demo_is_quiet_and_real_keys_and_secrets_are_quiet(self, settings):
        settings.EMBEDDED, settings.WHATSAPP_SANDBOX_ENABLED = True, True
        settings.FIELD_ENCRYPTION_KEYS = [DEMO_FIELD_ENCRYPTION_KEY]
        assert self.ids(settings) == set()
        settings.EMBEDDED = False
        settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
        for name in ("ACCESS_TOKEN", "APP_SECRET", "VERIFY_TOKEN"):
            setattr(settings, f"WHATSAPP_{name}", f"real-{name.lower()}")
        assert self.ids(settings) == set()

    @pytest.mark.django_db
    def test_a_channel_holding_the_sandbox_secret_is_named(self, settings):
        settings.EMBEDDED = False
        settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
        for name in ("ACCESS_TOKEN", "APP_SECRET", "VERIFY_TOKEN"):
            setattr(settings, f"WHATSAPP_{name}", f"real-{name.lower()}")
        ChannelFactory(name="Seeded line", app_secret="sandbox-app-secret")
        [warning] = checks.public_secrets_check(None)
        assert warning.id == "ops.W002" and "Seeded line" in warning.msg

    def test_a_malformed_key_is_an_error(self, settings):
        settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
        assert [e.id for e in checks.encryption_keys_check(None)] == ["ops.E001"]
