from django.urls import path

from conversations.api import views

urlpatterns = [
    path("contacts/", views.ContactListApi.as_view(), name="contact-list"),
    path("contacts/<int:pk>/", views.ContactDetailApi.as_view(), name="contact-detail"),
    path("interactions/", views.InteractionListApi.as_view(), name="interaction-list"),
    path("interactions/<int:pk>/", views.InteractionDetailApi.as_view(), name="interaction-detail"),
    path(
        "interactions/<int:pk>/messages/",
        views.InteractionMessageListApi.as_view(),
        name="interaction-messages",
    ),
]
