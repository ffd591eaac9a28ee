"""X4: erase one contact's data (placeholders, rows and counts kept) and export it as JSON,
from the API and the admin, by permission, each recorded in the audit log."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from audit.models import AuditEntry
from conversations.exceptions import Conflict, PermissionDenied
from conversations.models import (
    Attachment,
    ConsultationMessage,
    Contact,
    Interaction,
    InteractionNote,
    Message,
    Reaction,
    WebhookEvent,
)
from privacy import services
from tests import cloud_api as wa
from tests.factories import ContactFactory, InteractionFactory, MessageFactory, UserFactory, grant

ERASE, EXPORT = "erase_contact_data", "export_contact_data"


@pytest.fixture
def officer(db):
    """A data-protection officer: may erase and export, nothing else."""
    return grant(UserFactory(username="dpo"), ERASE, EXPORT)


@pytest.fixture
def customer(db, settings, tmp_path):
    """Lena, with a closed conversation: messages, a photo, a reaction, notes, case data, a
    merged second number, and the raw webhooks that named her."""
    settings.MEDIA_ROOT = tmp_path
    lena = ContactFactory(
        wa_id="4917612345678",
        user_id="DE.8830216645190277",
        profile_name="Lena Vogel",
        name="Lena V.",
        email="lena@example.com",
        phone="+49 176 1234 5678",
        identifiers={"crm": "C-1024"},
    )
    old_number = ContactFactory(wa_id="4915790001122", profile_name="Lena", merged_into=lena)
    interaction = InteractionFactory(
        contact=lena,
        state=Interaction.State.CLOSED,
        closed_at=timezone.now(),
        disposition="resolved",
        done_note="Lena's parcel went to Hauptstraße 5",
        case_data={"order": "4471", "address": "Hauptstraße 5"},
        last_inbound_wamid="wamid.lena-1",
    )
    text = MessageFactory(interaction=interaction, wamid="wamid.lena-1", body="My parcel 4471 is late")
    photo = MessageFactory(
        interaction=interaction,
        wamid="wamid.lena-2",
        type=Message.Type.IMAGE,
        body="the box",
        content={"image": {"id": "media-1", "caption": "the box"}},
    )
    attachment = Attachment.objects.create(
        message=photo,
        kind="image",
        mime_type="image/jpeg",
        file_name="box.jpg",
        state="stored",
        media_id="media-1",
    )
    attachment.file.save("box.jpg", ContentFile(b"\xff\xd8jpeg"))
    Reaction.objects.create(
        channel=interaction.channel,
        target_wamid="wamid.lena-1",
        direction="in",
        emoji="👍",
        reacted_at=timezone.now(),
    )
    InteractionNote.objects.create(interaction=interaction, body="Lena prefers evenings")
    ConsultationMessage.objects.create(interaction=interaction, body="Is Lena's address right?")
    other = InteractionFactory(contact=old_number, state=Interaction.State.CLOSED)
    MessageFactory(interaction=other, wamid="wamid.old-number", body="hi from my old number")
    naming = WebhookEvent.objects.create(
        received_at=timezone.now(),
        body=json.dumps(wa.payload("inbound_text")),  # Lena's number as "from" and "wa_id"
        state=WebhookEvent.State.PROCESSED,
    )
    unrelated = WebhookEvent.objects.create(
        received_at=timezone.now(), body='{"from": "5511998877665"}', state=WebhookEvent.State.PROCESSED
    )
    return {
        "contact": lena,
        "alias": old_number,
        "interaction": interaction,
        "text": text,
        "photo": photo,
        "attachment": attachment,
        "file": attachment.file.name,
        "naming": naming,
        "unrelated": unrelated,
    }


@pytest.mark.django_db
class TestErase:
    def test_personal_data_is_replaced_and_the_rows_stay(
        self, officer, customer, django_capture_on_commit_callbacks
    ):
        lena = customer["contact"]
        counts_before = (Contact.objects.count(), Interaction.objects.count(), Message.objects.count())
        with django_capture_on_commit_callbacks(execute=True):
            report = services.contact_erase(user=officer, contact_id=lena.pk)

        assert (
            Contact.objects.count(),
            Interaction.objects.count(),
            Message.objects.count(),
        ) == counts_before
        lena.refresh_from_db()
        assert (lena.wa_id, lena.user_id, lena.name, lena.profile_name) == (
            f"erased-{lena.pk}",
            None,
            "(erased)",
            "",
        )
        assert (lena.email, lena.phone, lena.identifiers) == ("", "", {})
        assert lena.erased_at is not None
        alias = Contact.objects.get(pk=customer["alias"].pk)
        assert alias.wa_id == f"erased-{alias.pk}" and alias.profile_name == ""

        for message in Message.objects.filter(contact__in=[lena, alias]):
            assert message.body == "(erased)" and message.content == {}
            assert message.wamid.startswith("erased.")
        interaction = Interaction.objects.get(pk=customer["interaction"].pk)
        assert interaction.case_data == {} and interaction.done_note == "(erased)"
        assert interaction.customer_wa_id == "" and interaction.disposition == "resolved"  # reports keep it
        assert InteractionNote.objects.get().body == "(erased)"
        assert ConsultationMessage.objects.get().body == "(erased)"
        assert not Reaction.objects.exists()

        attachment = Attachment.objects.get(pk=customer["attachment"].pk)
        assert (attachment.state, attachment.purge_reason, attachment.file_name) == ("purged", "erasure", "")
        assert not default_storage.exists(customer["file"])

        naming = WebhookEvent.objects.get(pk=customer["naming"].pk)
        assert naming.body == "" and naming.body_purged_at is not None
        assert WebhookEvent.objects.get(pk=customer["unrelated"].pk).body_purged_at is None
        assert report.counts["webhook_bodies"] == 1 and report.counts["contacts"] == 2

        entry = AuditEntry.objects.get(action="contact.erase")
        assert entry.actor == officer and entry.target_id == str(lena.pk)
        assert entry.target_repr == f"contact {lena.pk}"  # never the customer's name
        assert "Lena" not in json.dumps(entry.details)

    def test_the_admin_history_forgets_the_name(self, officer, customer):
        lena = customer["contact"]
        LogEntry.objects.create(
            user=officer,
            content_type=ContentType.objects.get_for_model(Contact),
            object_id=str(lena.pk),
            object_repr="Lena V.",
            action_flag=CHANGE,
        )
        services.contact_erase(user=officer, contact_id=lena.pk)
        assert LogEntry.objects.get().object_repr == "(erased)"

    def test_an_open_interaction_is_refused_with_the_reason(self, officer, customer):
        lena = customer["contact"]
        open_one = InteractionFactory(contact=lena, state=Interaction.State.ACTIVE)
        with pytest.raises(Conflict) as refused:
            services.contact_erase(user=officer, contact_id=lena.pk)
        assert refused.value.code == "contact_has_open_interactions"
        assert (
            str(open_one.pk) in refused.value.message and "close them (Done) first" in refused.value.message
        )
        lena.refresh_from_db()
        assert lena.name == "Lena V." and not AuditEntry.objects.filter(action="contact.erase").exists()

    def test_without_the_permission_nothing_happens(self, customer):
        supervisor = grant(UserFactory(username="sup", is_staff=True), "supervise_interactions")
        with pytest.raises(PermissionDenied):
            services.contact_erase(user=supervisor, contact_id=customer["contact"].pk)
        with pytest.raises(PermissionDenied):
            services.contact_export(user=supervisor, contact_id=customer["contact"].pk)


@pytest.mark.django_db
class TestExport:
    def test_everything_about_the_contact_in_one_document(self, officer, customer):
        document = services.contact_export(user=officer, contact_id=customer["contact"].pk)
        assert (
            document["contact"]["wa_id"] == "4917612345678"
            and document["contact"]["email"] == "lena@example.com"
        )
        assert [c["wa_id"] for c in document["merged_contacts"]] == ["4915790001122"]
        assert {i["id"] for i in document["interactions"]} == {
            customer["interaction"].pk,
            Interaction.objects.get(contact=customer["alias"]).pk,
        }
        first = next(i for i in document["interactions"] if i["id"] == customer["interaction"].pk)
        assert first["notes"][0]["body"] == "Lena prefers evenings"
        assert first["internal_messages"][0]["body"] == "Is Lena's address right?"
        assert first["case_data"] == {"order": "4471", "address": "Hauptstraße 5"}
        bodies = [m["body"] for m in document["messages"]]
        assert "My parcel 4471 is late" in bodies and "hi from my old number" in bodies
        [photo] = [m for m in document["messages"] if m["attachment"]]
        assert (
            photo["attachment"]["file_name"] == "box.jpg" and photo["attachment"]["mime_type"] == "image/jpeg"
        )
        json.dumps(document)  # JSON as it is
        entry = AuditEntry.objects.get(action="contact.export")
        assert entry.actor == officer and entry.details["messages"] == 3


@pytest.mark.django_db
class TestApi:
    def test_export_then_erase_through_the_api(self, client, officer, customer):
        client.force_login(officer)
        lena = customer["contact"]
        exported = client.get(f"/api/v1/contacts/{lena.pk}/export/")
        assert exported.status_code == 200
        assert exported["Content-Disposition"] == f'attachment; filename="contact-{lena.pk}.json"'
        assert exported.json()["contact"]["name"] == "Lena V."
        erased = client.post(f"/api/v1/contacts/{lena.pk}/erase/")
        assert erased.status_code == 200
        assert erased.json()["contact_id"] == lena.pk and erased.json()["counts"]["messages"] == 3

    def test_refusals_in_the_error_envelope(self, client, customer):
        agent = UserFactory(username="plain-agent")
        client.force_login(agent)
        lena = customer["contact"]
        refused = client.post(f"/api/v1/contacts/{lena.pk}/erase/")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
        assert client.get(f"/api/v1/contacts/{lena.pk}/export/").status_code == 403

        client.force_login(grant(agent, ERASE, EXPORT))
        assert client.post("/api/v1/contacts/999999/erase/").status_code == 404
        InteractionFactory(contact=lena, state=Interaction.State.QUEUED)
        conflict = client.post(f"/api/v1/contacts/{lena.pk}/erase/")
        assert conflict.status_code == 409
        assert conflict.json()["error"]["code"] == "contact_has_open_interactions"

    def test_refusals_in_the_requests_language(self, client, customer):
        """U4: the browser's German; the English of the tests above by default."""
        agent = UserFactory(username="plain-agent")
        client.force_login(agent)
        lena = customer["contact"]
        refused = client.post(f"/api/v1/contacts/{lena.pk}/erase/", HTTP_ACCEPT_LANGUAGE="de")
        assert refused.json()["error"]["message"] == (
            "das Löschen der Daten eines Kontakts erfordert die Berechtigung 'Can erase contact data'"
        )
        client.force_login(grant(agent, ERASE, EXPORT))
        missing = client.get("/api/v1/contacts/999999/export/", HTTP_ACCEPT_LANGUAGE="pt-br")
        assert missing.json()["error"]["message"] == "o contato 999999 não existe"
        open_one = InteractionFactory(contact=lena, state=Interaction.State.QUEUED)
        conflict = client.post(f"/api/v1/contacts/{lena.pk}/erase/", HTTP_ACCEPT_LANGUAGE="de")
        assert conflict.json()["error"]["message"] == (
            f"Kontakt {lena.pk} hat offene Interaktionen ({open_one.pk}): ein Agent spricht noch mit dem "
            "Kunden; schließen Sie sie zuerst (Erledigt), dann löschen Sie"
        )
        assert conflict.json()["error"]["interaction_ids"] == [open_one.pk]
        english = client.post(f"/api/v1/contacts/{lena.pk}/erase/")
        assert english.json()["error"]["message"].startswith(f"contact {lena.pk} has open interactions")


