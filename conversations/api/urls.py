from django.urls import path

# The views import inputs, which registers the <id:...> converter (1 to 2**63-1, else a 404).
from conversations.api.views import (
    agents,
    attachments,
    collaboration,
    contacts,
    interactions,
    messages,
    sessions,
    supervision,
)

urlpatterns = [
    path(
        "outbound-sessions/from-other-media/",
        sessions.OutboundFromOtherMediaApi.as_view(),
        name="outbound-session-other-media",
    ),
    path(
        "interactions/<id:pk>/conference/",
        collaboration.ConferenceInviteApi.as_view(),
        name="conference-invite",
    ),
    path(
        "interactions/<id:pk>/conference/leave/",
        collaboration.ConferenceLeaveApi.as_view(),
        name="conference-leave",
    ),
    path(
        "conference-invitations/<id:pk>/accept/",
        collaboration.ConferenceAnswerApi.as_view(accept=True),
        name="conference-accept",
    ),
    path(
        "conference-invitations/<id:pk>/decline/",
        collaboration.ConferenceAnswerApi.as_view(accept=False),
        name="conference-decline",
    ),
    path("interactions/<id:pk>/consultation/", collaboration.ConsultationApi.as_view(), name="consultation"),
    path(
        "interactions/<id:pk>/consultation/end/",
        collaboration.ConsultationEndApi.as_view(),
        name="consultation-end",
    ),
    path(
        "interactions/<id:pk>/assign-contact/",
        contacts.InteractionAssignContactApi.as_view(),
        name="interaction-assign-contact",
    ),
    path("outbound-sessions/", sessions.OutboundSessionApi.as_view(), name="outbound-session"),
    path("transfer-targets/", agents.TransferTargetsApi.as_view(), name="transfer-targets"),
    path(
        "interactions/<id:pk>/transfer/", agents.InteractionTransferApi.as_view(), name="interaction-transfer"
    ),
    path("agent/me/", agents.AgentMeApi.as_view(), name="agent-me"),
    path("agent/me/queues/", supervision.AgentQueuesApi.as_view(), name="agent-queues"),
    path("supervisor/board/", supervision.SupervisorBoardApi.as_view(), name="supervisor-board"),
    path(
        "interactions/<id:pk>/monitor/",
        supervision.InteractionMonitorApi.as_view(),
        name="interaction-monitor",
    ),
    path(
        "interactions/<id:pk>/barge-in/",
        supervision.InteractionBargeInApi.as_view(),
        name="interaction-barge-in",
    ),
    path(
        "interactions/<id:pk>/take-over/",
        supervision.InteractionTakeOverApi.as_view(),
        name="interaction-take-over",
    ),
    path("interactions/<id:pk>/move/", supervision.InteractionMoveApi.as_view(), name="interaction-move"),
    path("agents/<id:pk>/not-ready/", supervision.AgentNotReadyApi.as_view(), name="agent-not-ready"),
    path("agents/<id:pk>/sign-out/", supervision.AgentSignOutApi.as_view(), name="agent-sign-out"),
    path("agent/me/state/", agents.AgentStateApi.as_view(), name="agent-state"),
    path("agent/me/language/", agents.AgentLanguageApi.as_view(), name="agent-language"),
    path("offers/<id:pk>/accept/", agents.OfferAcceptApi.as_view(), name="offer-accept"),
    path("offers/<id:pk>/reject/", agents.OfferRejectApi.as_view(), name="offer-reject"),
    path("contacts/", contacts.ContactListApi.as_view(), name="contact-list"),
    path("contacts/<id:pk>/", contacts.ContactDetailApi.as_view(), name="contact-detail"),
    path("contacts/<id:pk>/history/", contacts.ContactHistoryApi.as_view(), name="contact-history"),
    path("interactions/", interactions.InteractionListApi.as_view(), name="interaction-list"),
    path("interactions/<id:pk>/", interactions.InteractionDetailApi.as_view(), name="interaction-detail"),
    path(
        "interactions/<id:pk>/console/",
        interactions.InteractionDetailApi.as_view(),
        name="interaction-console",
    ),
    path(
        "interactions/<id:pk>/transcript/",
        interactions.TranscriptApi.as_view(),
        name="interaction-transcript",
    ),
    path(
        "interactions/<id:pk>/messages/",
        messages.InteractionMessagesApi.as_view(),
        name="interaction-messages",
    ),
    path("interactions/<id:pk>/read/", interactions.InteractionReadApi.as_view(), name="interaction-read"),
    path(
        "interactions/<id:pk>/typing/", interactions.InteractionTypingApi.as_view(), name="interaction-typing"
    ),
    path("interactions/<id:pk>/done/", interactions.InteractionDoneApi.as_view(), name="interaction-done"),
    path(
        "interactions/<id:pk>/case-data/",
        interactions.InteractionCaseDataApi.as_view(),
        name="interaction-case-data",
    ),
    path("interactions/<id:pk>/notes/", interactions.InteractionNotesApi.as_view(), name="interaction-notes"),
    path("messages/<id:pk>/retry/", messages.MessageRetryApi.as_view(), name="message-retry"),
    path(
        "interactions/<id:pk>/messages/<id:message_id>/reaction/",
        messages.MessageReactionApi.as_view(),
        name="message-reaction",
    ),
    path("attachments/", attachments.AttachmentUploadApi.as_view(), name="attachment-upload"),
    path("attachments/<id:pk>/file/", attachments.AttachmentFileApi.as_view(), name="attachment-file"),
    path(
        "attachments/<id:pk>/thumbnail/",
        attachments.AttachmentThumbnailApi.as_view(),
        name="attachment-thumbnail",
    ),
]
