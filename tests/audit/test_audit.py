"""X5: the audit log: supervisor reads of others' interactions (once per session), admin
changes, permission changes, the service others call; read-only and filterable in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from audit.models import AuditEntry
from audit.services import audit_record
from conversations.models import Channel, Interaction, OptionValue
from tests.factories import (
    AgentProfileFactory,
    ChannelFactory,
    InteractionFactory,
    QueueFactory,
    UserFactory,
    grant,
)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def supervisor(db):
    return grant(UserFactory(username="sup", is_staff=True), "supervise_interactions")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def others(db):
    """An interaction another agent owns."""
    return InteractionFactory(owner=AgentProfileFactory().user)


def reads() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="interaction.read"))


@pytest.mark.django_db
class TestInteractionReads:
    def test_a_supervisor_opening_anothers_interaction_is_recorded_once_per_session(
        self, client, supervisor, others
    ):
        client.force_login(supervisor)
        for _ in range(3):  # the console's open, then its polls
            assert client.get(f"/api/v1/interactions/{others.pk}/console/").status_code == 200
            assert client.get(f"/api/v1/interactions/{others.pk}/transcript/").status_code == 200
        [entry] = reads()
        assert entry.actor == supervisor and entry.actor_name == "sup"
        assert entry.target_id == str(others.pk) and entry.target_type.model == "interaction"
        assert entry.details == {"owner_id": others.owner_id, "state": "active"}
        assert entry.ip_address == "127.0.0.1" and len(entry.request_id) == 32

        client.logout()
        client.force_login(supervisor)  # a new session: recorded again
        client.get(f"/api/v1/interactions/{others.pk}/console/")
        assert len(reads()) == 2

    def test_an_api_token_is_recorded_once_per_user(self, client, supervisor, others):
        token = Token.objects.create(user=supervisor).key
        for _ in range(2):
            response = client.get(f"/api/v1/interactions/{others.pk}/", HTTP_AUTHORIZATION=f"Token {token}")
            assert response.status_code == 200
        assert [e.actor for e in reads()] == [supervisor]

    def test_the_owner_an_agent_and_a_refused_read_are_not_recorded(self, client, supervisor, others):
        mine = InteractionFactory(owner=supervisor)
        client.force_login(supervisor)
        client.get(f"/api/v1/interactions/{mine.pk}/console/")
        client.force_login(others.owner)
        client.get(f"/api/v1/interactions/{others.pk}/console/")
        stranger = AgentProfileFactory().user
        client.force_login(stranger)
        assert client.get(f"/api/v1/interactions/{others.pk}/console/").status_code == 404
        assert reads() == []


@pytest.mark.django_db
class TestAdminAndPermissions:
    def test_changing_a_channel_in_the_admin_is_recorded_with_the_address(self, client, root):
        channel = ChannelFactory(name="Support")
        client.force_login(root)
        data = {
            "name": "Support DE",
            "phone_number_id": channel.phone_number_id,
            "display_phone_number": channel.display_phone_number,
            "waba_id": "",
            "access_token": "",
            "app_secret": "",
            "verify_token": "",
            "default_queue": "",
            "is_active": "on",
        }
        response = client.post(
            f"/admin/conversations/channel/{channel.pk}/change/", data, REMOTE_ADDR="10.0.0.7"
        )
        assert response.status_code == 302
        [entry] = AuditEntry.objects.filter(action="admin.change")
        assert entry.actor == root and entry.target_type.model_class() is Channel
        assert entry.target_repr.startswith("Support DE") and entry.ip_address == "10.0.0.7"
        assert entry.details["change"] == "Changed Name."  # no secret in it

    def test_adding_an_option_and_deleting_in_bulk_are_recorded(self, client, root):
        client.force_login(root)
        client.post(
            "/admin/conversations/optionvalue/add/",
            {"key": "whatsappsession.offer-accept-timeout", "value": "45", "agent_group": "", "agent": ""},
        )
        option = OptionValue.objects.get(key="whatsappsession.offer-accept-timeout")
        [added] = AuditEntry.objects.filter(action="admin.add")
        assert added.target_id == str(option.pk)
        queues = [QueueFactory(name=f"Q{i}") for i in range(2)]
        client.post(
            "/admin/conversations/queue/",
            {"action": "delete_selected", "_selected_action": [q.pk for q in queues], "post": "yes"},
        )
        assert AuditEntry.objects.filter(action="admin.delete").count() == 2  # bulk: no post_save

    def test_permission_and_group_changes_are_recorded_by_name(self, client, root):
        agent = UserFactory(username="alice")
        supervisors = Group.objects.create(name="Supervisors")
        client.force_login(root)  # the request gives the actor
        client.get("/admin/")
        from ops import logs

        with logs.bound(client_ip="10.1.1.1"):
            supervisors.permissions.add(Permission.objects.get(codename="supervise_interactions"))
            agent.groups.add(supervisors)
            agent.groups.remove(supervisors)
        entries = list(AuditEntry.objects.filter(action="permissions.change").order_by("id"))
        assert [e.details for e in entries] == [
            {"relation": "group permissions", "added": ["conversations.supervise_interactions"]},
            {"relation": "user groups", "added": ["Supervisors"]},
            {"relation": "user groups", "removed": ["Supervisors"]},
        ]
        assert entries[1].target_repr == "alice" and entries[1].ip_address == "10.1.1.1"

    def test_a_user_change_in_the_admin_records_the_groups_given(self, client, root):
        agent = UserFactory(username="bob")
        group = Group.objects.create(name="Supervisors")
        client.force_login(root)
        page = client.get(f"/admin/auth/user/{agent.pk}/change/")
        assert page.status_code == 200
        data = {
            "username": "bob",
            "first_name": agent.first_name,
            "last_name": "",
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "groups": [group.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": agent.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": agent.date_joined.strftime("%H:%M:%S"),
            "agent_profile-TOTAL_FORMS": "0",
            "agent_profile-INITIAL_FORMS": "0",
            "agent_profile-MIN_NUM_FORMS": "0",
            "agent_profile-MAX_NUM_FORMS": "1",
        }
        client.post(f"/admin/auth/user/{agent.pk}/change/", data)
        permissions = AuditEntry.objects.get(action="permissions.change")
        assert permissions.actor == root and permissions.details["added"] == ["Supervisors"]
        change = AuditEntry.objects.get(action="admin.change")
        assert "Staff status" in change.details["change"] or "is_staff" in change.details["change"].lower()


@pytest.mark.django_db
class TestServiceAndLog:
    def test_the_service_others_call_records_an_intervention(self, supervisor, others):
        entry = audit_record(
            actor=supervisor, action="interaction.intervene", target=others, details={"how": "whisper"}
        )
        assert entry.target_type.model_class() is Interaction and entry.details == {"how": "whisper"}
        assert entry.ip_address is None  # no request: nothing invented

    def test_entries_are_never_changed_or_deleted(self, supervisor):
        entry = audit_record(actor=supervisor, action="contact.export", details={})
        entry.action = "nothing happened"
        with pytest.raises(ValueError):
            entry.save()
        with pytest.raises(ValueError):
            entry.delete()

    def test_the_admin_lists_and_filters_and_never_edits(self, client, root, supervisor, others):
        audit_record(actor=supervisor, action="interaction.read", target=others)
        audit_record(actor=root, action="contact.export", target=others.contact)
        client.force_login(root)
        listing = client.get("/admin/audit/auditentry/")
        assert listing.status_code == 200
        text = listing.content.decode()
        assert "interaction.read" in text and "contact.export" in text
        assert "Add audit entry" not in text and 'name="action"' not in text  # no add, no bulk delete
        by_action = client.get("/admin/audit/auditentry/?action=contact.export").content.decode()
        assert "contact.export" in by_action and f"interaction {others.pk}" not in by_action
        by_actor = client.get("/admin/audit/auditentry/?actor_name=sup").content.decode()
        assert "interaction.read" in by_actor and "contact.export</td>" not in by_actor
        by_object = client.get(f"/admin/audit/auditentry/?target_id={others.pk}&action=interaction.read")
        assert by_object.status_code == 200 and "interaction.read" in by_object.content.decode()
        from django.utils import timezone

        this_year = client.get(f"/admin/audit/auditentry/?at__year={timezone.now().year}")
        assert this_year.status_code == 200 and "interaction.read" in this_year.content.decode()
        entry = AuditEntry.objects.first()
        detail = client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
        assert detail.status_code == 200 and b'name="_save"' not in detail.content
        assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403

    def test_only_administrators_see_it(self, client, supervisor):
        client.force_login(supervisor)
        assert client.get("/admin/audit/auditentry/").status_code == 403
