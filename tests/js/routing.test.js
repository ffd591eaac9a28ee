// routing.js: an offer's countdown (R2), who can be chosen for a transfer, a conference or
// a consultation (R4-R6), and who takes part in a conversation.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  availability,
  conferenceGuests,
  consultants,
  countdown,
  isConsultant,
  participation,
  targetKinds,
  viaText,
} from "../../console/static/console/routing.js";

/** @import { Offer, Participant } from "../../console/static/console/types.js" */

/** @param {Partial<Offer>} fields @returns {Offer} */
const offer = (fields) => ({ id: 1, interaction_id: 2, due_at: "2026-11-27T12:00:30Z", contact: { id: 3, display_name: "Lena" }, ...fields });
const NOW = Date.parse("2026-11-27T12:00:00Z");

describe("R2: the offer's countdown", () => {
  it("counts down to due_at on the server's clock", () => {
    const shown = countdown(offer({ created_at: "2026-11-27T11:59:30Z" }), NOW);
    assert.deepEqual(shown, { seconds: 30, text: "Accept within 30 s", width: "50.0%", urgent: false });
  });
  it("is urgent in the last five seconds and then says it redirects", () => {
    assert.equal(countdown(offer({}), NOW + 26000).urgent, true);
    assert.deepEqual(countdown(offer({}), NOW + 31000), { seconds: 0, text: "Time is up: redirecting…", width: "0.0%", urgent: true });
  });
  it("without created_at counts from now", () => {
    assert.equal(countdown(offer({}), NOW).width, "100.0%");
  });
});

describe("R4-R6: who can be chosen", () => {
  const ready = { id: 1, name: "Bob", is_ready: true, load: 1, capacity: 3, available: true };
  const full = { id: 2, name: "Cleo", is_ready: true, load: 3, capacity: 3, available: false };
  const away = { id: 3, name: "Dan", is_ready: false, load: 0, capacity: 3, available: false };
  it("a transfer needs an available agent", () => {
    assert.deepEqual(availability(ready, "transfer"), { ok: true, level: "ready", text: "Available · 1/3" });
    assert.deepEqual(availability(full, "transfer"), { ok: false, level: "away", text: "Not available: at capacity (3/3)" });
    assert.deepEqual(availability(away, "transfer"), { ok: false, level: "away", text: "Not available: Not Ready" });
  });
  it("a conference needs a Ready agent, even at capacity", () => {
    assert.equal(availability(full, "conference").ok, true);
    assert.equal(availability(away, "conference").ok, false);
  });
  it("anyone can be consulted", () => {
    assert.deepEqual(availability(away, "consult"), { ok: true, level: "away", text: "Not Ready (can still be consulted)" });
  });
});

describe("R4, R5b: the types of target offered", () => {
  it("a transfer offers every type; the server refuses those not configured", () => {
    assert.deepEqual(targetKinds("transfer", undefined), ["agents", "groups", "skills", "queues"]);
  });
  it("a conference offers agents, and groups and skills only when the server says so", () => {
    assert.deepEqual(targetKinds("conference", undefined), ["agents"]);
    assert.deepEqual(targetKinds("conference", ["agents"]), ["agents"]);
    assert.deepEqual(targetKinds("conference", ["agents", "groups", "skills"]), ["agents", "groups", "skills"]);
    assert.deepEqual(targetKinds("conference", ["skills"]), ["agents", "skills"]);
  });
  it("a consultation is with an agent", () => {
    assert.deepEqual(targetKinds("consult", ["agents", "groups", "skills"]), ["agents"]);
  });
  it("an invitation names the group or skill it came through", () => {
    assert.equal(viaText({ kind: "group", id: 1, name: "Sales" }), "via the agent group Sales");
    assert.equal(viaText({ kind: "skill", id: 2, name: "French" }), "via the skill French");
    assert.equal(viaText(null), "");
  });
});

describe("R5, R6: participants", () => {
  /** @type {Participant[]} */
  const participants = [
    { agent_id: 1, name: "Alice", kind: "conference", state: "joined" },
    { agent_id: 2, name: "Bob", kind: "conference", state: "invited" },
    { agent_id: 3, name: "Cleo", kind: "consultation", state: "joined" },
    { agent_id: 4, name: "Dan", kind: "consultation", state: "left" },
  ];
  it("says what each does, nothing for who left", () => {
    assert.deepEqual(participants.map(participation), ["in the conference", "invited to the conference", "consulted", ""]);
  });
  it("finds the guests and the consulted agents", () => {
    assert.deepEqual(conferenceGuests(participants, 9).map((p) => p.name), ["Alice"]);
    assert.deepEqual(conferenceGuests(participants, 1), []);
    assert.deepEqual(consultants(participants).map((p) => p.name), ["Cleo"]);
    assert.equal(isConsultant(participants[2], 3), true);
    assert.equal(isConsultant(participants[3], 4), false);
  });
});
