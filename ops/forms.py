"""Write-only secrets in admin forms (X3)."""

from __future__ import annotations

from typing import Any

from django import forms


class WriteOnlySecretsMixin:
    """For a ModelForm: the ``secret_fields`` are never shown again once stored.

    Each is an empty password input saying whether a value is set; leaving it empty keeps
    the stored value, typing replaces it. The stored value never reaches the page (not
    even as the field's initial value), and an untouched field does not count as changed.
    """

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        instance = self.instance  # type: ignore[attr-defined]
        for name in self.secret_fields:
            field = self.fields[name]  # type: ignore[attr-defined]
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            self.initial[name] = ""  # type: ignore[attr-defined]
            if instance.pk is not None:
                is_set = bool(getattr(instance, name))
                field.required = False
                field.help_text = (
                    f"{'Set' if is_set else 'Not set'} (stored encrypted, never shown). "
                    "Leave empty to keep it; type a new value to replace it."
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        instance = self.instance  # type: ignore[attr-defined]
        if instance.pk is not None:
            for name in self.secret_fields:
                if not cleaned.get(name):
                    cleaned[name] = getattr(instance, name)
        return cleaned
