"""Saving or deleting a subscription or a bot refreshes this process's snapshot at once."""

from __future__ import annotations

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from integrations import selectors
from integrations.models import Bot, Subscription


def _invalidate(sender: type[Model], **kwargs: object) -> None:
    selectors.invalidate()


for _model in (Subscription, Bot):
    post_save.connect(_invalidate, sender=_model, dispatch_uid=f"integrations.invalidate.{_model.__name__}")
    post_delete.connect(
        _invalidate, sender=_model, dispatch_uid=f"integrations.invalidate.del.{_model.__name__}"
    )
