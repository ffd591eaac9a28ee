"""The admin runs the services' rules: contacts are added with a validated identity, what
the services keep consistent is not deleted behind their back, configuration in use says
why it stays, and what may go still goes."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from conversations import options
from conversations.directory import directory
from conversations.models import (
    AgentGroup,
    AgentProfile,
    Attachment,
    Channel,
    Contact,
    Interaction,
    Offer,
    OptionValue,
    Queue,
    Skill,
    WebhookEvent,
)
from conversations.services.contacts import contact_resolve
from templates_app.models import MessageTemplate, StandardResponse, StandardResponseCategory
from tests.factories import (
    AgentProfileFactory,
    ChannelFactory,
    ContactFactory,
    InteractionFactory,
    MessageFactory,
    QueueFactory,
    UserFactory,
)
from whatsapp.records import SenderProfile
from workbins.models import Workbin, WorkbinItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(client):
    user = UserFactory(is_staff=True, is_superuser=True, username="sam")
    client.force_login(user)
    return user


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def delete(client, obj) -> bool:
    """Confirm the delete page of ``obj``; whether it is gone."""
    client.post(url(type(obj), "delete", obj.pk), {"post": "yes"})
    return not type(obj).objects.filter(pk=obj.pk).exists()


def delete_selected(client, *objs) -> list:
    """The changelist's "delete selected" action, confirmed; the ones left."""
    model = type(objs[0])
    client.post(
        url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [o.pk for o in objs], "post": "yes"},
    )
    return list(model.objects.filter(pk__in=[o.pk for o in objs]))


def actions_of(client, model) -> list[str]:
    request = client.get(url(model, "changelist")).wsgi_request
    return list(admin.site._registry[model].get_actions(request))


# --- Contacts › Add -----------------------------------------------------------------------------


def add_contact(client, **fields):
    data = {"wa_id": "", "user_id": "", "name": "", "phone": "", "email": "", "identifiers": "{}", **fields}
    return client.post(url(Contact, "add"), data)


def test_a_contact_is_added_with_a_number_written_as_the_webhook_writes_it(client, supervisor):
    response = add_contact(client, wa_id="+49 (151) 1234-5678", name="Lena Vogel")
    assert response.status_code == 302, response.content.decode()[:2000]
    contact = Contact.objects.get(name="Lena Vogel")
    assert (contact.wa_id, contact.phone) == ("4915112345678", "+4915112345678")
    # her first WhatsApp message reaches this contact, not a new one
    assert contact_resolve(sender=SenderProfile(wa_id="4915112345678", user_id=None)) == contact


def test_a_contact_may_be_known_by_its_business_scoped_user_id_only(client, supervisor):
    assert add_contact(client, user_id="us.13491208655302741918", name="Private").status_code == 302
    contact = Contact.objects.get(name="Private")
    assert (contact.wa_id, contact.user_id) == (None, "US.13491208655302741918")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"wa_id": "0049 151 12345678"}, "without a leading 0 or 00"),
        ({"wa_id": "12345"}, "6 to 15 digits"),
        ({"wa_id": "+49 151 12345678 999"}, "6 to 15 digits"),
        ({"wa_id": "call me"}, "is not a WhatsApp number"),
        ({"user_id": "13491208655302741918"}, "is not a business-scoped user id"),
        ({"name": "Nobody"}, "Give a WhatsApp number, a business-scoped user id (BSUID), or both."),
        ({"wa_id": "4915100000001", "identifiers": "[1, 2]"}, "Identifiers are an object of named values"),
    ],
)
def test_a_contact_without_a_valid_identity_is_a_form_error(client, supervisor, fields, error):
    response = add_contact(client, **fields)
    assert response.status_code == 200  # the form again
    assert error in response.content.decode()
    assert not Contact.objects.exists()


def test_a_number_or_bsuid_another_contact_has_is_a_form_error(client, supervisor):
    ContactFactory(wa_id="4915112345678", user_id="US.1349")
    for fields in ({"wa_id": "+49 151 12345678"}, {"user_id": "US.1349"}):
        response = add_contact(client, name="Twin", **fields)
        assert response.status_code == 200
        assert "already exists" in response.content.decode()
    assert not Contact.objects.filter(name="Twin").exists()


