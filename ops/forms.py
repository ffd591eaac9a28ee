"""Write-only secrets in admin forms (X3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext

# The mixin is for a ModelForm: the type checker sees it as one, at run time it adds no base.
if TYPE_CHECKING:
    _ModelForm = forms.ModelForm
else:
    _ModelForm = object


class WriteOnlySecretsMixin(_ModelForm):
    """For a ModelForm: the ``secret_fields`` are never shown again once stored.

    Each is an empty password input saying whether a value is set; leaving it empty keeps
    the stored value, typing replaces it. The stored value never reaches the page (not
    even as the field's initial value), and an untouched field does not count as changed.
    """

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        for name in self.secret_fields:
            field = self.fields[name]
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            self.initial[name] = ""
            if instance.pk is not None:
                is_set = bool(getattr(instance, name))
                field.required = False
                field.help_text = (
                    gettext(
                        "Set (stored encrypted, never shown). Leave empty to keep it; type a new value to replace it."
                    )
                    if is_set
                    else gettext(
                        "Not set (stored encrypted, never shown). Leave empty to keep it; type a new value to "
                        "replace it."
                    )
                )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns
        instance = self.instance
        if instance.pk is not None:
            for name in self.secret_fields:
                if not cleaned.get(name):
                    cleaned[name] = getattr(instance, name)
        return cleaned
