"""The web server: ``python -m waproject.serve [uvicorn's options] waproject.asgi:application``.

uvicorn, with every option of its command line, plus the request-header deadline it lacks
(``waproject.slowclients``): the HTTP protocol it is given is uvicorn's own (httptools,
else h11) with that deadline added. ``make run``, ``make run-scaled`` and the tests start
the server this way; ``python -m uvicorn`` still works, without the header deadline.
Its WebSockets compress each message on its own (``waproject.wsprotocol``): an idle
console socket keeps no zlib state.

With ``--workers N`` uvicorn's supervisor runs N server processes on one socket and starts
a new one when one dies.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from waproject.slowclients import TimedH11Protocol, TimedHttpToolsProtocol
from waproject.wsprotocol import lean_protocol


def timed_protocol(choice: Any) -> Any:
    """The header-deadline version of the protocol uvicorn's ``--http`` names."""
    if choice == "h11":
        return TimedH11Protocol
    if choice in ("auto", "httptools"):
        try:
            # Lazy: only probes whether the optional C parser is installed, as uvicorn does.
            import httptools  # noqa: F401
        except ImportError:  # uvicorn's "auto" falls back the same way
            if choice == "httptools":
                raise
            return TimedH11Protocol
        return TimedHttpToolsProtocol
    return choice  # a protocol class someone passed programmatically


def main(argv: list[str] | None = None) -> None:
    # The module, not the function the package re-exports under the same name.
    cli = importlib.import_module("uvicorn.main")
    run = cli.run

    def run_with_deadlines(app: Any, **kwargs: Any) -> None:
        kwargs["http"] = timed_protocol(kwargs.get("http", "auto"))
        kwargs["ws"] = lean_protocol(kwargs.get("ws", "auto"))
        run(app, **kwargs)

    cli.__dict__["run"] = run_with_deadlines  # the command below calls the module's run()
    cli.main.main(args=argv if argv is not None else sys.argv[1:], prog_name="waproject.serve")


if __name__ == "__main__":
    main()
