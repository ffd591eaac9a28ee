"""The checks every filtered read shares, whether its filters come from a query string
(REST) or from a socket command: an unknown name, a name given twice and an id of a row
that does not exist are refused (400, naming the filter), so that a typo does not answer
with an unfiltered or an empty result that looks like a true one."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from django.db.models import Model
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext

from conversations.exceptions import DomainError


def bad_filter(name: str, message: str) -> DomainError:
    """A filter of the wrong shape: 400 ``invalid``, the message and ``fields`` naming it."""
    return DomainError(f"{name}: {message}", code="invalid", fields={name: [message]})


def filter_names_check(
    params: Mapping[str, object], accepted: Sequence[str], *, unknown: str, tolerated: Collection[str] = ()
) -> None:
    """Refuse a name that is neither ``accepted`` nor ``tolerated`` (what DRF itself reads,
    like ``format``), and, in a query string, a name given more than once (Django's
    ``QueryDict.get`` would silently take the last). ``unknown`` is the translated refusal,
    with ``%(names)s`` for the accepted names."""
    names = sorted(set(params) - set(accepted) - set(tolerated))
    if names:
        raise bad_filter(names[0], unknown % {"names": ", ".join(accepted)})
    if isinstance(params, MultiValueDict):
        for name in params:
            count = len(params.getlist(name))
            if count > 1:
                raise bad_filter(
                    name, gettext("given %(count)s times; give each filter once") % {"count": count}
                )


def rows_exist_check(ids: Iterable[tuple[str, type[Model], int | None]]) -> None:
    """Refuse an id filter (name, model, id) whose row does not exist: a rule of the rows,
    not of the input's shape, so a 400 without ``fields``."""
    for name, model, value in ids:
        if value is not None and not model._default_manager.filter(pk=value).exists():
            raise DomainError(
                gettext("%(name)s: %(model)s %(value)s does not exist")
                % {"name": name, "model": model._meta.verbose_name, "value": value},
                code="invalid",
            )