def test_a_contacts_identity_stays_and_edits_go_through_the_contact_service(client, supervisor):
    contact = ContactFactory(wa_id="4915112345678", name="Lena")
    page = client.get(url(Contact, "change", contact.pk)).content.decode()
    assert 'name="wa_id"' not in page and 'name="merged_into"' not in page  # shown, not editable
    response = client.post(
        url(Contact, "change", contact.pk),
        {"wa_id": "4915199999999", "name": "Lena Vogel", "phone": "", "email": "lena@", "identifiers": "{}"},
    )
    assert response.status_code == 200 and "Enter a valid email address" in response.content.decode()
    response = client.post(
        url(Contact, "change", contact.pk),
        {"wa_id": "4915199999999", "name": "Lena Vogel", "phone": "", "email": "", "identifiers": "{}"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.wa_id) == ("Lena Vogel", "4915112345678")


def test_staff_without_the_supervise_permission_read_contacts_but_do_not_edit_them(client):
    from django.contrib.auth.models import Permission

    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__in=["view_contact", "change_contact"]))
    client.force_login(clerk)
    contact = ContactFactory(name="Lena")
    client.post(url(Contact, "change", contact.pk), {"name": "Changed", "identifiers": "{}"})
    contact.refresh_from_db()
    assert contact.name == "Lena"  # contact_update's rule: supervisors and the contact's agents


# --- what only the services write is never deleted here -------------------------------------


@pytest.fixture
def parked(db):
    agent = AgentProfileFactory().user
    interaction = InteractionFactory(state=Interaction.State.PARKED)
    workbin = Workbin.objects.create(name="My workbin", kind=Workbin.Kind.PERSONAL, owner=agent)
    WorkbinItem.objects.create(interaction=interaction, workbin=workbin, placed_by=agent)
    return interaction


def test_interactions_offers_and_workbin_items_cannot_be_deleted(client, supervisor, parked):
    offer = Offer.objects.create(
        interaction=InteractionFactory(state=Interaction.State.OFFERED),
        agent=AgentProfileFactory().user,
        due_at=timezone.now(),
    )
    item = parked.workbin_item
    for row in (parked, offer, item):
        assert client.get(url(type(row), "delete", row.pk)).status_code == 403
        assert not delete(client, row)
        assert "delete_selected" not in actions_of(client, type(row))
        assert delete_selected(client, row) == [row]


def test_what_whatsapp_sent_cannot_be_deleted(client, supervisor):
    message = MessageFactory()
    attachment = Attachment.objects.create(message=message, kind="image", media_id="m1")
    event = WebhookEvent.objects.create(received_at=timezone.now(), body="{}", state="processed")
    for row in (message, attachment, event):
        assert not delete(client, row)
        assert "delete_selected" not in actions_of(client, type(row))


def test_no_row_that_only_whatsapp_or_the_services_write_can_be_deleted(client, supervisor):
    from conversations.admin import ReadOnlyAdmin

    read_only = [m for m, a in admin.site._registry.items() if isinstance(a, ReadOnlyAdmin)]
    assert len(read_only) >= 9  # messages, attachments, reactions, statuses, revisions, events, offers…
    for model in [*read_only, Interaction, WorkbinItem]:
        request = client.get(url(model, "changelist")).wsgi_request
        assert not admin.site._registry[model].has_delete_permission(request), model
        assert "delete_selected" not in actions_of(client, model), model


def test_interactions_are_read_only_but_a_supervisor_may_close_them_through_done(client, supervisor, parked):
    page = client.get(url(Interaction, "change", parked.pk))
    assert page.status_code == 200 and 'name="case_data"' not in page.content.decode()
    client.post(url(Interaction, "change", parked.pk), {"disposition": "forged", "case_data": "{}"})
    assert Interaction.objects.get(pk=parked.pk).disposition == ""

    client.post(url(Interaction, "changelist"), {"action": "close", "_selected_action": [parked.pk]})
    parked.refresh_from_db()
    assert parked.state == Interaction.State.CLOSED
    assert not WorkbinItem.objects.filter(interaction=parked).exists()  # interaction_done took it out


# --- configuration in use stays, and says why ----------------------------------------------------


def test_a_queue_with_open_work_or_a_numbers_default_stays(client, supervisor):
    busy, default, spare = QueueFactory(name="Busy"), QueueFactory(name="Default"), QueueFactory(name="Spare")
    InteractionFactory(queue=busy, state=Interaction.State.QUEUED)
    ChannelFactory(name="Hotline", default_queue=default)
    page = client.get(url(Queue, "delete", busy.pk)).content.decode()
    assert "1 open interaction(s) are in this queue" in page
    assert not delete(client, busy)
    assert (
        "new conversations of Hotline go to this queue"
        in client.get(url(Queue, "delete", default.pk)).content.decode()
    )
    assert delete_selected(client, busy, default, spare) == [
        busy,
        default,
        spare,
    ]  # nothing of a refused batch
    assert delete(client, spare)


