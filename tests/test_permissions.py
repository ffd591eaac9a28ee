"""P6: supervisors see everything; staff status alone (content managers) opens only the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from conversations.models import Interaction, Message
from conversations.permissions import user_is_supervisor
from tests.factories import AgentProfileFactory, InteractionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def interaction(channel):
    return InteractionFactory(
        channel=channel, owner=AgentProfileFactory().user, state=Interaction.State.ACTIVE
    )


@pytest.fixture
def content_manager(db):
    user = UserFactory(is_staff=True, username="cleo")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="templates_app"))
    return user


def test_a_content_manager_cannot_read_or_act_on_conversations(client, content_manager, interaction):
    client.force_login(content_manager)
    assert client.get("/api/v1/interactions/").json()["results"] == []
    assert client.get(f"/api/v1/interactions/{interaction.pk}/messages/").status_code == 404
    sent = client.post(
        f"/api/v1/interactions/{interaction.pk}/messages/",
        {"type": "text", "body": "hi from content"},
        content_type="application/json",
    )
    assert sent.status_code == 404
    done = client.post(f"/api/v1/interactions/{interaction.pk}/done/", {}, content_type="application/json")
    assert done.status_code == 404  # not a 403, which would tell that it exists
    interaction.refresh_from_db()
    assert interaction.state == Interaction.State.ACTIVE
    assert not Message.objects.exists()


def test_supervisors_are_superusers_or_staff_with_the_supervise_permission(content_manager, interaction):
    assert not user_is_supervisor(content_manager)
    assert user_is_supervisor(UserFactory(is_superuser=True))
    team_lead = UserFactory(is_staff=True)
    supervisors = Group.objects.create(name="Supervisors")
    supervisors.permissions.add(Permission.objects.get(codename="supervise_interactions"))
    team_lead.groups.add(supervisors)
    assert user_is_supervisor(team_lead)
    team_lead.is_staff = False  # the permission counts for staff users only
    assert not user_is_supervisor(team_lead)


def test_a_supervisor_by_permission_sees_every_conversation(client, interaction):
    team_lead = UserFactory(is_staff=True)
    team_lead.user_permissions.add(Permission.objects.get(codename="supervise_interactions"))
    client.force_login(team_lead)
    listed = client.get("/api/v1/interactions/").json()["results"]
    assert [row["id"] for row in listed] == [interaction.pk]
