// R2, R4-R6: the routing rules the console shows, without the DOM (tests/js/): an offer's
// countdown, which transfer, conference or consultation targets can be chosen, and who
// takes part in a conversation.

import { fmt, gettext } from "./i18n.js";

/** @import { InvitationVia, Offer, Participant, TargetAgent } from "./types.js" */

/**
 * R2: an offer's countdown to its due_at, on the server's clock.
 * @param {Offer} offer
 * @param {number} now
 */
export function countdown(offer, now) {
  const due = Date.parse(offer.due_at);
  const created = Date.parse(offer.created_at || "") || now;
  const total = Math.max(due - created, 1000);
  const left = Math.max(0, due - now);
  const seconds = Math.ceil(left / 1000);
  return {
    seconds,
    text: left > 0 ? fmt(gettext("Accept within %(seconds)s s"), { seconds }) : gettext("Time is up: redirecting…"),
    width: `${Math.min(100, (left / total) * 100).toFixed(1)}%`,
    urgent: left < 5000,
  };
}

/** What a transfer, conference invitation or consultation asks of its target. */
/** @typedef {"transfer" | "conference" | "consult"} TargetMode */

/**
 * R4-R6: what an agent's state means for this kind of request: a transfer needs an
 * available agent (Ready, below capacity), a conference a Ready one; anyone can be consulted.
 * @param {TargetAgent} agent
 * @param {TargetMode | null} mode
 * @returns {{ ok: boolean, level: "ready" | "away", text: string }}
 */
export function availability(agent, mode) {
  const load = `${agent.load ?? 0}/${agent.capacity ?? 0}`;
  if (mode === "consult") {
    return agent.is_ready
      ? { ok: true, level: "ready", text: fmt(gettext("Ready · %(load)s"), { load }) }
      : { ok: true, level: "away", text: gettext("Not Ready (can still be consulted)") };
  }
  if (mode === "conference") {
    return agent.is_ready
      ? { ok: true, level: "ready", text: fmt(gettext("Ready · %(load)s"), { load }) }
      : { ok: false, level: "away", text: gettext("Not available: Not Ready") };
  }
  if (agent.available) return { ok: true, level: "ready", text: fmt(gettext("Available · %(load)s"), { load }) };
  return {
    ok: false,
    level: "away",
    text: agent.is_ready ? fmt(gettext("Not available: at capacity (%(load)s)"), { load }) : gettext("Not available: Not Ready"),
  };
}

/** The types of target, in the order the dialog lists them. */
const ALL_KINDS = ["agents", "groups", "skills", "queues"];

/**
 * R4, R5b: the types of target the dialog offers for a request: a transfer any (the server
 * refuses group, skill and queue when they are not configured, and the dialog says why), a
 * conference what the server allows (agents, and groups and skills once the routing queue
 * option names a queue: ``conference_kinds``), a consultation agents only.
 * @param {TargetMode | null} mode
 * @param {string[] | undefined} conferenceKinds
 * @returns {string[]}
 */
export function targetKinds(mode, conferenceKinds) {
  if (mode === "transfer") return ALL_KINDS;
  if (mode === "conference") return ALL_KINDS.filter((kind) => kind === "agents" || (conferenceKinds || []).includes(kind));
  return ["agents"];
}

/** R5b: "via the agent group Sales", "via the skill French" ("" when invited by name). @param {InvitationVia | null | undefined} via */
export function viaText(via) {
  if (!via) return "";
  return fmt(via.kind === "group" ? gettext("via the agent group %(name)s") : gettext("via the skill %(name)s"), { name: via.name });
}

/** @type {Record<string, string>} */
const PARTICIPATION = {
  "conference/invited": gettext("invited to the conference"),
  "conference/joined": gettext("in the conference"),
  "consultation/joined": "consulted",
};

/** R5, R6: what a participant does in the conversation ("" for one who left). @param {Participant} p */
export function participation(p) {
  return PARTICIPATION[`${p.kind}/${p.state}`] || "";
}

/** A participant joined as a consulted agent (R6). @param {Participant} participant @param {number} agentId */
export function isConsultant(participant, agentId) {
  return participant.agent_id === agentId && participant.kind === "consultation" && participant.state === "joined";
}

/** R5: the other agents in the conference. @param {Participant[]} participants @param {number} agentId */
export function conferenceGuests(participants, agentId) {
  return participants.filter((p) => p.kind === "conference" && p.state === "joined" && p.agent_id !== agentId);
}

/** R6: the agents consulted now. @param {Participant[]} participants */
export function consultants(participants) {
  return participants.filter((p) => p.kind === "consultation" && p.state === "joined");
}