def test_a_skill_or_group_a_transfer_waits_for_stays(client, supervisor):
    skill, group = Skill.objects.create(name="French"), AgentGroup.objects.create(name="Escalations")
    InteractionFactory(target_skill=skill, target_group=group, state=Interaction.State.QUEUED)
    assert not delete(client, skill)
    assert not delete(client, group)
    required = Skill.objects.create(name="Billing")
    QueueFactory(name="Invoices").skills.add(required)
    assert "require it" in client.get(url(Skill, "delete", required.pk)).content.decode()
    assert not delete(client, required)
    assert delete(client, Skill.objects.create(name="Unused"))


def test_a_group_whose_workbin_holds_parked_work_stays(client, supervisor):
    group = AgentGroup.objects.create(name="Team")
    workbin = Workbin.objects.create(name="Team", kind=Workbin.Kind.GROUP, agent_group=group)
    WorkbinItem.objects.create(
        interaction=InteractionFactory(state=Interaction.State.PARKED), workbin=workbin
    )
    assert not delete(client, group)
    assert not delete(client, workbin)
    assert Workbin.objects.filter(pk=workbin.pk).exists()
    empty = Workbin.objects.create(name="Empty", kind=Workbin.Kind.GROUP, agent_group=group)
    assert delete(client, empty)


def test_an_agent_with_open_work_stays_until_it_is_handed_over(client, supervisor, parked):
    busy = AgentProfileFactory()
    InteractionFactory(owner=busy.user, state=Interaction.State.ACTIVE)
    idle = AgentProfileFactory()
    page = client.get(url(AgentProfile, "delete", busy.pk)).content.decode()
    assert "still has 1 open interaction(s)" in page
    assert not delete(client, busy)
    assert not delete(client, busy.user)
    owner_of_parked = parked.workbin_item.workbin.owner  # their personal workbin holds it
    assert not delete(client, owner_of_parked)
    assert delete(client, idle)
    assert delete(client, idle.user)


def test_an_agent_has_one_personal_workbin_and_a_full_one_keeps_its_owner(client, supervisor, parked):
    workbin = parked.workbin_item.workbin
    response = client.post(
        url(Workbin, "add"),
        {"name": "Second", "kind": "personal", "owner": workbin.owner_id, "agent_group": ""},
    )
    assert response.status_code == 200 and "already has a personal workbin" in response.content.decode()
    other = UserFactory()
    response = client.post(
        url(Workbin, "change", workbin.pk),
        {"name": "Renamed", "kind": "personal", "owner": other.pk, "agent_group": ""},
    )
    assert (
        response.status_code == 200 and "Interactions are parked in this workbin" in response.content.decode()
    )
    client.post(
        url(Workbin, "change", workbin.pk), {"name": "Renamed", "kind": "personal", "owner": workbin.owner_id}
    )
    workbin.refresh_from_db()
    assert (workbin.name, workbin.owner_id) == ("Renamed", parked.workbin_item.placed_by_id)


def test_a_number_with_history_stays_and_an_unused_one_goes_at_once_everywhere(client, supervisor):
    used = ChannelFactory()
    InteractionFactory(channel=used)
    assert not delete(client, used)
    unused = ChannelFactory(phone_number_id="555000111")
    assert directory.by_phone_number_id("555000111") is not None
    assert delete_selected(client, unused) == []
    assert directory.by_phone_number_id("555000111") is None  # the bulk delete refreshed the snapshot
    assert Channel.objects.filter(pk=used.pk).exists()


def test_deleting_option_values_in_bulk_takes_effect_at_once(client, supervisor):
    value = OptionValue.objects.create(key="whatsappsession.reply-timeout", value=60)
    options.invalidate()
    assert options.get_option("whatsappsession.reply-timeout") == 60
    assert delete_selected(client, value) == []
    assert options.get_option("whatsappsession.reply-timeout") != 60


def test_a_template_in_use_stays(client, supervisor):
    template = MessageTemplate.objects.create(name="order_update", body="Hi {{1}}", status="APPROVED")
    StandardResponse.objects.create(
        category=StandardResponseCategory.objects.create(name="Orders"),
        name="Order update",
        notification=template,
    )
    default = MessageTemplate.objects.create(name="fallback", body="{{1}}", is_default_notification=True)
    assert "Order update" in client.get(url(MessageTemplate, "delete", template.pk)).content.decode()
    assert not delete(client, template)
    assert not delete(client, default)
    assert delete(client, MessageTemplate.objects.create(name="unused", body="Hello"))
