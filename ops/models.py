from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """The latest beat of a periodic process (X2): one row per name, overwritten.

    ``beat`` is written by a task the beat schedules every 15 s and a worker runs, so its
    age says whether beat, broker and workers all run (the readiness check reads it).
    """

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
