"""factory_boy factories for the domain's rows.

Each is typed by its model (``DjangoModelFactory[Interaction]``): ``InteractionFactory.create()``
is an ``Interaction`` to the type checker; calling the factory creates the same row.
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from conversations.models import AgentProfile, Channel, Contact, Interaction, Message, Queue


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("pw-for-tests")


def grant(user, *codenames: str):
    """``user`` given these permissions (by codename), read again: Django caches a user's
    permissions on the instance."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


#: What the demo's "Agents" group may do beyond owning conversations (P6).
DIRECTORY = "browse_contact_directory"


class QueueFactory(factory.django.DjangoModelFactory[Queue]):
    class Meta:
        model = Queue
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"queue-{n}")


class AgentProfileFactory(factory.django.DjangoModelFactory[AgentProfile]):
    class Meta:
        model = AgentProfile

    user = factory.SubFactory(UserFactory)
    capacity = 3


class ChannelFactory(factory.django.DjangoModelFactory[Channel]):
    class Meta:
        model = Channel
        django_get_or_create = ("phone_number_id",)

    name = factory.Sequence(lambda n: f"Number {n}")
    phone_number_id = factory.Sequence(lambda n: f"9{n:014d}")
    display_phone_number = factory.Sequence(lambda n: f"1555{n:07d}")
    access_token = "test-access-token"
    app_secret = "test-app-secret"
    verify_token = "test-verify-token"


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    wa_id = factory.Sequence(lambda n: f"4915{n:08d}")
    profile_name = factory.Faker("name")


class InteractionFactory(factory.django.DjangoModelFactory[Interaction]):
    class Meta:
        model = Interaction

    contact = factory.SubFactory(ContactFactory)
    channel = factory.SubFactory(ChannelFactory)
    state = Interaction.State.ACTIVE
    queued_at = factory.LazyFunction(timezone.now)
    # The number the customer writes from: the contact's, as the first message sets it.
    customer_wa_id = factory.LazyAttribute(lambda o: o.contact.wa_id or "")
    customer_user_id = factory.LazyAttribute(lambda o: o.contact.user_id or "")


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    class Meta:
        model = Message

    interaction = factory.SubFactory(InteractionFactory)
    channel = factory.SelfAttribute("interaction.channel")
    contact = factory.SelfAttribute("interaction.contact")
    direction = Message.Direction.INBOUND
    type = Message.Type.TEXT
    wamid = factory.Sequence(lambda n: f"wamid.test{n}")
    body = factory.Faker("sentence")
    origination_at = factory.LazyFunction(timezone.now)
    arrived_at = factory.LazyFunction(timezone.now)
