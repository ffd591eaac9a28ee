from django.urls import path

# views imports inputs, which registers the <id:...> converter (1 to 2**63-1, else a 404).
from conversations.api import views

urlpatterns = [
    path(
        "outbound-sessions/from-other-media/",
        views.OutboundFromOtherMediaApi.as_view(),
        name="outbound-session-other-media",
    ),
    path("interactions/<id:pk>/conference/", views.ConferenceInviteApi.as_view(), name="conference-invite"),
    path(
        "interactions/<id:pk>/conference/leave/", views.ConferenceLeaveApi.as_view(), name="conference-leave"
    ),
    path(
        "conference-invitations/<id:pk>/accept/",
        views.ConferenceAnswerApi.as_view(accept=True),
        name="conference-accept",
    ),
    path(
        "conference-invitations/<id:pk>/decline/",
        views.ConferenceAnswerApi.as_view(accept=False),
        name="conference-decline",
    ),
    path("interactions/<id:pk>/consultation/", views.ConsultationApi.as_view(), name="consultation"),
    path(
        "interactions/<id:pk>/consultation/end/", views.ConsultationEndApi.as_view(), name="consultation-end"
    ),
    path(
        "interactions/<id:pk>/assign-contact/",
        views.InteractionAssignContactApi.as_view(),
        name="interaction-assign-contact",
    ),
    path("outbound-sessions/", views.OutboundSessionApi.as_view(), name="outbound-session"),
    path("transfer-targets/", views.TransferTargetsApi.as_view(), name="transfer-targets"),
    path(
        "interactions/<id:pk>/transfer/", views.InteractionTransferApi.as_view(), name="interaction-transfer"
    ),
    path("agent/me/", views.AgentMeApi.as_view(), name="agent-me"),
    path("agent/me/state/", views.AgentStateApi.as_view(), name="agent-state"),
    path("offers/<id:pk>/accept/", views.OfferAcceptApi.as_view(), name="offer-accept"),
    path("offers/<id:pk>/reject/", views.OfferRejectApi.as_view(), name="offer-reject"),
    path("contacts/", views.ContactListApi.as_view(), name="contact-list"),
    path("contacts/<id:pk>/", views.ContactDetailApi.as_view(), name="contact-detail"),
    path("contacts/<id:pk>/history/", views.ContactHistoryApi.as_view(), name="contact-history"),
    path("interactions/", views.InteractionListApi.as_view(), name="interaction-list"),
    path("interactions/<id:pk>/", views.InteractionDetailApi.as_view(), name="interaction-detail"),
    path("interactions/<id:pk>/console/", views.InteractionConsoleApi.as_view(), name="interaction-console"),
    path("interactions/<id:pk>/transcript/", views.TranscriptApi.as_view(), name="interaction-transcript"),
    path(
        "interactions/<id:pk>/messages/", views.InteractionMessagesApi.as_view(), name="interaction-messages"
    ),
    path("interactions/<id:pk>/read/", views.InteractionReadApi.as_view(), name="interaction-read"),
    path("interactions/<id:pk>/typing/", views.InteractionTypingApi.as_view(), name="interaction-typing"),
    path("interactions/<id:pk>/done/", views.InteractionDoneApi.as_view(), name="interaction-done"),
    path(
        "interactions/<id:pk>/case-data/",
        views.InteractionCaseDataApi.as_view(),
        name="interaction-case-data",
    ),
    path("interactions/<id:pk>/notes/", views.InteractionNotesApi.as_view(), name="interaction-notes"),
    path("messages/<id:pk>/retry/", views.MessageRetryApi.as_view(), name="message-retry"),
    path("attachments/", views.AttachmentUploadApi.as_view(), name="attachment-upload"),
    path("attachments/<id:pk>/file/", views.AttachmentFileApi.as_view(), name="attachment-file"),
    path(
        "attachments/<id:pk>/thumbnail/", views.AttachmentThumbnailApi.as_view(), name="attachment-thumbnail"
    ),
]
