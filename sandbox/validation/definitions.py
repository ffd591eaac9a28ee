"""Template definitions (G1): what ``POST /<WABA_ID>/message_templates`` and an edit
(``POST /<TEMPLATE_ID>``) accept, refused as Meta refuses them (code 100 with an
``error_subcode``), and the review's rules that turn a submission REJECTED later.

Meta checks some things at once (names, lengths, formats) and others in review (the
placement and density of variables): the sandbox splits them the same way.
"""

from __future__ import annotations

import re

from sandbox.errors import GraphError
from sandbox.validation.uploads import HEADER_FILE_TYPES, handle_read
from whatsapp.templates import BUTTON_TYPES, HEADER_FORMATS

NAME = re.compile(r"^[a-z0-9_]{1,512}$")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
BODY_MAX, HEADER_MAX, FOOTER_MAX = 1024, 60, 60
#: The review wants at least this many words per variable (Meta: "too many variables for
#: the length of the message", subcode 2388293).
WORDS_PER_VARIABLE = 2


def refused(details: str, *, subcode: int | None = None) -> GraphError:
    """Meta's answer to a definition it does not accept: 400, code 100, a subcode."""
    return GraphError(100, details, subcode=subcode)


def check_name(value: object) -> str:
    if not isinstance(value, str) or not NAME.match(value):
        raise refused("name: lowercase letters, digits and underscores, up to 512 characters.")
    return value


def check_category(value: object) -> str:
    if not isinstance(value, str) or value.upper() not in CATEGORIES:
        raise refused(f"category must be one of {', '.join(CATEGORIES)}.")
    return value.upper()


def check_parameter_format(value: object) -> str:
    if value is None:
        return "POSITIONAL"
    if value not in ("POSITIONAL", "NAMED") or not isinstance(value, str):
        raise refused("parameter_format must be POSITIONAL or NAMED.")
    return value


def check_components(value: object, *, parameter_format: str) -> list[dict[str, object]]:
    """The components of a definition, checked at once as Meta does (else GraphError)."""
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        raise refused("components must be a list of objects.")
    value = [dict(c) for c in value]
    kinds = [str(c.get("type", "")).upper() for c in value]
    for kind in kinds:
        if kind not in ("HEADER", "BODY", "FOOTER", "BUTTONS"):
            raise refused(f"Unknown component type {kind!r}.")
        if kinds.count(kind) > 1:
            raise refused(f"A template has one {kind} component at most.")
    if "BODY" not in kinds:
        raise refused("A template needs a BODY component.")
    for component in value:
        kind = str(component.get("type")).upper()
        said = component.get("text", "")
        text = said if isinstance(said, str) else ""
        has_text = kind in ("BODY", "FOOTER") or (kind == "HEADER" and component.get("format") == "TEXT")
        if has_text and (not isinstance(said, str) or not text.strip()):
            raise refused(f"The {kind.lower()} text is required.")
        if kind == "BODY" and len(text) > BODY_MAX:
            raise refused(f"The body text is longer than {BODY_MAX} characters.", subcode=2388040)
        if kind == "HEADER":
            _check_header(component, text)
        if kind == "FOOTER":
            if len(text) > FOOTER_MAX:
                raise refused(f"The footer text is longer than {FOOTER_MAX} characters.", subcode=2388040)
            if PLACEHOLDER.search(text):
                raise refused("Footer format incorrect: a footer cannot contain variables.", subcode=2388073)
        if kind == "BUTTONS":
            _check_buttons(component.get("buttons"))
        if kind in ("BODY", "HEADER"):
            _check_parameters(text, parameter_format, kind.lower())
    return value


def _check_header(component: dict[str, object], text: str) -> None:
    header_format = component.get("format")
    if header_format not in HEADER_FORMATS:
        raise refused(f"header format must be one of {', '.join(HEADER_FORMATS)}.")
    if header_format in HEADER_FILE_TYPES:
        example = component.get("example")
        handles = example.get("header_handle") if isinstance(example, dict) else None
        facts = handle_read(handles[0]) if isinstance(handles, list) and handles else None
        if facts is None:
            raise refused(
                "A media header needs its sample: example.header_handle, a handle from the Resumable Upload API.",
                subcode=2388047,
            )
        if facts.get("type") not in HEADER_FILE_TYPES[str(header_format)]:
            raise refused(
                f"The {str(header_format).lower()} header's sample is a {facts.get('type')} file.",
                subcode=2388047,
            )
    if header_format == "TEXT":
        if len(text) > HEADER_MAX:
            raise refused(f"The header text is longer than {HEADER_MAX} characters.", subcode=2388040)
        if len(PLACEHOLDER.findall(text)) > 1:
            raise refused("Header format incorrect: a header has one variable at most.", subcode=2388047)


def _check_buttons(buttons: object) -> None:
    if not isinstance(buttons, list) or not buttons or not all(isinstance(b, dict) for b in buttons):
        raise refused("buttons must be a non-empty list of objects.")
    if len(buttons) > 10:
        raise refused("A template has 10 buttons at most.")
    for button in buttons:
        if button.get("type") not in BUTTON_TYPES:
            raise refused(f"Unknown button type {button.get('type')!r}.")
        if (
            button.get("type") in ("QUICK_REPLY", "URL", "PHONE_NUMBER")
            and not str(button.get("text") or "").strip()
        ):
            raise refused("Every button needs its text.")


def _check_parameters(text: str, parameter_format: str, where: str) -> None:
    names = PLACEHOLDER.findall(text)
    if parameter_format == "NAMED":
        bad = [n for n in names if not re.fullmatch(r"[a-z_][a-z0-9_]*", n)]
        if bad:
            raise refused(
                f"The {where} of a NAMED template uses {{{{{bad[0]}}}}}: named parameters are lowercase "
                "letters, digits and underscores.",
                subcode=2388047,
            )
    elif any(not n.isdigit() for n in names):
        raise refused(
            f"The {where} uses named variables but parameter_format is POSITIONAL.", subcode=2388047
        )


def review_rejection(components: list[dict[str, object]]) -> str | None:
    """Why the review rejects the template (INVALID_FORMAT), or None: it is approved."""
    body = next((c for c in components if str(c.get("type")).upper() == "BODY"), {})
    text = str(body.get("text") or "").strip()
    if PLACEHOLDER.match(text) or re.search(r"\{\{\s*[A-Za-z0-9_]+\s*\}\}[.!?]?$", text):
        return "Variables can't be at the start or end of the template."
    variables = len(PLACEHOLDER.findall(text))
    words = len(PLACEHOLDER.sub(" ", text).split())
    if variables and words < WORDS_PER_VARIABLE * variables:
        return "This template has too many variables for its length."
    return None
