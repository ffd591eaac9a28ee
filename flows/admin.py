"""The admin of entry flows (B1): a flow with its steps, hours and holidays; a step with
its menu's choices. What WhatsApp or the engine cannot run is refused here with the
reason: a loop between steps, a menu with more choices than WhatsApp shows, titles too
long, a pattern that does not compile or could run away, overlapping business hours."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from flows import rules
from flows.models import BusinessHours, Flow, FlowChoice, FlowSession, FlowStep, Holiday
from whatsapp.limits import BUTTON_TITLE_MAX, BUTTONS_MAX, ROW_TITLE_MAX, ROWS_MAX


def _live_forms(formset: forms.BaseInlineFormSet) -> Iterable[forms.ModelForm]:
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or not form.cleaned_data:
            continue
        if form.cleaned_data.get("DELETE"):
            continue
        yield form


def _edges_of_flow(flow_id: int | None) -> dict[int, set[int]]:
    """The saved step graph of a flow: step → the steps its next step and choices lead to."""
    edges: dict[int, set[int]] = {}
    if flow_id is None:
        return edges
    for pk, nxt in FlowStep.objects.filter(flow_id=flow_id).values_list("pk", "next_step_id"):
        edges.setdefault(pk, set())
        if nxt is not None:
            edges[pk].add(nxt)
    for step_id, nxt in FlowChoice.objects.filter(step__flow_id=flow_id, next_step__isnull=False).values_list(
        "step_id", "next_step_id"
    ):
        edges.setdefault(step_id, set()).add(nxt)
    return edges


def _loop_message(loop: list[int]) -> str:
    names = dict(FlowStep.objects.filter(pk__in=loop).values_list("pk", "name"))
    path = " → ".join(names.get(pk, gettext("step %(id)s") % {"id": pk}) for pk in loop)
    return gettext("the flow would loop: %(path)s") % {"path": path}


class BusinessHoursFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        ranges = [
            (f.cleaned_data["weekday"], f.cleaned_data["opens"], f.cleaned_data["closes"])
            for f in _live_forms(self)
            if f.cleaned_data.get("opens") is not None and f.cleaned_data.get("closes") is not None
        ]
        overlap = rules.hours_overlap(ranges)
        if overlap:
            weekday, o1, c1, o2, c2 = overlap
            raise ValidationError(
                gettext("%(weekday)s: %(first)s and %(second)s overlap")
                % {
                    "weekday": BusinessHours.Weekday(weekday).label,
                    "first": f"{o1:%H:%M}-{c1:%H:%M}",
                    "second": f"{o2:%H:%M}-{c2:%H:%M}",
                }
            )


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    formset = BusinessHoursFormSet
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class StepsFormSet(forms.BaseInlineFormSet):
    """The flow's steps as edited here, with the saved choices: no cycle."""

    def clean(self) -> None:
        super().clean()
        edges = _edges_of_flow(self.instance.pk)
        for form in self.forms:
            step_id = form.instance.pk
            if step_id is None or not hasattr(form, "cleaned_data"):
                continue
            if form.cleaned_data.get("DELETE"):
                edges.pop(step_id, None)
                continue
            saved_next = FlowStep.objects.filter(pk=step_id).values_list("next_step_id", flat=True).first()
            targets = edges.setdefault(step_id, set())
            if saved_next is not None:
                targets.discard(saved_next)
            new_next = form.cleaned_data.get("next_step")
            if new_next is not None:
                targets.add(new_next.pk)
        loop = rules.find_loop(edges)
        if loop:
            raise ValidationError(_loop_message(loop))


