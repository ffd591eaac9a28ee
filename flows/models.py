"""Entry flows (B1): what a number says and asks before an agent, and each run of it.

A flow belongs to one number (one active flow per number). Its steps form a graph without
cycles (refused in the admin): a message goes on to its next step, a menu to the step or
queue of the choice taken, a question stores a validated answer in the case data and goes
on, a route step hands the interaction to a queue or skill. A run (``FlowSession``) is the
flow's state on one interaction: the step waiting for an answer, its timer (``due_at``,
swept by the beat: DESIGN invariant 4) and the last customer message it consumed (so a
redelivered webhook never advances it twice).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from flows import rules
from whatsapp.limits import BUTTONS_MAX, ROWS_MAX

DEFAULT_HANDOFF_KEYWORDS = "agent, human, person"


class Flow(models.Model):
    """A number's entry flow, edited in the admin by people who do not write code."""

    class OutOfHours(models.TextChoices):
        QUEUE = "queue", _("Wait in a queue")
        WORKBIN = "workbin", _("Park in a workbin")

    name = models.CharField(max_length=100)
    channel = models.ForeignKey(
        "conversations.Channel",
        on_delete=models.CASCADE,
        related_name="flows",
        help_text=_("The number whose new conversations run this flow"),
    )
    is_active = models.BooleanField(default=True, help_text=_("One active flow per number"))
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        help_text=_("Business hours and holidays are read in it (e.g. Europe/Berlin)"),
    )
    greeting = models.TextField(
        blank=True, help_text=_("Sent first, to every new conversation (empty: none)")
    )
    first_step = models.ForeignKey(
        "flows.FlowStep",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Where the flow starts after the greeting (empty: straight to the queue)"),
    )
    default_queue = models.ForeignKey(
        "conversations.Queue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Where the flow ends when a step names no queue, and on any error "
            "(empty: the number's default queue)"
        ),
    )
    out_of_hours_message = models.TextField(
        blank=True, help_text=_("Sent outside business hours and on holidays (empty: none)")
    )
    out_of_hours_action = models.CharField(max_length=10, choices=OutOfHours, default=OutOfHours.QUEUE)
    out_of_hours_queue = models.ForeignKey(
        "conversations.Queue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Out of hours: the queue (empty: the flow's default queue)"),
    )
    out_of_hours_workbin = models.ForeignKey(
        "workbins.Workbin",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Out of hours: the workbin, when the action is to park"),
    )
    step_timeout_seconds = models.PositiveIntegerField(
        default=600, help_text=_("A step unanswered this long ends the flow (to the timeout queue)")
    )
    timeout_message = models.TextField(blank=True, help_text=_("Sent when a step times out (empty: none)"))
    timeout_queue = models.ForeignKey(
        "conversations.Queue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("After a timeout (empty: the flow's default queue)"),
    )
    handoff_keywords = models.CharField(
        max_length=200,
        default=DEFAULT_HANDOFF_KEYWORDS,
        blank=True,
        help_text=_("Words (comma-separated) that take the customer to a person at any step"),
    )
    handoff_button = models.CharField(
        max_length=20,
        default="Talk to a person",
        blank=True,
        help_text=_("Added to every menu (a reply button or a list row; empty: none)"),
    )
    handoff_message = models.TextField(blank=True, help_text=_("Sent when the flow hands over to a queue"))
    closed_window_template = models.ForeignKey(
        "templates_app.MessageTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Outside the 24-hour window only templates may be sent: this one replaces the flow's "
            "texts there (empty: the flow sends nothing there)"
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel"],
                condition=models.Q(is_active=True),
                name="one_active_flow_per_channel",
                violation_error_message=_("this number already has an active flow: deactivate it first"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not rules.time_zone_valid(self.time_zone):
            errors["time_zone"] = gettext(
                "%(value)s is not a time zone (e.g. Europe/Berlin, America/Sao_Paulo)"
            ) % {"value": repr(self.time_zone)}
        if self.out_of_hours_action == self.OutOfHours.WORKBIN and self.out_of_hours_workbin_id is None:
            errors["out_of_hours_workbin"] = gettext(
                "choose the workbin that out-of-hours conversations go to"
            )
        if self.first_step is not None and self.pk and self.first_step.flow_id != self.pk:
            errors["first_step"] = gettext("the first step must be one of this flow's steps")
        if self.step_timeout_seconds < 10:
            errors["step_timeout_seconds"] = gettext("at least 10 seconds")
        if self.pk and self.handoff_button:
            problem = self._menus_without_room()
            if problem:
                errors["handoff_button"] = problem
        if errors:
            raise ValidationError(errors)

    def _menus_without_room(self) -> str:
        """A menu that has no room left for the "talk to a person" button or row."""
        most = {FlowStep.MenuStyle.BUTTONS: BUTTONS_MAX, FlowStep.MenuStyle.LIST: ROWS_MAX}
        for step in FlowStep.objects.filter(flow_id=self.pk, kind=FlowStep.Kind.MENU).annotate(
            n=models.Count("choices")
        ):
            if step.n + 1 > most[FlowStep.MenuStyle(step.menu_style)]:
                return gettext(
                    "the menu %(name)s has %(count)d choices: with this button it would show more "
                    "than WhatsApp allows; remove a choice or leave this empty"
                ) % {"name": repr(step.name), "count": step.n}
        return ""

    def handoff_words(self) -> set[str]:
        return {w.strip().casefold() for w in self.handoff_keywords.split(",") if w.strip()}


class FlowStep(models.Model):
    """One step: a message, a menu, a question or a route to a queue."""

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message (then the next step)")
        MENU = "menu", _("Menu (reply buttons or a list)")
        QUESTION = "question", _("Question (a validated answer into the case data)")
        ROUTE = "route", _("Route to a queue or skill")

    class MenuStyle(models.TextChoices):
        BUTTONS = "buttons", _("Reply buttons (up to 3)")
        LIST = "list", _("List (up to 10 rows)")

    class Validation(models.TextChoices):
        ANY = "any", _("Any text")
        PATTERN = "pattern", _("Matches a pattern (regular expression)")
        LENGTH = "length", _("Length between the minimum and the maximum")
        CHOICE = "choice", _("One of the allowed answers")

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=60, help_text=_("For the admin (e.g. 'Triage', 'Order number')"))
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.MESSAGE)
    text = models.TextField(blank=True, help_text=_("What the customer reads (a menu's or question's text)"))
    next_step = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "After a message or a valid answer (empty: the route of this step, else the default queue)"
        ),
    )
    # A menu
    menu_style = models.CharField(max_length=10, choices=MenuStyle, default=MenuStyle.BUTTONS)
    list_button = models.CharField(
        max_length=20, default="Choose", help_text=_("The button that opens a list")
    )
    # A question
    case_field = models.CharField(
        max_length=60,
        blank=True,
        help_text=_("The case data field the answer is stored in (e.g. order_number)"),
    )
    validation = models.CharField(max_length=10, choices=Validation, default=Validation.ANY)
    pattern = models.CharField(
        max_length=rules.PATTERN_MAX,
        blank=True,
        help_text=format_lazy(
            _("A regular expression the whole answer must match (at most {max} characters)"),
            max=rules.PATTERN_MAX,
        ),
    )
    min_length = models.PositiveIntegerField(default=0)
    max_length = models.PositiveIntegerField(default=200)
    allowed_answers = models.CharField(
        max_length=500, blank=True, help_text=_("For 'one of the allowed answers': comma-separated")
    )
    invalid_message = models.CharField(
        max_length=500,
        blank=True,
        default="Sorry, I did not understand that.",
        help_text=_("Sent before the step is asked again"),
    )
    max_attempts = models.PositiveIntegerField(
        default=3, help_text=_("Invalid answers before the flow gives up and hands over to the default queue")
    )
    # A route
    queue = models.ForeignKey(
        "conversations.Queue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A route step: the queue"),
    )
    skill = models.ForeignKey(
        "conversations.Skill", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: A route step that named a queue whose queue was deleted since (an error, not a silent default).
    routes_to_queue = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["flow", "id"]

    def __str__(self) -> str:
        return f"{self.flow}: {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        # A deleted queue is nulled by an UPDATE (no save): the flag remembers it was named.
        self.routes_to_queue = self.queue_id is not None
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind in (self.Kind.MENU, self.Kind.QUESTION, self.Kind.MESSAGE) and not self.text.strip():
            errors["text"] = gettext("write what the customer reads")
        if self.kind == self.Kind.QUESTION:
            if not self.case_field.strip():
                errors["case_field"] = gettext("name the case data field the answer goes to")
            if self.validation == self.Validation.PATTERN:
                problem = rules.pattern_problem(self.pattern)
                if problem:
                    errors["pattern"] = problem
            if self.validation == self.Validation.LENGTH and self.min_length > self.max_length:
                errors["max_length"] = gettext("the maximum is below the minimum")
            if self.validation == self.Validation.CHOICE and not rules.split_answers(self.allowed_answers):
                errors["allowed_answers"] = gettext("list the allowed answers, separated by commas")
        if self.kind == self.Kind.ROUTE and self.queue_id is None and self.skill_id is None:
            errors["queue"] = gettext("a route step names a queue or a skill")
        if self.next_step_id is not None and self.next_step_id == self.pk:
            errors["next_step"] = gettext("a step cannot lead to itself: the flow would loop")
        if self.next_step is not None and self.next_step.flow_id != self.flow_id:
            errors["next_step"] = gettext("the next step must be one of this flow's steps")
        if self.max_attempts < 1:
            errors["max_attempts"] = gettext("at least 1")
        if errors:
            raise ValidationError(errors)


class FlowChoice(models.Model):
    """A menu's choice: where it leads (a step, else a queue or skill) and the case data it sets."""

    step = models.ForeignKey(FlowStep, on_delete=models.CASCADE, related_name="choices")
    title = models.CharField(max_length=24, help_text=_("Reply buttons: 20 characters; list rows: 24"))
    description = models.CharField(max_length=72, blank=True, help_text=_("A list row's second line"))
    next_step = models.ForeignKey(
        FlowStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queue = models.ForeignKey(
        "conversations.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    skill = models.ForeignKey(
        "conversations.Skill", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case_field = models.CharField(
        max_length=60, blank=True, help_text=_("Case data set by this choice (field)")
    )
    case_value = models.CharField(max_length=200, blank=True, help_text=_("… and its value"))
    position = models.PositiveIntegerField(default=0)
    #: The choice named a queue (its deletion since is an error, never a silent default).
    routes_to_queue = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["step", "position", "id"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        self.routes_to_queue = self.queue_id is not None  # see FlowStep.save
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        if self.next_step_id is None and self.queue_id is None and self.skill_id is None:
            raise ValidationError(gettext("a choice leads to a next step, a queue or a skill"))
        if self.case_field and not self.case_value:
            raise ValidationError({"case_value": gettext("give the value the choice sets")})


class BusinessHours(models.Model):
    """One opening range on a weekday, in the flow's time zone (several per day allowed)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="hours")
    weekday = models.IntegerField(choices=Weekday)
    opens = models.TimeField()
    closes = models.TimeField(help_text=_("After opens (a range ends the same day)"))

    class Meta:
        ordering = ["flow", "weekday", "opens"]
        verbose_name_plural = _("business hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None and self.opens >= self.closes:
            raise ValidationError({"closes": gettext("closes must be after opens")})


class Holiday(models.Model):
    """A closed day (the out-of-hours answer all day, in the flow's time zone)."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["flow", "date"]
        constraints = [models.UniqueConstraint(fields=["flow", "date"], name="one_holiday_per_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class FlowSession(models.Model):
    """The flow's run on one interaction: its state, its timer and how it ended."""

    class Outcome(models.TextChoices):
        ROUTED = "routed", _("Routed by a choice or a route step")
        HANDOFF = "handoff", _("The customer asked for a person")
        TIMED_OUT = "timed_out", _("A step timed out")
        OUT_OF_HOURS = "out_of_hours", _("Out of hours")
        GAVE_UP = "gave_up", _("Too many invalid answers")
        ERROR = "error", _("An error in the flow (to the default queue)")
        CLOSED = "closed", _("Closed while in the flow")

    interaction = models.ForeignKey(
        "conversations.Interaction", on_delete=models.CASCADE, related_name="flow_sessions"
    )
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="sessions")
    step = models.ForeignKey(FlowStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField()
    #: The step's timer: the sweep ends the flow when it is due.
    due_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    answers = models.JSONField(default=dict, blank=True)
    #: The newest customer message the flow consumed: an older or equal id is a redelivery.
    last_message_id = models.BigIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_flow_session",
            )
        ]
        indexes = [
            # B1: the supervisors' board reads today's broken runs.
            models.Index(
                fields=["ended_at"],
                condition=models.Q(outcome="error"),
                name="flow_session_error_idx",
            ),
            models.Index(
                fields=["due_at"],
                condition=models.Q(due_at__isnull=False, ended_at__isnull=True),
                name="flow_session_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flow} on {self.interaction_id}"
