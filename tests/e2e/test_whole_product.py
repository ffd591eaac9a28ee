"""End to end, with real processes: the ASGI server (and, scaled, a Celery worker and beat
on Redis and PostgreSQL), the sandbox in place of Meta, real HTTP and WebSockets."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import websockets.exceptions

from tests.stack import console_socket, running_stack

pytestmark = pytest.mark.e2e


def run_async(coroutine: Any) -> Any:
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread for the whole session."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def wait_for(predicate: Callable[[], Any], *, seconds: float = 15, what: str = "condition") -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def stack():
    with running_stack(options={"whatsappsession.offer-accept-timeout": 5}) as running:
        yield running


def pending_offer(client: httpx.Client) -> dict | None:
    offers = client.get("/api/v1/agent/me/").json()["offers"]
    return offers[0] if offers else None


def test_a_conversation_through_the_sandbox(stack):
    alice = stack.client("alice")
    alice.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    stack.customer_says("Where is my parcel?", wa_id="4915200000001", name="Lena")
    offer = wait_for(lambda: pending_offer(alice), what="the offer")
    assert offer["first_message"]["body"] == "Where is my parcel?"
    assert offer["contact"]["profile_name"] == "Lena"
    interaction = alice.post(f"/api/v1/offers/{offer['id']}/accept/").json()
    sent = alice.post(
        f"/api/v1/interactions/{interaction['id']}/messages/", json={"type": "text", "body": "On its way!"}
    )
    assert sent.status_code == 201

    def status() -> str:
        messages = alice.get(f"/api/v1/interactions/{interaction['id']}/messages/").json()["messages"]
        return next(m["status"] for m in messages if m["id"] == sent.json()["id"])

    wait_for(lambda: status() == "delivered", what="delivered (worker sent it, sandbox posted statuses)")
    history = httpx.get(
        f"{stack.url}/sandbox/phone/api/history",
        params={"phone_number_id": stack.env["WHATSAPP_PHONE_NUMBER_ID"], "wa_id": "4915200000001"},
    ).json()
    assert [m["content"].get("body") for m in history["messages"]] == ["Where is my parcel?", "On its way!"]
    # the customer sees it: read
    httpx.post(
        f"{stack.url}/sandbox/phone/api/seen",
        json={"phone_number_id": stack.env["WHATSAPP_PHONE_NUMBER_ID"], "wa_id": "4915200000001"},
    ).raise_for_status()
    wait_for(lambda: status() == "read", what="read")
    done = alice.post(f"/api/v1/interactions/{interaction['id']}/done/", json={"disposition": "resolved"})
    assert done.json()["state"] == "closed"


def test_an_unanswered_offer_is_redirected_by_the_beat(stack):
    bob = stack.client("bob")
    alice = stack.client("alice")
    alice.post("/api/v1/agent/me/state/", json={"ready": False}).raise_for_status()
    bob.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    stack.customer_says("Hello?", wa_id="4915200000002")
    offer = wait_for(lambda: pending_offer(bob), what="bob's offer")
    alice.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    # nobody clicks: after the 5 s accept timeout the beat redirects it to alice
    redirected = wait_for(lambda: pending_offer(alice), seconds=20, what="the redirect")
    assert redirected["interaction_id"] == offer["interaction_id"]
    assert bob.get("/api/v1/agent/me/").json()["agent"]["is_ready"] is False  # no answer: Not Ready
    alice.post(f"/api/v1/offers/{redirected['id']}/reject/").raise_for_status()


def test_the_socket_pushes_a_customer_message_live(stack):
    alice = stack.client("alice")
    alice.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    stack.customer_says("First", wa_id="4915200000003")
    offer = wait_for(lambda: pending_offer(alice), what="the offer")
    interaction = alice.post(f"/api/v1/offers/{offer['id']}/accept/").json()
    frame = pushed_message(stack, alice, interaction["id"], "Second", wa_id="4915200000003")
    assert frame["message"]["body"] == "Second"
    assert frame["message"]["interaction_id"] == interaction["id"]


def pushed_message(stack, agent: httpx.Client, interaction_id: int, text: str, *, wa_id: str) -> dict:
    """The ``message.created`` frame the agent's console socket, subscribed to the
    interaction, gets when the customer writes ``text``."""

    async def listen() -> dict:
        async with console_socket(stack, agent) as socket:
            assert json.loads(await socket.recv())["type"] == "hello"
            await socket.send(json.dumps({"command": "subscribe", "interaction_ids": [interaction_id]}))
            assert json.loads(await socket.recv())["type"] == "subscribed"
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: stack.customer_says(text, wa_id=wa_id)
            )
            while True:
                frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
                if frame["type"] == "message.created":
                    return frame

    return run_async(listen())


def test_console_sockets_compress_each_message_on_its_own(stack):
    """Issue 14, target 5: permessage-deflate is agreed without context takeover either
    way, so an idle socket keeps no zlib state, and frames still travel both ways."""
    alice = stack.client("alice")

    async def talk() -> tuple[str, list[Any], list[str]]:
        async with console_socket(stack, alice) as socket:
            assert json.loads(await socket.recv())["type"] == "hello"
            answers = []
            for command in ("ping", "x" * 3000, "ping"):  # a long one: compressed both ways
                await socket.send(json.dumps({"command": command}))
                answers.append(json.loads(await asyncio.wait_for(socket.recv(), 10))["type"])
            assert socket.response is not None
            return socket.response.headers["Sec-WebSocket-Extensions"], socket.protocol.extensions, answers

    agreed, extensions, answers = run_async(talk())
    assert "permessage-deflate" in agreed
    assert "server_no_context_takeover" in agreed and "client_no_context_takeover" in agreed
    (deflate,) = extensions
    assert deflate.remote_no_context_takeover and deflate.local_no_context_takeover
    assert not hasattr(deflate, "encoder") and not hasattr(
        deflate, "decoder"
    )  # nothing kept between messages
    assert answers == ["pong", "error", "pong"]


def test_an_idle_console_socket_stays_open(stack):
    """Nothing happens for longer than the channel layer's blocking read (5 s): the socket
    must still be there, and still deliver."""
    alice = stack.client("alice")

    async def idle_then_ping() -> str:
        async with console_socket(stack, alice, ping_interval=None) as socket:
            assert json.loads(await socket.recv())["type"] == "hello"
            with pytest.raises(TimeoutError):
                frame = await asyncio.wait_for(socket.recv(), 12)  # idle: nothing may come…
                pytest.fail(f"unexpected frame while idle: {frame!s}")  # …and no close either
            await socket.send(json.dumps({"command": "ping"}))
            return json.loads(await asyncio.wait_for(socket.recv(), 5))["type"]

    assert run_async(idle_then_ping()) == "pong"


def test_an_anonymous_socket_is_refused(stack):
    async def attempt() -> None:
        async with console_socket(stack, None) as socket:
            await socket.recv()

    with pytest.raises(websockets.exceptions.WebSocketException):
        run_async(attempt())


def png(size=(320, 200)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_media_round_trip_through_the_sandbox(stack):
    """Agent image: uploaded, sent, delivered. Customer image: downloaded, stored, thumbnailed."""
    alice = stack.client("alice")
    alice.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    wa_id, number = "4915200000004", stack.env["WHATSAPP_PHONE_NUMBER_ID"]
    stack.customer_says("Can you send me the label?", wa_id=wa_id)
    offer = wait_for(lambda: pending_offer(alice), what="the offer")
    interaction = alice.post(f"/api/v1/offers/{offer['id']}/accept/").json()
    messages_url = f"/api/v1/interactions/{interaction['id']}/messages/"

    upload = alice.post("/api/v1/attachments/", files={"file": ("label.png", png(), "image/png")})
    assert upload.status_code == 201, upload.text
    sent = alice.post(
        messages_url, json={"type": "image", "attachment_id": upload.json()["id"], "body": "Here"}
    )
    assert sent.status_code == 201, sent.text

    def message(message_id: int) -> dict:
        return next(m for m in alice.get(messages_url).json()["messages"] if m["id"] == message_id)

    wait_for(lambda: message(sent.json()["id"])["status"] == "delivered", what="the image delivered")
    phone = httpx.get(
        f"{stack.url}/sandbox/phone/api/history", params={"phone_number_id": number, "wa_id": wa_id}
    )
    image = phone.json()["messages"][-1]
    assert image["type"] == "image" and image["content"]["caption"] == "Here"
    assert httpx.get(f"{stack.url}{image['media_url']}").content == png()

    media = httpx.post(
        f"{stack.url}/sandbox/phone/api/media",
        data={"phone_number_id": number},
        files={"file": ("holiday.png", png((1200, 900)), "image/png")},
    ).json()
    httpx.post(
        f"{stack.url}/sandbox/phone/api/send",
        json={
            "phone_number_id": number,
            "wa_id": wa_id,
            "type": "image",
            "image": {"id": media["id"], "caption": "Mine"},
        },
    ).raise_for_status()

    def stored_image() -> dict | None:
        for m in alice.get(messages_url).json()["messages"]:
            if m["direction"] == "in" and m["type"] == "image" and m["attachment"]["state"] == "stored":
                return m
        return None

    received = wait_for(stored_image, what="the customer's image downloaded")
    attachment = received["attachment"]
    assert (attachment["width"], attachment["height"]) == (1200, 900)
    assert alice.get(attachment["url"]).content == png((1200, 900))
    thumbnail = alice.get(attachment["thumbnail_url"])
    assert thumbnail.headers["content-type"] == "image/jpeg"