@pytest.mark.django_db
class TestAdmin:
    @pytest.fixture
    def admin_client(self, client):
        client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        return client

    def test_export_action_downloads_the_json(self, admin_client, customer):
        lena = customer["contact"]
        response = admin_client.post(
            "/admin/conversations/contact/", {"action": "export_contact_data", "_selected_action": [lena.pk]}
        )
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert json.loads(response.content)["contact"]["id"] == lena.pk
        assert AuditEntry.objects.filter(action="contact.export", target_id=str(lena.pk)).exists()

    def test_erase_action_asks_first_then_erases(self, admin_client, customer):
        lena = customer["contact"]
        url = "/admin/conversations/contact/"
        asked = admin_client.post(url, {"action": "erase_contact_data", "_selected_action": [lena.pk]})
        assert asked.status_code == 200 and b"Yes, erase their data" in asked.content
        lena.refresh_from_db()
        assert lena.erased_at is None
        done = admin_client.post(
            url, {"action": "erase_contact_data", "_selected_action": [lena.pk], "confirmed": "yes"}
        )
        assert done.status_code == 302
        lena.refresh_from_db()
        assert lena.erased_at is not None

    def test_the_actions_need_their_permissions(self, client, customer):
        staff = grant(UserFactory(username="staff-viewer", is_staff=True), "view_contact")
        client.force_login(staff)
        page = client.get("/admin/conversations/contact/").content.decode()
        assert "erase_contact_data" not in page and "export_contact_data" not in page
        client.force_login(grant(staff, EXPORT))
        page = client.get("/admin/conversations/contact/").content.decode()
        assert "export_contact_data" in page and "erase_contact_data" not in page
