"""Seed a demo: a channel, agents and a supervisor, queues, contacts with history,
standard responses and templates. Idempotent: running it again changes nothing that
exists and prints the same credentials."""

from __future__ import annotations

import os
import random
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from conversations.models import (
    AgentGroup,
    AgentProfile,
    BusinessAttribute,
    BusinessAttributeValue,
    Channel,
    Contact,
    Interaction,
    Message,
    OptionValue,
    Queue,
    Skill,
)
from flows.models import Flow, FlowChoice, FlowStep
from reports.models import Tally
from reports.services import Fact, Kind, Where, facts_record
from templates_app.models import MessageTemplate, StandardResponse, StandardResponseCategory

CREDENTIALS_FILE = "demo-credentials.txt"
DEMO_USERS = [
    # username, first name, role
    ("supervisor", "Sam", "supervisor"),
    ("alice", "Alice", "agent"),
    ("bob", "Bob", "agent"),
    ("content", "Cleo", "content manager"),
]
DEMO_QUEUES = [
    # name, description, agents serving it; the first is the channel's default queue
    ("General", "Every inbound chat", ("alice", "bob")),
    ("Billing", "Invoices, refunds and payments (transfer here)", ("alice",)),
]
DEMO_SKILLS = [
    # name, agents who have it: a transfer "to a skill" reaches only them
    ("Refunds", ("alice", "bob")),
    ("Spanish", ("bob",)),
]
#: What the "Content managers" group may do: standard responses and templates only.
CONTENT_MODELS = (
    "standardresponsecategory",
    "standardresponse",
    "standardresponseattachment",
    "messagetemplate",
)
DISPOSITIONS = [
    ("resolved", "Resolved"),
    ("follow_up", "Needs follow-up"),
    ("no_answer", "Customer stopped answering"),
    ("spam", "Spam"),
]
EMOJIS = ["👍", "🙏", "😊", "🎉", "✅", "📦", "⏰", "❤️"]


