"""A URL conf for the log-context tests: an interaction route whose view logs a line."""

import logging

from django.http import HttpResponse
from django.urls import path


def console_view(request, pk):
    logging.getLogger("tests.ops").warning("looking at the interaction")
    return HttpResponse("ok")


urlpatterns = [path("api/v1/interactions/<int:pk>/console/", console_view, name="interaction-console")]
