"""Permission-scoped reads (STYLE § B): what a user may see, with the joins it needs.

One module per subject; the public reads are re-exported here for the entry points (API
views, the console, the admin). Selectors never import a service: a read that needs a
row created first (a supervisor's agent profile, an agent's personal workbin) gets it
from the entry point, which asks the service before.
"""

from conversations.selectors.agents import (
    DEFAULT_EMOJIS,
    agent_snapshot,
    console_emojis,
    consultation_messages,
    disposition_codes,
    offer_payload,
    transfer_targets,
)
from conversations.selectors.blockers import (
    agent_group_delete_blockers,
    agent_open_work,
    queue_delete_blockers,
    skill_delete_blockers,
)
from conversations.selectors.board import (
    BoardFilters,
    board_choices,
    board_filters,
    board_snapshot,
    ensure_supervisor,
    queue_waiting_counts,
    queue_waiting_for_agent,
    supervisor_board,
)
from conversations.selectors.channels import channel_for_sending
from conversations.selectors.contacts import (
    can_view_contact_history,
    contact_get_for_user,
    contact_history,
    contact_history_visible_ids,
    contact_list,
)
from conversations.selectors.filters import bad_filter, filter_names_check, rows_exist_check
from conversations.selectors.interactions import (
    interaction_detail,
    interaction_get_for_user,
    interaction_list_for_user,
    interaction_monitor_detail,
    interaction_summary,
    interaction_viewer,
    interaction_viewer_payload,
    interactions_live_for_user,
    participants_payload,
)
from conversations.selectors.messages import (
    CATCH_UP_LIMIT,
    CURSOR_PATTERN,
    HIDDEN_TYPES,
    PAGE_SIZE,
    REFRESH_LIMIT,
    Cursor,
    attachment_get_for_user,
    interaction_message_get,
    messages_catch_up,
    messages_payload,
    transcript_page,
)
from conversations.selectors.search import InteractionSearch, full_text_search, interaction_search

__all__ = [
    "CATCH_UP_LIMIT",
    "CURSOR_PATTERN",
    "DEFAULT_EMOJIS",
    "HIDDEN_TYPES",
    "PAGE_SIZE",
    "REFRESH_LIMIT",
    "BoardFilters",
    "Cursor",
    "InteractionSearch",
    "agent_group_delete_blockers",
    "agent_open_work",
    "agent_snapshot",
    "attachment_get_for_user",
    "bad_filter",
    "board_choices",
    "board_filters",
    "board_snapshot",
    "can_view_contact_history",
    "channel_for_sending",
    "console_emojis",
    "consultation_messages",
    "contact_get_for_user",
    "contact_history",
    "contact_history_visible_ids",
    "contact_list",
    "disposition_codes",
    "ensure_supervisor",
    "filter_names_check",
    "full_text_search",
    "interaction_detail",
    "interaction_get_for_user",
    "interaction_list_for_user",
    "interaction_message_get",
    "interaction_monitor_detail",
    "interaction_search",
    "interaction_summary",
    "interaction_viewer",
    "interaction_viewer_payload",
    "interactions_live_for_user",
    "messages_catch_up",
    "messages_payload",
    "offer_payload",
    "participants_payload",
    "queue_delete_blockers",
    "queue_waiting_counts",
    "queue_waiting_for_agent",
    "rows_exist_check",
    "skill_delete_blockers",
    "supervisor_board",
    "transcript_page",
    "transfer_targets",
]