class StepInline(admin.TabularInline):
    model = FlowStep
    formset = StepsFormSet
    fk_name = "flow"
    extra = 0
    fields = ("name", "kind", "text", "next_step", "queue", "skill", "edit_link")
    readonly_fields = ("edit_link",)
    show_change_link = True

    @admin.display(description=_("Choices, validation"))
    def edit_link(self, obj: FlowStep) -> str:
        return (
            gettext("open the step to edit its choices and validation") if obj.pk else gettext("save first")
        )


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    list_display = ("name", "channel", "is_active", "time_zone", "first_step", "default_queue")
    list_filter = ("is_active", "channel")
    inlines = [StepInline, BusinessHoursInline, HolidayInline]
    fieldsets = (
        (None, {"fields": ("name", "channel", "is_active", "greeting", "first_step", "default_queue")}),
        (
            _("Business hours"),
            {
                "fields": (
                    "time_zone",
                    "out_of_hours_message",
                    "out_of_hours_action",
                    "out_of_hours_queue",
                    "out_of_hours_workbin",
                )
            },
        ),
        (
            _("Timeouts and talking to a person"),
            {
                "fields": (
                    "step_timeout_seconds",
                    "timeout_message",
                    "timeout_queue",
                    "handoff_keywords",
                    "handoff_button",
                    "handoff_message",
                    "closed_window_template",
                )
            },
        ),
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "first_step":
            flow_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = (
                FlowStep.objects.filter(flow_id=flow_id) if flow_id else FlowStep.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ChoicesFormSet(forms.BaseInlineFormSet):
    """A menu's choices: as many as WhatsApp shows (counting the "talk to a person" button
    or row), titles as long as it allows, and no loop through them."""

    def clean(self) -> None:
        super().clean()
        step: FlowStep = self.instance
        if step.flow_id is None:
            return  # the step's own form says what is missing
        live = list(_live_forms(self))
        if step.kind != FlowStep.Kind.MENU:
            if live:
                raise ValidationError(gettext("only a menu step has choices"))
            return
        flow = step.flow
        extra = 1 if flow.handoff_button else 0
        if step.menu_style == FlowStep.MenuStyle.BUTTONS:
            most, title_max, what = BUTTONS_MAX, BUTTON_TITLE_MAX, gettext("reply buttons")
        else:
            most, title_max, what = ROWS_MAX, ROW_TITLE_MAX, gettext("list rows")
        if not live:
            raise ValidationError(gettext("a menu needs at least one choice"))
        if len(live) + extra > most:
            person = gettext(" including the 'talk to a person' one") if extra else ""
            raise ValidationError(
                gettext(
                    "WhatsApp shows at most %(most)d %(what)s%(person)s: this menu has %(count)d; "
                    "use a list (up to %(rows)d rows) or split the menu"
                )
                % {"most": most, "what": what, "person": person, "count": len(live) + extra, "rows": ROWS_MAX}
            )
        for form in live:
            title = form.cleaned_data.get("title") or ""
            if len(title) > title_max:
                raise ValidationError(
                    gettext("%(title)s is %(length)d characters; %(what)s take at most %(max)d")
                    % {"title": repr(title), "length": len(title), "what": what, "max": title_max}
                )
        if flow.handoff_button and len(flow.handoff_button) > title_max:
            raise ValidationError(
                gettext("the flow's 'talk to a person' title %(title)s is longer than %(max)d characters")
                % {"title": repr(flow.handoff_button), "max": title_max}
            )
        edges = _edges_of_flow(step.flow_id)
        if step.pk is not None:
            edges[step.pk] = {step.next_step_id} if step.next_step_id else set()
            edges[step.pk] |= {
                f.cleaned_data["next_step"].pk for f in live if f.cleaned_data.get("next_step")
            }
            loop = rules.find_loop(edges)
            if loop:
                raise ValidationError(_loop_message(loop))


class ChoiceInline(admin.TabularInline):
    model = FlowChoice
    formset = ChoicesFormSet
    fk_name = "step"
    extra = 0
    fields = ("position", "title", "description", "next_step", "queue", "skill", "case_field", "case_value")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "next_step":
            step_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            flow_id = (
                FlowStep.objects.filter(pk=int(step_id)).values_list("flow_id", flat=True).first()
                if step_id and str(step_id).isdigit()
                else None
            )
            kwargs["queryset"] = (
                FlowStep.objects.filter(flow_id=flow_id) if flow_id else FlowStep.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StepForm(forms.ModelForm):
    class Meta:
        model = FlowStep
        fields = [
            "flow",
            "name",
            "kind",
            "text",
            "next_step",
            "menu_style",
            "list_button",
            "case_field",
            "validation",
            "pattern",
            "min_length",
            "max_length",
            "allowed_answers",
            "invalid_message",
            "max_attempts",
            "queue",
            "skill",
        ]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        step, nxt = self.instance, cleaned.get("next_step")
        if step.pk is not None and isinstance(nxt, FlowStep):
            edges = _edges_of_flow(step.flow_id)
            edges.setdefault(step.pk, set())
            saved = FlowStep.objects.filter(pk=step.pk).values_list("next_step_id", flat=True).first()
            if saved is not None and not FlowChoice.objects.filter(step=step, next_step_id=saved).exists():
                edges[step.pk].discard(saved)
            edges[step.pk].add(nxt.pk)
            loop = rules.find_loop(edges)
            if loop:
                self.add_error("next_step", _loop_message(loop))
        return cleaned


@admin.register(FlowStep)
class FlowStepAdmin(admin.ModelAdmin):
    form = StepForm
    list_display = ("name", "flow", "kind")
    list_filter = ("flow", "kind")
    inlines = [ChoiceInline]
    fieldsets = (
        (None, {"fields": ("flow", "name", "kind", "text", "next_step")}),
        (_("Menu"), {"fields": ("menu_style", "list_button")}),
        (
            _("Question"),
            {
                "fields": (
                    "case_field",
                    "validation",
                    "pattern",
                    "min_length",
                    "max_length",
                    "allowed_answers",
                    "invalid_message",
                    "max_attempts",
                )
            },
        ),
        (_("Route"), {"fields": ("queue", "skill")}),
    )


@admin.register(FlowSession)
class FlowSessionAdmin(admin.ModelAdmin):
    """Runs of the flows: where each stands, how it ended (errors with their reason)."""

    list_display = ("interaction", "flow", "step", "started_at", "due_at", "ended_at", "outcome", "error")
    list_filter = ("outcome", "flow")
    readonly_fields = [f.name for f in FlowSession._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
