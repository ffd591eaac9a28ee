"""Admin forms of templates and standard responses: refuse, with the reason, what would fail
later (in the database, at WhatsApp, or when an agent uses it) instead of saving it."""

from __future__ import annotations

import json
import math
from typing import Any

from django import forms
from django.forms.fields import InvalidJSONInput

from templates_app.models import MessageTemplate

#: How deep buttons and sections JSON may nest (theirs is three levels; more is a paste error).
JSON_DEPTH_MAX = 10


def json_problem(value: Any, *, depth: int = 0) -> str | None:
    """Why ``value`` cannot be stored as JSON everywhere, or None.

    PostgreSQL's jsonb refuses ``\\u0000`` and ``NaN``/``Infinity``, and a lone surrogate
    (``\\ud800``) cannot be encoded as UTF-8 when the value is shown again: each would be
    a 500 after the admin said "saved".
    """
    if depth > JSON_DEPTH_MAX:
        return f"nested more than {JSON_DEPTH_MAX} levels deep"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN and Infinity are not numbers JSON can hold"
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _text_problem(key) or json_problem(item, depth=depth + 1)
            if problem:
                return problem
    if isinstance(value, list):
        for item in value:
            problem = json_problem(item, depth=depth + 1)
            if problem:
                return problem
    return None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "text may not contain the NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text may not contain an unpaired surrogate (\\ud800-\\udfff)"
    return None


class DisplayableJSONField(forms.JSONField):
    """A JSON field whose refused value can be shown again: Django writes it back with
    ``ensure_ascii=False``, and a lone surrogate in it then fails the whole page."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, InvalidJSONInput):
            return value
        text = super().prepare_value(value)
        if isinstance(text, str) and _text_problem(text):
            return json.dumps(value, cls=self.encoder)  # \u0000, \ud800 stay escapes
        return text


class MessageTemplateAdminForm(forms.ModelForm):
    """WhatsApp's rules come from ``MessageTemplate.clean``; this adds what is the admin's."""

    class Meta:
        model = MessageTemplate
        fields = (
            "kind",
            "name",
            "language",
            "category",
            "channel",
            "is_default_notification",
            "header_type",
            "header_text",
            "header_media",
            "body",
            "footer",
            "buttons",
            "list_button",
            "sections",
            "status",
        )
        field_classes = {"buttons": DisplayableJSONField, "sections": DisplayableJSONField}

    def _update_errors(self, errors: Any) -> None:
        """Keep the model's checks quiet about a field the form refused already: its value
        was not taken, so "a list has 1 to 10 sections" would describe the old one."""
        if hasattr(errors, "error_dict"):
            errors.error_dict = {
                name: messages for name, messages in errors.error_dict.items() if name not in self._errors
            }
            if not errors.error_dict:
                return
        super()._update_errors(errors)

    def _clean_json(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        problem = json_problem(value)
        if problem:
            raise forms.ValidationError(f"{name}: {problem}")
        return value

    def clean_buttons(self) -> Any:
        return self._clean_json("buttons")

    def clean_sections(self) -> Any:
        return self._clean_json("sections")
