from django.urls import path

from conversations.api import views

urlpatterns = [
    path(
        "outbound-sessions/from-other-media/",
        views.OutboundFromOtherMediaApi.as_view(),
        name="outbound-session-other-media",
    ),
    path("interactions/<int:pk>/conference/", views.ConferenceInviteApi.as_view(), name="conference-invite"),
    path(
        "interactions/<int:pk>/conference/leave/", views.ConferenceLeaveApi.as_view(), name="conference-leave"
    ),
    path(
        "conference-invitations/<int:pk>/accept/",
        views.ConferenceAnswerApi.as_view(accept=True),
        name="conference-accept",
    ),
    path(
        "conference-invitations/<int:pk>/decline/",
        views.ConferenceAnswerApi.as_view(accept=False),
        name="conference-decline",
    ),
    path("interactions/<int:pk>/consultation/", views.ConsultationApi.as_view(), name="consultation"),
    path(
        "interactions/<int:pk>/consultation/end/", views.ConsultationEndApi.as_view(), name="consultation-end"
    ),
    path(
        "interactions/<int:pk>/assign-contact/",
        views.InteractionAssignContactApi.as_view(),
        name="interaction-assign-contact",
    ),
    path("outbound-sessions/", views.OutboundSessionApi.as_view(), name="outbound-session"),
    path("transfer-targets/", views.TransferTargetsApi.as_view(), name="transfer-targets"),
    path(
        "interactions/<int:pk>/transfer/", views.InteractionTransferApi.as_view(), name="interaction-transfer"
    ),
    path("agent/me/", views.AgentMeApi.as_view(), name="agent-me"),
    path("agent/me/state/", views.AgentStateApi.as_view(), name="agent-state"),
    path("offers/<int:pk>/accept/", views.OfferAcceptApi.as_view(), name="offer-accept"),
    path("offers/<int:pk>/reject/", views.OfferRejectApi.as_view(), name="offer-reject"),
    path("contacts/", views.ContactListApi.as_view(), name="contact-list"),
    path("contacts/<int:pk>/", views.ContactDetailApi.as_view(), name="contact-detail"),
    path("contacts/<int:pk>/history/", views.ContactHistoryApi.as_view(), name="contact-history"),
    path("interactions/", views.InteractionListApi.as_view(), name="interaction-list"),
    path("interactions/<int:pk>/", views.InteractionDetailApi.as_view(), name="interaction-detail"),
    path("interactions/<int:pk>/console/", views.InteractionConsoleApi.as_view(), name="interaction-console"),
    path("interactions/<int:pk>/transcript/", views.TranscriptApi.as_view(), name="interaction-transcript"),
    path(
        "interactions/<int:pk>/messages/", views.InteractionMessagesApi.as_view(), name="interaction-messages"
    ),
    path("interactions/<int:pk>/read/", views.InteractionReadApi.as_view(), name="interaction-read"),
    path("interactions/<int:pk>/done/", views.InteractionDoneApi.as_view(), name="interaction-done"),
    path(
        "interactions/<int:pk>/case-data/",
        views.InteractionCaseDataApi.as_view(),
        name="interaction-case-data",
    ),
    path("interactions/<int:pk>/notes/", views.InteractionNotesApi.as_view(), name="interaction-notes"),
    path("messages/<int:pk>/retry/", views.MessageRetryApi.as_view(), name="message-retry"),
    path("attachments/", views.AttachmentUploadApi.as_view(), name="attachment-upload"),
    path("attachments/<int:pk>/file/", views.AttachmentFileApi.as_view(), name="attachment-file"),
    path(
        "attachments/<int:pk>/thumbnail/", views.AttachmentThumbnailApi.as_view(), name="attachment-thumbnail"
    ),
]
