"""The peer webhook: pywa on FastAPI, the way its documentation sets a bot up.

It checks the X-Hub-Signature-256 with the app secret, parses each update into pywa's
types and calls the handler, which does nothing: unlike ours, nothing is stored before
the 200 (and nothing after). Run by ``bench/ingest.py --peer`` under one uvicorn worker:

    bench/.peer-venv/bin/uvicorn bench.peer.pywa_app:app --port 8001
"""

import os

from fastapi import FastAPI
from pywa import WhatsApp, types

app = FastAPI()
wa = WhatsApp(
    phone_id=os.environ.get("PEER_PHONE_NUMBER_ID", "100000000000777"),
    token="bench-token",
    server=app,
    webhook_endpoint="/webhooks/whatsapp/",
    verify_token="bench-verify-token",
    app_secret=os.environ.get("PEER_APP_SECRET", "bench-app-secret"),
    validate_updates=True,
)


@app.get("/healthz/")
def healthz() -> str:
    return "ok"


@wa.on_message()
def received(_client: WhatsApp, _message: types.Message) -> None:
    """A developer's handler would start here; the benchmark measures what comes before."""
