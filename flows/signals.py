"""Saving or deleting a flow (or what it is made of) refreshes this process's snapshot."""

from __future__ import annotations

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from flows import selectors
from flows.models import Flow, FlowStep


def _invalidate(sender: type[Model], **kwargs: object) -> None:
    selectors.invalidate()


for _model in (Flow, FlowStep):
    post_save.connect(_invalidate, sender=_model, dispatch_uid=f"flows.invalidate.{_model.__name__}")
    post_delete.connect(_invalidate, sender=_model, dispatch_uid=f"flows.invalidate.del.{_model.__name__}")
