"""Per-queue care of the customer around the agent (B2, B3) and the surveys sent.

A queue's ``QueueCare`` row holds what an administrator set: waiting notices (off by
default), the abandonment timeout, the satisfaction survey. A ``SurveyRequest`` is one
survey sent after Done: the interaction and agent it rates, the answer and the comment.
Its ``comment_due_at`` is the pending-comment timer (DESIGN invariant 4): while it runs, the
contact's next text (with no conversation open) is the comment.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys.choices import SCORE_MAX, choices_parse
from whatsapp.limits import BUTTONS_BODY_MAX, TEXT_BODY_MAX

#: The notice's placeholders: the customer's place in the queue and the expected wait.
NOTICE_DEFAULT = "Thank you for waiting. You are number {position} in the queue; expected wait: {wait}."
NOTICE_PLACEHOLDERS = ("{position}", "{wait}")


class QueueCare(models.Model):
    """What a queue tells its waiting customers, when it counts them as gone, and whether it
    asks for their satisfaction after Done."""

    queue = models.OneToOneField("conversations.Queue", on_delete=models.CASCADE, related_name="care")

    # B2 While waiting.
    waiting_notices = models.BooleanField(
        _("send waiting notices"),
        default=False,
        help_text=_(
            "Tell a waiting customer their position and the expected wait (inside the 24-hour window)"
        ),
    )
    waiting_interval_minutes = models.PositiveIntegerField(
        _("every (minutes)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("The first notice after this long in the queue, then again each time (1 to 240)"),
    )
    waiting_text = models.TextField(
        _("notice text"),
        default=NOTICE_DEFAULT,
        max_length=TEXT_BODY_MAX,
        help_text=_("{position}: the place in the queue; {wait}: the expected wait (e.g. 'about 4 minutes')"),
    )
    abandon_after_minutes = models.PositiveIntegerField(
        _("abandoned after (minutes of silence)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text=_(
            "A customer who has written nothing this long while still waiting (no agent accepted) "
            "has left: the interaction closes as abandoned. It also closes so when the 24-hour window "
            "closes. Empty: never closed automatically"
        ),
    )

    # B3 After Done.
    survey_enabled = models.BooleanField(_("send a satisfaction survey after Done"), default=False)
    survey_question = models.TextField(
        _("question"), default="How satisfied are you with our service?", max_length=BUTTONS_BODY_MAX
    )
    survey_choices = models.TextField(
        _("choices"),
        default="5 Very good\n4 Good\n3 OK\n2 Bad\n1 Very bad",
        help_text=_(
            "One per line: a score (1 to 10), a space, the title. Up to 3 go out as reply buttons "
            "(titles up to 20 characters), 4 to 10 as a list (titles up to 24)"
        ),
    )
    survey_satisfied_from = models.PositiveSmallIntegerField(
        _("satisfied from score"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(SCORE_MAX)],
        help_text=_("Answers with this score or more count as satisfied (CSAT %): 4 on a 1-5 scale"),
    )
    survey_comment_prompt = models.CharField(
        _("comment prompt"),
        max_length=1024,
        blank=True,
        help_text=_("Asked after the answer (e.g. 'Anything we could do better?'); empty: no comment"),
    )
    survey_comment_minutes = models.PositiveIntegerField(
        _("comment accepted for (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
    )
    survey_min_days = models.PositiveIntegerField(
        _("days between surveys to one contact"),
        default=30,
        validators=[MaxValueValidator(3650)],
        help_text=_("A contact surveyed less than this many days ago is not asked again (0: every time)"),
    )

    class Meta:
        verbose_name = _("queue's waiting notices and survey")
        verbose_name_plural = _("queues' waiting notices and surveys")

    def __str__(self) -> str:
        return f"Care of {self.queue}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.waiting_notices:
            missing = [p for p in NOTICE_PLACEHOLDERS if p not in (self.waiting_text or "")]
            if missing:
                errors["waiting_text"] = gettext("Use %(placeholders)s in the notice text.") % {
                    "placeholders": gettext(" and ").join(missing)
                }
            else:
                try:
                    self.waiting_text.format(position=1, wait="1 minute")
                except (KeyError, IndexError, ValueError):
                    errors["waiting_text"] = gettext(
                        "Only {position} and {wait} may stand in braces (write {{ and }} for a brace)."
                    )
        try:
            choices = choices_parse(self.survey_choices or "")
        except ValueError as exc:
            reason = str(exc)
            errors["survey_choices"] = reason[:1].upper() + reason[1:] + "."
        else:
            scores = [score for score, _title in choices]
            if self.survey_satisfied_from is not None and not (
                min(scores) < self.survey_satisfied_from <= max(scores)
            ):
                errors["survey_satisfied_from"] = gettext(
                    "Choose a score above %(low)d and at most %(high)d (the choices' scores)."
                ) % {"low": min(scores), "high": max(scores)}
        if self.survey_enabled and not (self.survey_question or "").strip():
            errors["survey_question"] = gettext("Write the question.")
        if errors:
            raise ValidationError(errors)


class SurveyRequest(models.Model):
    """A satisfaction survey sent after Done: what it rates (the interaction, its agent and
    queue), and the customer's answer and comment once they come."""

    interaction = models.OneToOneField(
        "conversations.Interaction", on_delete=models.CASCADE, related_name="survey"
    )
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    queue = models.ForeignKey(
        "conversations.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()
    #: The choices as sent (``[[score, title], …]``): a later edit of the queue's choices
    #: does not change what this customer was asked.
    choices = models.JSONField(default=list)
    satisfied_from = models.PositiveSmallIntegerField()
    comment_prompt = models.CharField(max_length=1024, blank=True)
    comment_minutes = models.PositiveIntegerField(default=30)

    score = models.PositiveSmallIntegerField(null=True, blank=True)
    answer_title = models.CharField(max_length=24, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_wamid = models.CharField(max_length=160, blank=True)
    #: The pending-comment timer: set when the answer came and a comment is asked for,
    #: cleared by the comment or by the sweep once past.
    comment_due_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    comment_at = models.DateTimeField(null=True, blank=True)
    comment_wamid = models.CharField(max_length=160, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-sent_at"], name="survey_contact_idx"),
            models.Index(
                fields=["comment_due_at"],
                condition=models.Q(comment_due_at__isnull=False),
                name="survey_comment_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey of interaction {self.interaction_id}"

    @property
    def satisfied(self) -> bool | None:
        return None if self.score is None else self.score >= self.satisfied_from