class Command(BaseCommand):
    help = "Create the demo data (idempotent) and print the demo users' passwords."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            passwords = self._users()
            queue = self._queues()
            channel = self._channel(queue)
            self._attributes()
            self._content()
            self._entry_flow(channel)
            self._history(channel)
            self._report_history(channel)
        self._print(passwords, channel)

    def _queues(self) -> Queue:
        """Every agent serves "General" (the channel's default); only alice serves "Billing",
        so transfers to a queue and per-queue routing can be tried out. Returns General."""
        for name, description, usernames in DEMO_QUEUES:
            queue = Queue.objects.get_or_create(name=name, defaults={"description": description})[0]
            for username in usernames:
                AgentProfile.objects.get(user__username=username).queues.add(queue)
        for name, usernames in DEMO_SKILLS:
            skill = Skill.objects.get_or_create(name=name)[0]
            for username in usernames:
                AgentProfile.objects.get(user__username=username).skills.add(skill)
        # Transfers to an agent group, a skill or a queue route through this queue (R4).
        OptionValue.objects.get_or_create(
            key="intercommunication.whatsappsession.queue",
            agent_group=None,
            agent=None,
            defaults={"value": DEMO_QUEUES[0][0]},
        )
        return Queue.objects.get(name=DEMO_QUEUES[0][0])

    def _users(self) -> dict[str, str]:
        path = Path(settings.VAR_DIR) / CREDENTIALS_FILE
        known = {}
        if path.exists():
            known = dict(line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)
        User = get_user_model()
        group = AgentGroup.objects.get_or_create(name="Support team")[0]
        passwords = {}
        content_managers = self._content_managers_group()
        agents = Group.objects.get_or_create(name="Agents")[0]
        agents.permissions.add(
            Permission.objects.get(codename="start_outbound_session"),
            Permission.objects.get(codename="browse_contact_directory"),  # O3, R8 (P6)
        )
        for username, first_name, role in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                # DEMO_PASSWORD gives every demo user the same password (tests, CI demos).
                password = os.environ.get("DEMO_PASSWORD") or known.get(username) or secrets.token_urlsafe(9)
                user = User.objects.create_user(
                    username=username,
                    password=password,
                    first_name=first_name,
                    is_staff=role in ("supervisor", "content manager"),
                    is_superuser=role == "supervisor",
                )
            else:
                password = known.get(username, "(unchanged; set before this seed)")
            passwords[username] = password
            if role == "agent":
                AgentProfile.objects.get_or_create(user=user, defaults={"group": group, "capacity": 3})
                user.groups.add(agents)
            if role == "content manager":
                user.groups.add(content_managers)
                # Not an agent (P6). Earlier versions made anyone who called the agent API
                # one: such an idle profile is removed.
                AgentProfile.objects.filter(user=user, load=0).delete()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{u}:{p}\n" for u, p in passwords.items()))
        path.chmod(0o600)
        return passwords

    def _content_managers_group(self) -> Group:
        group, _ = Group.objects.get_or_create(name="Content managers")
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="templates_app", content_type__model__in=CONTENT_MODELS
            )
        )
        return group

    def _channel(self, queue: Queue) -> Channel:
        return Channel.objects.get_or_create(
            phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
            defaults={
                "name": "Demo support line",
                "display_phone_number": settings.WHATSAPP_DISPLAY_PHONE_NUMBER,
                "waba_id": settings.WHATSAPP_WABA_ID,
                "access_token": settings.WHATSAPP_ACCESS_TOKEN,
                "app_secret": settings.WHATSAPP_APP_SECRET,
                "verify_token": settings.WHATSAPP_VERIFY_TOKEN,
                "default_queue": queue,
            },
        )[0]

    def _entry_flow(self, channel: Channel) -> None:
        """B1: a triage flow to try out, saved inactive (new conversations of the demo go
        straight to the queue until someone ticks "active" in the admin)."""
        if Flow.objects.filter(channel=channel, name="Demo triage").exists():
            return
        flow = Flow.objects.create(
            name="Demo triage",
            channel=channel,
            is_active=False,
            time_zone="Europe/Berlin",
            greeting="Welcome to the demo shop!",
            out_of_hours_message="We are closed right now; an agent will answer when we open.",
            timeout_message="No answer? An agent will take over.",
            handoff_message="Thank you! An agent will be with you shortly.",
        )
        menu = FlowStep.objects.create(
            flow=flow, name="Triage", kind=FlowStep.Kind.MENU, text="How can we help you today?"
        )
        order = FlowStep.objects.create(
            flow=flow,
            name="Order number",
            kind=FlowStep.Kind.QUESTION,
            text="What is your order number? (7 digits)",
            case_field="order_number",
            validation=FlowStep.Validation.PATTERN,
            pattern=r"\d{7}",
            invalid_message="That does not look like an order number: 7 digits, like 1234567.",
        )
        FlowChoice.objects.create(
            step=menu, title="My order", next_step=order, case_field="topic", case_value="order", position=1
        )
        FlowChoice.objects.create(
            step=menu,
            title="Billing",
            queue=Queue.objects.get(name=DEMO_QUEUES[1][0]),
            case_field="topic",
            case_value="billing",
            position=2,
        )
        flow.first_step = menu
        flow.save(update_fields=["first_step"])

    def _attributes(self) -> None:
        dispositions = BusinessAttribute.objects.get_or_create(
            name="DispositionCode", defaults={"description": "Why an interaction ended"}
        )[0]
        for order, (code, label) in enumerate(DISPOSITIONS):
            BusinessAttributeValue.objects.get_or_create(
                attribute=dispositions, name=code, defaults={"display_name": label, "sort_order": order}
            )
        emojis = BusinessAttribute.objects.get_or_create(
            name="Emojis", defaults={"description": "The console's emoji picker"}
        )[0]
        for order, emoji in enumerate(EMOJIS):
            BusinessAttributeValue.objects.get_or_create(
                attribute=emojis, name=emoji, defaults={"sort_order": order}
            )
        BusinessAttribute.objects.get_or_create(
            name="InternalConferenceInvite",
            defaults={"description": "Interaction subtype: conference invitation"},
        )

    def _content(self) -> None:
        greetings = StandardResponseCategory.objects.get_or_create(name="Greetings", parent=None)[0]
        orders = StandardResponseCategory.objects.get_or_create(name="Orders", parent=None)[0]
        StandardResponse.objects.get_or_create(
            shortcut="hello",
            defaults={
                "category": greetings,
                "name": "Hello",
                "text": "Hello! Thanks for writing to us. How can I help?",
            },
        )
        StandardResponse.objects.get_or_create(
            shortcut="bye",
            defaults={
                "category": greetings,
                "name": "Goodbye",
                "text": "Glad I could help. Have a great day!",
            },
        )
        StandardResponse.objects.get_or_create(
            shortcut="tracking",
            defaults={
                "category": orders,
                "name": "Tracking link",
                "text": "You can follow your parcel here: https://example.com/track",
            },
        )
        MessageTemplate.objects.get_or_create(
            name="thanks_for_patience",
            language="en_US",
            channel=None,
            defaults={
                "kind": MessageTemplate.Kind.NOTIFICATION,
                "category": MessageTemplate.Category.UTILITY,
                "status": MessageTemplate.Status.APPROVED,
                "body": "Thank you for your patience! {{1}}",
                "is_default_notification": True,
            },
        )
        MessageTemplate.objects.get_or_create(
            name="order_update",
            language="en_US",
            channel=None,
            defaults={
                "kind": MessageTemplate.Kind.RICH_MEDIA,
                "category": MessageTemplate.Category.UTILITY,
                "status": MessageTemplate.Status.APPROVED,
                "header_type": MessageTemplate.HeaderType.TEXT,
                "header_text": "Order {{1}}",
                "body": "Hi {{1}}, your order {{2}} is on its way and arrives {{3}}.",
                # U3: what each parameter is, as the agent's fields are labelled
                "parameter_labels": {
                    "header.1": "Order number",
                    "body.1": "Customer's first name",
                    "body.2": "Order number",
                    "body.3": "Delivery day",
                },
                "footer": "Reply STOP to opt out",
                "buttons": [
                    {"type": "quick_reply", "text": "Thanks!"},
                    {"type": "quick_reply", "text": "Change delivery"},
                ],
            },
        )
        MessageTemplate.objects.get_or_create(
            name="satisfaction",
            language="en_US",
            channel=None,
            defaults={
                "kind": MessageTemplate.Kind.REPLY_BUTTONS,
                "category": MessageTemplate.Category.UTILITY,
                "status": MessageTemplate.Status.APPROVED,
                "body": "Did we solve your problem today?",
                "buttons": [
                    {"type": "reply", "id": "yes", "text": "Yes 👍"},
                    {"type": "reply", "id": "no", "text": "Not yet"},
                ],
            },
        )

    def _history(self, channel: Channel) -> None:
        """Two past customers, each with a closed interaction, so history shows at once."""
        now = timezone.now()
        people = [
            (
                "4915112345678",
                "Lena Vogel",
                "Lena Vogel (CRM)",
                ["Hi, my parcel hasn't arrived", "Thanks, it's here!"],
            ),
            ("34611223344", "Jorge", "", ["Can I change my delivery address?"]),
        ]
        for n, (wa_id, profile_name, name, texts) in enumerate(people):
            contact, created = Contact.objects.get_or_create(
                wa_id=wa_id, defaults={"profile_name": profile_name, "name": name, "phone": f"+{wa_id}"}
            )
            if not created:
                continue
            started = now - timedelta(days=3 + n, hours=2)
            interaction = Interaction.objects.create(
                contact=contact,
                channel=channel,
                state=Interaction.State.CLOSED,
                queued_at=started,
                accepted_at=started + timedelta(minutes=1),
                closed_at=started + timedelta(minutes=20),
                disposition="resolved",
                last_inbound_at=started,
                customer_wa_id=wa_id,
            )
            Interaction.objects.filter(pk=interaction.pk).update(created_at=started)  # not auto_now_add
            for m, text in enumerate(texts):
                at = started + timedelta(minutes=10 * m)
                Message.objects.create(
                    channel=channel,
                    interaction=interaction,
                    contact=contact,
                    direction=Message.Direction.INBOUND,
                    wamid=f"wamid.demo-{wa_id}-{m}",
                    body=text,
                    origination_at=at,
                    arrived_at=at,
                )
                Message.objects.create(
                    channel=channel,
                    interaction=interaction,
                    contact=contact,
                    direction=Message.Direction.OUTBOUND,
                    wamid=f"wamid.demo-{wa_id}-{m}-reply",
                    body="Let me check that for you." if m == 0 else "You're welcome!",
                    status=Message.Status.READ,
                    origination_at=at + timedelta(minutes=1),
                    arrived_at=at + timedelta(minutes=1),
                )

    def _report_history(self, channel: Channel) -> None:
        """Three weeks of closed conversations, with the facts the services would have
        recorded for them, so the supervisor's reports (S3) and the search (O6) show
        something on the first run. Once: not when any tally exists."""
        if Tally.objects.exists():
            return
        rng = random.Random(2026)
        now = timezone.now()
        queues = list(Queue.objects.order_by("pk"))
        agents = list(get_user_model().objects.filter(username__in=("alice", "bob")).order_by("username"))
        questions = [
            "Where is my order?",
            "I need a refund for my last invoice",
            "Can I change my delivery address?",
            "The parcel arrived damaged",
            "Do you ship to Spain?",
            "How do I reset my password?",
        ]
        answers = [
            "Let me check that for you.",
            "Done, anything else?",
            "Sorry about that, sending a new one.",
        ]
        codes = [code for code, _ in DISPOSITIONS]
        names = ["Ana Ruiz", "Ben Okafor", "Chloé Martin", "Dev Patel", "Eva Novak", "Finn Berg", "Gia Rossi"]
        facts: list[Fact] = []
        for day in range(21, 0, -1):
            for n in range(rng.randint(3, 8)):
                started = (now - timedelta(days=day)).replace(
                    hour=rng.randint(8, 19), minute=rng.randint(0, 59)
                )
                index = day * 10 + n
                wa_id = f"4917000{index:05d}"
                contact = Contact.objects.get_or_create(
                    wa_id=wa_id, defaults={"profile_name": rng.choice(names), "phone": f"+{wa_id}"}
                )[0]
                agent, queue = rng.choice(agents), rng.choice(queues)
                first_response = rng.randint(15, 400)
                handle = first_response + rng.randint(120, 1800)
                code = rng.choice([*codes, codes[0], codes[0]])
                interaction = Interaction.objects.create(
                    contact=contact,
                    channel=channel,
                    queue=queue,
                    owner=agent,
                    state=Interaction.State.CLOSED,
                    queued_at=started,
                    accepted_at=started + timedelta(seconds=10),
                    closed_at=started + timedelta(seconds=handle),
                    disposition=code,
                    last_inbound_at=started,
                    customer_wa_id=wa_id,
                )
                Interaction.objects.filter(pk=interaction.pk).update(created_at=started)
                where: Where = {"queue_id": queue.pk, "agent_id": agent.pk, "channel_id": channel.pk}
                texts = [rng.choice(questions), rng.choice(answers), "Thanks!", "You're welcome!"]
                rows = []
                for m, text in enumerate(texts):
                    at = started + timedelta(seconds=first_response * m)
                    inbound = m % 2 == 0
                    rows.append(
                        Message(
                            channel=channel,
                            interaction=interaction,
                            contact=contact,
                            direction=Message.Direction.INBOUND if inbound else Message.Direction.OUTBOUND,
                            wamid=f"wamid.demo-history-{index}-{m}",
                            body=text,
                            author=None if inbound else agent,
                            tallied=True,  # counted below, with the rest of its facts
                            status=Message.Status.RECEIVED if inbound else Message.Status.READ,
                            origination_at=at,
                            arrived_at=at,
                        )
                    )
                    kind = Kind.MESSAGE_IN if inbound else Kind.MESSAGE_OUT
                    facts.append(Fact(kind, at, detail="text", **where))
                Message.objects.bulk_create(rows)
                facts.append(
                    Fact(
                        Kind.FIRST_RESPONSE,
                        started + timedelta(seconds=first_response),
                        seconds=first_response,
                        **where,
                    )
                )
                done_at = started + timedelta(seconds=handle)
                facts.append(Fact(Kind.HANDLE_TIME, done_at, seconds=handle - 10, **where))
                facts.append(Fact(Kind.DISPOSITION, done_at, detail=code, **where))
                if rng.random() < 0.15:
                    facts.append(Fact(Kind.OFFER_REJECTED, started, **where))
                if rng.random() < 0.05:
                    facts.append(Fact(Kind.OFFER_EXPIRED, started, **where))
                if first_response > 300:
                    facts.append(Fact(Kind.REPLY_BREACH, started + timedelta(seconds=300), **where))
        facts_record(facts)

    def _print(self, passwords: dict[str, str], channel: Channel) -> None:
        self.stdout.write(self.style.SUCCESS("Demo ready."))
        self.stdout.write(
            f"  WhatsApp number: +{channel.display_phone_number} (phone_number_id {channel.phone_number_id})"
        )
        roles = {username: role for username, _, role in DEMO_USERS}
        for username, password in passwords.items():
            self.stdout.write(f"  {roles[username]:16} {username:11} password: {password}")
        base = settings.PUBLIC_BASE_URL.rstrip("/")
        self.stdout.write(f"  Console: {base}/console/   Admin: {base}/admin/")
        if settings.WHATSAPP_SANDBOX_ENABLED:
            self.stdout.write(f"  Customer phone simulator: {base}/sandbox/phone/")
