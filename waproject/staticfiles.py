"""Static files served by the application itself, with caching (WhiteNoise).

Scaled (and production): ``collectstatic`` writes every file under ``STATIC_ROOT`` with a
content hash in its name, plus gzip copies; pages link the hashed names, which are
cached for a year (``immutable``), so a deploy never mixes old and new scripts in a
browser. The embedded ``make run`` serves the apps' static folders directly (no
collectstatic step), cached for a minute.

Why WhiteNoise: the kept library for exactly this (hashed names, compression, caching
headers, HEAD and conditional requests), with no separate web server to configure for it.
Its middleware is synchronous only; under ASGI one sync-only middleware makes every
request hop to a thread and back, so :class:`StaticFilesMiddleware` adds the async path:
a dictionary lookup, and a thread only to open a file it serves.
"""

from __future__ import annotations

import warnings
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; the console's ES module imports (``import … from
    "./dom.js"``) are rewritten to the hashed names too, so a cached module never imports
    a newer or older sibling."""

    support_js_module_import_aggregation = True


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise as Django middleware, usable in the async (ASGI) chain as well."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any = None, **kwargs: Any) -> None:
        with warnings.catch_warnings():
            if settings.WHITENOISE_USE_FINDERS:  # no collectstatic output needed, nor expected
                warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
            super().__init__(get_response, **kwargs)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request: Any) -> Any:
        if self.autorefresh:
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve)(static_file, request)
        return await self.get_response(request)
