"""P5 options store: agent beats group beats global beats default, and the server's own
checks resolve an agent's group like the console does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations import options
from conversations.exceptions import DomainError
from conversations.media import MediaRejected
from conversations.models import AgentGroup, AgentProfile, OptionValue
from conversations.options import get_option, options_for
from conversations.services.media import attachment_upload
from conversations.services.outbound import OutboundSpec, message_send
from tests.factories import AgentProfileFactory, InteractionFactory

pytestmark = pytest.mark.django_db

TEXT_SIZE = "whatsappsession.max-text-message-size"


@pytest.fixture
def group(db):
    return AgentGroup.objects.create(name="Short answers")


@pytest.fixture
def member(group):
    return AgentProfileFactory(group=group).user


@pytest.fixture
def outsider(db):
    return AgentProfileFactory().user


def open_interaction(channel, owner):
    now = timezone.now()
    return InteractionFactory(
        channel=channel,
        owner=owner,
        last_inbound_at=now - timedelta(minutes=5),
        window_expires_at=now + timedelta(hours=23),
        awaiting_reply_since=now - timedelta(minutes=5),
    )


def send_text(user, interaction, body):
    return message_send(user=user, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body=body))


def test_a_group_text_size_limit_is_enforced_by_the_server_for_its_agents(channel, group, member, outsider):
    # given a limit of 10 bytes for the group only
    OptionValue.objects.create(key=TEXT_SIZE, value=10, agent_group=group)
    options.invalidate()
    body = "Twelve bytes"
    # then the group's agent is refused, as their console says
    assert options_for(agent_id=member.pk, group_id=group.pk)[TEXT_SIZE] == 10
    with pytest.raises(DomainError, match="the limit is 10 bytes"):
        send_text(member, open_interaction(channel, member), body)
    # and an agent of no group sends it under the global default
    assert send_text(outsider, open_interaction(channel, outsider), body).body == body


def test_agent_value_beats_group_value_beats_global_value(group, member, outsider):
    colleague = AgentProfileFactory(group=group).user
    OptionValue.objects.create(key=TEXT_SIZE, value=3000)
    OptionValue.objects.create(key=TEXT_SIZE, value=2000, agent_group=group)
    OptionValue.objects.create(key=TEXT_SIZE, value=1000, agent=member)
    options.invalidate()
    assert get_option(TEXT_SIZE, agent_id=member.pk) == 1000
    assert get_option(TEXT_SIZE, agent_id=colleague.pk) == 2000
    assert get_option(TEXT_SIZE, agent_id=outsider.pk) == 3000
    assert get_option(TEXT_SIZE) == 3000
    assert get_option("whatsappsession.text-size", agent_id=member.pk) == 14  # the default


def test_an_explicit_group_is_used_as_given(group, member):
    other = AgentGroup.objects.create(name="Long answers")
    OptionValue.objects.create(key=TEXT_SIZE, value=2000, agent_group=other)
    options.invalidate()
    assert get_option(TEXT_SIZE, agent_id=member.pk, group_id=other.pk) == 2000
    assert get_option(TEXT_SIZE, agent_id=member.pk) == 4096  # their own group has no value


def test_a_group_media_size_limit_is_enforced_for_its_agents(group, member, outsider):
    OptionValue.objects.create(key="whatsappsession.attachment-max-size", value=5, agent_group=group)
    options.invalidate()
    with pytest.raises(MediaRejected):
        attachment_upload(user=member, data=b"plain text file", file_name="notes.txt")
    assert attachment_upload(user=outsider, data=b"plain text file", file_name="notes.txt").size == 15


def test_moving_an_agent_to_another_group_applies_at_the_next_refresh_without_restart(
    monkeypatch, group, outsider
):
    OptionValue.objects.create(key=TEXT_SIZE, value=10, agent_group=group)
    options.invalidate()
    assert get_option(TEXT_SIZE, agent_id=outsider.pk) == 4096
    AgentProfile.objects.filter(user=outsider).update(group=group)
    monkeypatch.setattr(options, "SNAPSHOT_SECONDS", 0.0)  # the refresh period has passed
    assert get_option(TEXT_SIZE, agent_id=outsider.pk) == 10


def test_reading_options_costs_no_query_between_refreshes(group, member, django_assert_num_queries):
    OptionValue.objects.create(key=TEXT_SIZE, value=10, agent_group=group)
    options.invalidate()
    with django_assert_num_queries(2):  # the option rows, then the agents' groups
        assert get_option(TEXT_SIZE, agent_id=member.pk) == 10
    with django_assert_num_queries(0):
        assert options_for(agent_id=member.pk)[TEXT_SIZE] == 10
