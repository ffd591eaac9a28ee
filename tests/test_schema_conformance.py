"""The API says what it does: schemathesis drives every operation of ``/api/schema/``, as an
agent and as a supervisor, statelessly and through the links between operations.

Every answer must be documented (status, content type, body), no answer may be a 5xx, a
request the schema refuses must be refused, and one it allows must pass input validation.
The run is bounded and derandomized: the same examples every time, in about a minute.
Deliberate decisions behind the schema: conversations/api/schema.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from conversations.models import Interaction
from templates_app.models import MessageTemplate
from tests.factories import (
    AgentProfileFactory,
    ChannelFactory,
    ContactFactory,
    InteractionFactory,
    MessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

#: Examples per operation and mode (each is one request through the Django app).
MAX_EXAMPLES = 6
#: Scenarios of the stateful run, and calls per scenario.
STATEFUL_SCENARIOS = 10
STATEFUL_STEPS = 6


@schemathesis.check
def schema_valid_input_passes_validation(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request the schema allows is never refused for its shape: no 400 naming ``fields``.

    This is schemathesis's positive_data_acceptance minus the rules of the domain: a 400
    without ``fields`` refuses what the rows the request names do not allow (a template's
    parameters, a file's content, inviting yourself…), which no schema can state.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 400:
        return None
    error = response.json()["error"]
    if "fields" in error:
        raise AssertionError(f"the schema allows this request, input validation refused it: {error}")
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    schema_valid_input_passes_validation,
]

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    get_wsgi_application(),
    config=schemathesis.Config.from_dict(
        {
            "seed": 20261201,
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
        }
    ),
)
HYPOTHESIS = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(autouse=True)
def _requests_keep_the_tests_connection():
    """The test's transaction holds the database connection: as Django's test client does,
    requests through the WSGI app must not close it when they finish."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db) -> dict[str, str]:
    """An agent with an interaction in progress, a supervisor, a contact and a template."""
    now = timezone.now()
    agent = AgentProfileFactory.create(user=UserFactory.create(username="schema-agent")).user
    supervisor = UserFactory.create(username="schema-supervisor", is_staff=True)
    supervisor.user_permissions.add(Permission.objects.get(codename="supervise_interactions"))
    interaction = InteractionFactory.create(
        channel=ChannelFactory.create(),
        owner=agent,
        state=Interaction.State.ACTIVE,
        accepted_at=now,
        last_inbound_at=now,
        window_expires_at=now + timedelta(hours=20),
    )
    MessageFactory.create(interaction=interaction)
    ContactFactory.create()
    MessageTemplate.objects.create(
        name="order_update", language="en_US", status=MessageTemplate.Status.APPROVED, body="Hi {{1}}"
    )
    return {
        "agent": Token.objects.create(user=agent).key,
        "supervisor": Token.objects.create(user=supervisor).key,
    }


@schema.parametrize()
@HYPOTHESIS
def test_every_operation_as_an_agent(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Token {tokens['agent']}"}, checks=CHECKS)


@schema.parametrize()
@HYPOTHESIS
def test_every_operation_as_a_supervisor(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Token {tokens['supervisor']}"}, checks=CHECKS)


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_sequences_of_operations_through_their_links(tokens, role):
    """Ids a response returns feed the next request (schemathesis infers the links)."""
    headers = {"Authorization": f"Token {tokens[role]}"}

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Workflow.run(
        settings=settings(
            HYPOTHESIS,
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            derandomize=True,
        )
    )
