"""R7 endpoints: list my workbins, park an interaction, open it again."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads
from conversations.api.inputs import BodySerializer, IdField
from conversations.api.schema import CONFLICT, INT, body, schema_of, shape
from conversations.selectors import interaction_summary
from waproject.requests import SignedInRequest
from workbins import selectors, services


class WorkbinListApi(APIView):
    """The caller's workbins (personal and their group's) with the interactions waiting."""

    @extend_schema(responses=shape("personal first", workbins=schema_of(list[payloads.Workbin])))
    def get(self, request: SignedInRequest) -> Response:
        services.workbin_personal_for(user=request.user)  # always listed: made on first use
        return Response({"workbins": selectors.workbin_list_for_user(user=request.user)})


class InteractionParkApi(APIView):
    """Move the interaction to a workbin (the personal one by default); it leaves the console."""

    class InputSerializer(BodySerializer):
        workbin_id = IdField(required=False)

    @extend_schema(
        request=InputSerializer,
        responses={200: shape("parked", interaction_id=INT, workbin_id=INT), 409: CONFLICT},
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.interaction_park(
            user=request.user, interaction_id=pk, workbin_id=data.validated_data.get("workbin_id")
        )
        return Response({"interaction_id": pk, "workbin_id": item.workbin_id})


class InteractionUnparkApi(APIView):
    """Open a parked interaction again: it becomes the caller's."""

    @extend_schema(responses={200: body(payloads.InteractionSummary), 409: CONFLICT})
    def post(self, request: SignedInRequest, pk: int) -> Response:
        interaction = services.interaction_unpark(user=request.user, interaction_id=pk)
        return Response(interaction_summary(interaction, user=request.user))


class SignOutPreviewApi(APIView):
    """What signing out would do now (the console asks before it signs out; the logout
    itself is the session's POST to the logout page)."""

    @extend_schema(responses=body(payloads.SignOutPreview))
    def get(self, request: SignedInRequest) -> Response:
        return Response(selectors.sign_out_preview(user=request.user))


urlpatterns = [
    path("workbins/", WorkbinListApi.as_view(), name="workbin-list"),
    path("agent/me/sign-out/", SignOutPreviewApi.as_view(), name="agent-sign-out-preview"),
    path("interactions/<id:pk>/park/", InteractionParkApi.as_view(), name="interaction-park"),
    path("interactions/<id:pk>/unpark/", InteractionUnparkApi.as_view(), name="interaction-unpark"),
]
