"""Our own limits on what people write, one definition each: the service that enforces a
limit and the API input that states it both read it here. WhatsApp's limits (a message's
text, files) are ``whatsapp.limits``; a column's length is its model field's ``max_length``.
"""

from __future__ import annotations

#: A note in an interaction's history (W11).
NOTE_MAX = 10_000
#: An interaction's case information, in characters of its JSON (W11).
CASE_DATA_MAX = 20_000
#: A message of the internal chat of a consultation (R6).
CONSULTATION_MESSAGE_MAX = 4096
#: Where an outbound session from another media came from (O4): the source's id.
SOURCE_ID_MAX = 120
