"""Every state change of the sandbox: Meta's side of the wire, played locally.

Business side (our Graph API client calls these through the views): send a message, mark
one read, upload / describe / delete / download media. Customer side (the phone page):
send a message, report messages seen or played. In between, the webhooks the sandbox
posts to our service, signed with the channel's app secret exactly as Meta signs them:
the customer's messages at once, and each business message's statuses (sent, delivered,
read, played, or failed) later, in order, from Celery tasks.
"""

from sandbox.services.coexistence import business_app_text_send
from sandbox.services.common import (
    auto_read_seconds,
    status_delays,
    webhook_post,
    webhook_repost,
    webhook_url,
)
from sandbox.services.customer import customer_message_send, customer_played, customer_seen
from sandbox.services.graph import (
    business_mark_read,
    business_message_send,
    graph_call_record,
    graph_channel_authenticate,
    graph_media_authenticate,
    graph_messages_post,
)
from sandbox.services.identity import (
    IdentityChangeError,
    customer_marketing_set,
    customer_number_change,
    customer_profile_set,
    customer_user_id_change,
)
from sandbox.services.media import (
    media_delete,
    media_download_url,
    media_from_download,
    media_from_phone_link,
    media_info,
    media_upload,
)
from sandbox.services.numbers import (
    NumberChangeError,
    number_health_set,
    number_info,
    number_pacing_set,
)
from sandbox.services.statuses import StatusOutcome, message_status_advance
from sandbox.services.templates import (
    review_seconds,
    template_authenticate,
    template_create,
    template_delete,
    template_edit,
    template_list,
    template_review,
    waba_authenticate,
)
from sandbox.services.uploads import app_authenticate, upload_receive, upload_session_open

__all__ = [
    "IdentityChangeError",
    "NumberChangeError",
    "StatusOutcome",
    "app_authenticate",
    "auto_read_seconds",
    "business_app_text_send",
    "business_mark_read",
    "business_message_send",
    "customer_marketing_set",
    "customer_message_send",
    "customer_number_change",
    "customer_played",
    "customer_profile_set",
    "customer_seen",
    "customer_user_id_change",
    "graph_call_record",
    "graph_channel_authenticate",
    "graph_media_authenticate",
    "graph_messages_post",
    "media_delete",
    "media_download_url",
    "media_from_download",
    "media_from_phone_link",
    "media_info",
    "media_upload",
    "message_status_advance",
    "number_health_set",
    "number_info",
    "number_pacing_set",
    "review_seconds",
    "status_delays",
    "template_authenticate",
    "template_create",
    "template_delete",
    "template_edit",
    "template_list",
    "template_review",
    "upload_receive",
    "upload_session_open",
    "waba_authenticate",
    "webhook_post",
    "webhook_repost",
    "webhook_url",
]
