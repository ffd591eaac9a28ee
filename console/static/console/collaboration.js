// R4 transfer, R5 conference, R6 consultation: the console's side of working together.
//
// - TargetDialog: one dialog for the three, as the source product has it ("click transfer
//   or conference, and select the type of target; click the magnifying glass to search by
//   name"): the type (agent, agent group, skill, queue — conferences and consultations are
//   with agents), a search, the targets (an agent who cannot take the conversation is
//   shown so and cannot be chosen), then Transfer / Invite / Consult. Refusals (the target
//   became unavailable, transfers or conferences not configured) are shown in the dialog.
// - Invitations: a conference invitation is a card like an offer (who invites, which
//   customer) with Accept / Decline; accepted, the conversation opens as a tab.
// - ConsultationPanel: the Consultation page of a tab's side panel, the agents' internal
//   chat about the conversation (never sent to the customer), live from consultation.*.
// - Consultations: a consulted agent gets the conversation as a read-only tab, from the
//   first consultation.message frame, and again after a reload (the resync finds it).

import { describeError } from "./composer.js";
import { debounce, el, fullTimeOf, initialOf, linkify, onSubmit, showStatus, timeOf, toDate } from "./dom.js";
import { icon } from "./icons.js";

const $ = (id) => document.getElementById(id);
const LINGER_MS = 6000;

// none: a search found nothing; empty: there is nothing of the kind at all.
const KINDS = {
  agents: { label: "Agents", field: "agent_id", none: "No agent matches", empty: "No other agents are set up yet." },
  groups: { label: "Agent groups", field: "group_id", none: "No agent group matches", empty: "No agent groups are defined yet." },
  skills: { label: "Skills", field: "skill_id", none: "No skill matches", empty: "No skills are defined yet." },
  queues: { label: "Queues", field: "queue_id", none: "No queue matches", empty: "No queues are defined yet." },
};

const MODES = {
  transfer: {
    title: (who) => `Transfer ${who}`,
    subtitle:
      "Instant transfer: the conversation leaves your console at once. An agent gets it as an offer; an agent group, a skill or a queue gets it through routing.",
    submit: "Transfer",
  },
  conference: {
    title: (who) => `Invite an agent to the conversation with ${who}`,
    subtitle: "Conference: when the agent accepts, you both see the conversation and write to the customer. Either of you can leave.",
    submit: "Invite",
  },
  consult: {
    title: (who) => `Consult an agent about ${who}`,
    subtitle:
      "Consultation: an internal chat with another agent, who can read the conversation but not write to the customer. The customer never sees it.",
    submit: "Consult",
  },
};

/** A participant joined as a consulted agent (R6). */
export function isConsultant(participant, agentId) {
  return participant.agent_id === agentId && participant.kind === "consultation" && participant.state === "joined";
}

// --- R4, R5, R6: choose the target ------------------------------------------------------------

export class TargetDialog {
  constructor(app) {
    this.app = app;
    this.api = app.api;
    this.dialog = $("target-dialog");
    this.form = $("target-form");
    this.search = $("target-search");
    this.submitButton = $("target-submit");
    this.tab = null;
    this.mode = null;
    this.kind = "agents";
    this.results = null;
    this.chosen = null; // { kind, id }
    this.undefinedKinds = new Set(); // kinds an unfiltered answer had none of
    this.seq = 0;
    this.busy = false;
    this.searchSoon = debounce(() => this.load(), 250);
    this.bind();
  }

  get isOpen() {
    return this.dialog.open;
  }

  bind() {
    onSubmit(this.form, this.form, () => this.submit());
    $("target-cancel").addEventListener("click", () => this.dialog.close());
    this.search.addEventListener("input", () => this.searchSoon());
    // Enter in the search searches (it never submits the transfer).
    this.search.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        this.searchSoon.cancel();
        this.load();
      }
    });
    $("target-search-go").addEventListener("click", () => {
      this.searchSoon.cancel();
      this.load();
    });
    for (const radio of this.form.querySelectorAll("input[name=kind]")) {
      radio.addEventListener("change", () => {
        if (!radio.checked) return;
        this.kind = radio.value;
        this.render();
      });
    }
    $("target-results").addEventListener("change", (event) => {
      if (event.target.name !== "target") return;
      this.chosen = { kind: this.kind, id: Number(event.target.value) };
      this.problem(null);
      this.updateSubmit();
    });
    $("target-message").addEventListener("input", () => this.updateSubmit());
    this.dialog.addEventListener("close", () => {
      this.seq += 1;
      this.searchSoon.cancel();
      const { tab, mode } = this;
      this.tab = null;
      this.mode = null;
      const active = document.activeElement;
      const free = !active || active === document.body || this.dialog.contains(active);
      if (tab && free && this.app.tabs.has(tab.id) && !tab.refs[mode].hidden) tab.refs[mode].focus();
    });
  }

  /** mode: "transfer" (R4), "conference" (R5) or "consult" (R6). */
  open(tab, mode) {
    if (this.isOpen) this.dialog.close();
    const spec = MODES[mode];
    this.tab = tab;
    this.mode = mode;
    this.kind = "agents";
    this.results = null;
    this.chosen = null;
    this.busy = false;
    this.dialog.dataset.mode = mode;
    $("target-title").textContent = spec.title(tab.contact.display_name || "the customer");
    $("target-subtitle").textContent = spec.subtitle;
    $("target-kinds").hidden = mode !== "transfer";
    for (const radio of this.form.querySelectorAll("input[name=kind]")) radio.checked = radio.value === "agents";
    $("target-search-label").textContent = mode === "transfer" ? "Search by name" : "Search agents by name";
    $("target-message-row").hidden = mode !== "consult";
    $("target-message").value = "";
    this.search.value = "";
    $("target-results").replaceChildren();
    this.status("");
    this.problem(null);
    this.updateSubmit();
    this.dialog.showModal();
    this.search.focus();
    this.load();
  }

  /** The conversation is leaving the console: its dialog goes with it. */
  tabClosed(tab) {
    if (this.isOpen && this.tab === tab) this.dialog.close();
  }

  async load() {
    const seq = ++this.seq;
    const query = this.search.value.trim();
    this.status(query ? "Searching…" : "Loading…");
    try {
      const data = await this.api.get(`transfer-targets/?search=${encodeURIComponent(query)}`);
      if (seq !== this.seq) return;
      this.results = data;
      if (!query) {
        for (const kind of Object.keys(KINDS)) {
          if ((data[kind] || []).length) this.undefinedKinds.delete(kind);
          else this.undefinedKinds.add(kind);
        }
      }
      this.app.rememberAgents(data.agents || []);
      this.render();
    } catch (error) {
      if (seq !== this.seq) return;
      this.results = null;
      $("target-results").replaceChildren();
      this.status(`Could not search: ${describeError(error)}`, true);
      this.updateSubmit();
    }
  }

  render() {
    const kind = KINDS[this.kind];
    const query = this.search.value.trim();
    $("target-results-legend").textContent = kind.label;
    const items = (this.results && this.results[this.kind]) || [];
    $("target-results").replaceChildren(...items.map((target) => this.item(target)));
    if (!this.results) this.status("");
    else if (!items.length && (!query || this.undefinedKinds.has(this.kind))) this.status(kind.empty);
    else if (!items.length) this.status(`${kind.none} “${query}”.`);
    else this.status(`${items.length} found`);
    this.updateSubmit();
  }

  /** What an agent's state means for this kind of request. */
  availability(agent) {
    const load = `${agent.load ?? 0}/${agent.capacity ?? 0}`;
    if (this.mode === "consult") {
      return agent.is_ready
        ? { ok: true, level: "ready", text: `Ready · ${load}` }
        : { ok: true, level: "away", text: "Not Ready (can still be consulted)" };
    }
    if (this.mode === "conference") {
      return agent.is_ready
        ? { ok: true, level: "ready", text: `Ready · ${load}` }
        : { ok: false, level: "away", text: "Not available: Not Ready" };
    }
    if (agent.available) return { ok: true, level: "ready", text: `Available · ${load}` };
    return {
      ok: false,
      level: "away",
      text: agent.is_ready ? `Not available: at capacity (${load})` : "Not available: Not Ready",
    };
  }

  item(target) {
    const agent = this.kind === "agents";
    const state = agent ? this.availability(target) : { ok: true, level: "", text: "" };
    const id = `target-${this.kind}-${target.id}`;
    const input = el("input", {
      type: "radio",
      name: "target",
      id,
      value: String(target.id),
      disabled: !state.ok,
      "aria-describedby": state.text ? `${id}-state` : null,
    });
    input.checked = Boolean(state.ok && this.chosen && this.chosen.kind === this.kind && this.chosen.id === target.id);
    return el(
      "li",
      {
        class: `target${state.ok ? "" : " target--unavailable"}`,
        dataset: { targetId: String(target.id), kind: this.kind, available: String(state.ok) },
      },
      el(
        "label",
        { for: id, class: "target-label" },
        input,
        el("span", { class: "avatar avatar--small", "aria-hidden": "true", text: initialOf(target.name) }),
        el(
          "span",
          { class: "target-main" },
          el("span", { class: "target-name", text: target.name }),
          agent && target.username && target.username !== target.name
            ? el("span", { class: "target-sub muted", text: `@${target.username}` })
            : null,
        ),
      ),
      state.text ? el("span", { class: `target-state target-state--${state.level}`, id: `${id}-state`, text: state.text }) : null,
    );
  }

  /** The chosen target, if it is still listed and can be chosen. */
  selected() {
    // Only a target of the type shown (one chosen under another type is not sent).
    if (!this.chosen || !this.results || this.chosen.kind !== this.kind) return null;
    const target = (this.results[this.chosen.kind] || []).find((t) => t.id === this.chosen.id);
    if (!target) return null;
    if (this.chosen.kind === "agents" && !this.availability(target).ok) return null;
    return target;
  }

  updateSubmit() {
    const mode = this.mode ? MODES[this.mode] : MODES.transfer;
    const needsText = this.mode === "consult" && !$("target-message").value.trim();
    this.submitButton.disabled = this.busy || !this.selected() || needsText;
    this.submitButton.textContent = this.busy ? `${mode.submit}…` : mode.submit;
  }

  async submit() {
    const { tab, mode } = this;
    const target = this.selected();
    if (!tab || !target || this.submitButton.disabled) return;
    const kind = this.chosen.kind;
    this.busy = true;
    this.problem(null);
    this.updateSubmit();
    const app = this.app;
    const who = tab.contact.display_name || "The conversation";
    try {
      if (mode === "transfer") {
        await this.api.post(`interactions/${tab.id}/transfer/`, { [KINDS[kind].field]: target.id });
        this.dialog.close();
        const said = `${who} was transferred to ${target.name}.`;
        // The interaction.closed frame may have closed the tab already.
        if (app.tabs.has(tab.id)) app.closeTab(tab.id, said);
        else app.toast(said);
        app.announce(said);
        app.resyncSoon();
      } else if (mode === "conference") {
        await this.api.post(`interactions/${tab.id}/conference/`, { agent_id: target.id });
        this.dialog.close();
        app.toast(`${target.name} is invited: the conversation opens in their console when they accept.`);
        tab.refreshParticipants();
      } else {
        const body = $("target-message").value.trim();
        const message = await this.api.post(`interactions/${tab.id}/consultation/`, { agent_id: target.id, body });
        this.dialog.close();
        tab.consultation.started(target, message);
      }
    } catch (error) {
      if (this.tab !== tab) return;
      this.problem(error);
      // Who can take it now (the agent went Not Ready or filled up meanwhile).
      if (error.code === "target_unavailable") this.load();
    } finally {
      this.busy = false;
      if (this.tab === tab) this.updateSubmit();
    }
  }

  status(text, error = false) {
    showStatus($("target-status"), text, error);
  }

  problem(error) {
    const box = $("target-error");
    box.hidden = !error;
    box.replaceChildren();
    delete box.dataset.code;
    if (!error) return;
    box.dataset.code = error.code || "";
    box.append(icon("alert"), el("span", { text: describeError(error) }));
  }
}

// --- R5: conference invitations ------------------------------------------------------------------

export class Invitations {
  constructor(app) {
    this.app = app;
    this.api = app.api;
    this.root = $("invitation-list");
    this.section = $("invitations");
    this.cards = new Map(); // invitation id → { frame, node, refs, state }
  }

  /** A conference.invited frame. */
  add(frame) {
    const id = frame.invitation_id;
    if (!id || this.cards.has(id)) return;
    const card = this.build(frame);
    this.cards.set(id, card);
    this.root.prepend(card.node);
    this.section.hidden = false;
    const contact = (frame.interaction && frame.interaction.contact) || {};
    this.app.announce(`${frame.inviter || "An agent"} invites you to a conference with ${contact.display_name || "a customer"}`);
  }

  build(frame) {
    const interaction = frame.interaction || {};
    const contact = interaction.contact || {};
    const name = contact.display_name || "Customer";
    const inviter = frame.inviter || "An agent";
    const titleId = `invitation-title-${frame.invitation_id}`;
    const refs = {};
    refs.error = el("div", { class: "offer-error", role: "alert", hidden: true });
    refs.status = el("div", { class: "offer-status", hidden: true });
    refs.accept = el("button", {
      type: "button",
      class: "btn btn--primary",
      text: "Accept",
      "aria-label": `Accept the conference with ${name}`,
      onclick: () => this.answer(frame.invitation_id, true),
    });
    refs.decline = el("button", {
      type: "button",
      class: "btn",
      text: "Decline",
      "aria-label": `Decline the conference with ${name}`,
      onclick: () => this.answer(frame.invitation_id, false),
    });
    refs.actions = el("div", { class: "offer-actions" }, refs.decline, refs.accept);
    const node = el(
      "article",
      {
        class: "offer invitation",
        "aria-labelledby": titleId,
        dataset: { invitationId: String(frame.invitation_id), interactionId: String(interaction.id || "") },
      },
      el(
        "header",
        { class: "offer-head" },
        el("span", { class: "avatar avatar--small", "aria-hidden": "true", text: initialOf(name) }),
        el(
          "div",
          { class: "offer-who" },
          el("h3", { id: titleId, class: "offer-name", text: name }),
          el(
            "div",
            { class: "offer-sub muted" },
            contact.profile_name && contact.profile_name !== name
              ? el("span", { class: "offer-profile", text: `~${contact.profile_name}` })
              : null,
            contact.wa_id ? el("span", { text: `+${contact.wa_id}` }) : null,
          ),
        ),
        el("span", { class: "offer-queue invitation-kind" }, icon("users"), "Conference"),
      ),
      el(
        "p",
        { class: "invitation-from" },
        el("strong", { class: "invitation-inviter", text: inviter }),
        " invites you to join this conversation: you both see it and write to the customer.",
      ),
      refs.error,
      refs.status,
      refs.actions,
    );
    return { frame, node, refs, state: "pending" };
  }

  async answer(id, accept) {
    const card = this.cards.get(id);
    if (!card || card.state !== "pending") return;
    this.busy(card, true);
    card.refs.error.hidden = true;
    try {
      const answer = await this.api.post(`conference-invitations/${id}/${accept ? "accept" : "decline"}/`, {});
      if (!accept) {
        this.close(id, "Declined");
        return;
      }
      this.remove(id);
      const interactionId = answer.interaction_id || (card.frame.interaction && card.frame.interaction.id);
      const contact = (card.frame.interaction && card.frame.interaction.contact) || {};
      try {
        const detail = await this.api.get(`interactions/${interactionId}/console/`);
        this.app.openTab(detail, { activate: true, focus: true });
      } catch {
        // The interaction.assigned frame and the resync open it.
      }
      this.app.announce(`You joined the conversation with ${contact.display_name || "the customer"}`);
      this.app.resyncSoon();
    } catch (error) {
      this.busy(card, false);
      card.refs.error.hidden = false;
      card.refs.error.textContent = describeError(error);
      // Already answered, the conversation ended, the invitation is gone: it cannot be taken.
      // (At capacity, it can: finish a conversation and accept again.)
      if (error.code !== "at_capacity" && [403, 404, 409].includes(error.status)) this.close(id, "No longer available");
    }
  }

  busy(card, on) {
    card.refs.accept.disabled = on;
    card.refs.decline.disabled = on;
  }

  close(id, reason) {
    const card = this.cards.get(id);
    if (!card || card.state !== "pending") return;
    card.state = "closed";
    card.node.classList.add("offer--closed");
    card.node.dataset.state = reason;
    card.refs.actions.hidden = true;
    card.refs.status.hidden = false;
    card.refs.status.textContent = reason;
    setTimeout(() => this.remove(id), LINGER_MS);
  }

  remove(id) {
    const card = this.cards.get(id);
    if (!card) return;
    card.node.remove();
    this.cards.delete(id);
    if (!this.cards.size) this.section.hidden = true;
  }
}

// --- R6: the Consultation page of a tab ------------------------------------------------------------

export class ConsultationPanel {
  /** tab: the InteractionTab (its refs, api, app, can(action), part). */
  constructor(tab) {
    this.tab = tab;
    this.app = tab.app;
    this.api = tab.api;
    this.refs = tab.refs;
    this.messages = new Map();
    this.consultants = []; // participants consulted now
    this.loaded = false;
    this.unread = 0;
    this.sending = false;
    this.ended = false;
    this.bind();
  }

  /** A consultation is going on (someone is consulted about this conversation). */
  get live() {
    return this.consultants.length > 0;
  }

  bind() {
    const { consultForm, consultText, consultEnd, consultLeave } = this.refs;
    onSubmit(consultForm, consultText, () => this.send());
    consultEnd.addEventListener("click", () => this.end());
    consultLeave.addEventListener("click", () => this.end());
  }

  /** Everything said so far (GET consultation/); also the catch-up after a reconnect. */
  async load() {
    try {
      const data = await this.api.get(`interactions/${this.tab.id}/consultation/`);
      this.loaded = true;
      this.receive(data.messages || [], { live: false });
    } catch (error) {
      if (error.status === 403 || error.status === 404) return; // not ours to see (a conference guest)
      this.status(`Could not load the consultation: ${describeError(error)}`, true);
    }
  }

  catchUp() {
    return this.live || this.messages.size ? this.load() : Promise.resolve();
  }

  /** Who is in the conversation (GET console/, participants.changed). */
  setParticipants(participants) {
    this.consultants = participants.filter((p) => p.kind === "consultation" && p.state === "joined");
    if (this.live) this.ended = false;
    this.render();
  }

  /** The agent consulted someone (the dialog's answer: the first message). */
  started(target, message) {
    this.ended = false;
    if (!this.consultants.some((p) => p.agent_id === target.id)) {
      this.consultants = [...this.consultants, { agent_id: target.id, name: target.name, kind: "consultation", state: "joined" }];
    }
    this.receive([message], { live: false });
    this.tab.showSidePage("consult");
    this.app.announce(`Consultation with ${target.name} started`);
    this.tab.refreshParticipants();
  }

  /** consultation.message frames, the POST answers, GET pages: merged by id. */
  receive(messages, { live = true } = {}) {
    const me = this.app.agent.id;
    let fromOthers = 0;
    for (const message of messages) {
      if (message.interaction_id !== undefined && message.interaction_id !== this.tab.id) continue;
      if (!this.messages.has(message.id) && message.author_id !== me) fromOthers += 1;
      this.messages.set(message.id, message);
    }
    if (live && fromOthers) {
      const last = messages[messages.length - 1];
      if (!this.shown()) this.unread += fromOthers;
      this.app.announce(`Consultation: ${last.author_name || "an agent"} wrote: ${last.body}`);
      this.tab.renderListItem();
    }
    this.render();
  }

  shown() {
    return this.tab.isSeen() && !this.refs.side.hidden && !this.refs.sideConsult.hidden;
  }

  /** The page is shown: unread goes. */
  seen() {
    if (!this.unread) return;
    this.unread = 0;
    this.render();
    this.tab.renderListItem();
  }

  render() {
    const { sideTabConsult, consultMessages, consultWith, consultForm, consultEnd, consultUnread } = this.refs;
    const me = this.app.agent.id;
    const consultant = this.tab.part === "consultation";
    sideTabConsult.hidden = !(this.live || this.messages.size || consultant);
    consultUnread.hidden = this.unread === 0;
    consultUnread.textContent = String(this.unread);
    consultUnread.setAttribute("aria-label", `${this.unread} unread`);
    const ordered = [...this.messages.values()].sort((a, b) => a.id - b.id);
    consultMessages.replaceChildren(
      ...ordered.map((m) => {
        const mine = m.author_id === me;
        const at = toDate(m.created_at);
        return el(
          "li",
          { class: `consult-msg${mine ? " consult-msg--mine" : ""}`, dataset: { consultationMessageId: String(m.id) } },
          el(
            "div",
            { class: "consult-meta" },
            el("strong", { class: "consult-author", text: mine ? "You" : m.author_name || "Agent" }),
            " · ",
            el("time", { datetime: m.created_at || "", title: fullTimeOf(at), text: timeOf(at) }),
          ),
          el("div", { class: "consult-body" }, linkify(m.body)),
        );
      }),
    );
    consultMessages.scrollTop = consultMessages.scrollHeight;
    consultForm.hidden = !this.tab.can("consultation");
    consultEnd.hidden = !this.tab.can("end_consultation");
    if (consultant) {
      const owner = this.app.agentName(this.tab.summary.owner_id) || this.firstAuthor() || "The agent";
      consultWith.textContent = `${owner} consults you about this conversation. You can read it; answer here.`;
    } else if (this.live) {
      consultWith.textContent = `With ${this.consultants.map((p) => p.name).join(", ")}: they can read this conversation while consulted.`;
    } else {
      consultWith.textContent = this.messages.size ? "The consultation ended. Consult again to ask someone." : "";
    }
  }

  firstAuthor() {
    const owner = this.tab.summary.owner_id;
    for (const m of this.messages.values()) if (m.author_id === owner) return m.author_name;
    return "";
  }

  async send() {
    const field = this.refs.consultText;
    const body = field.value.trim();
    if (!body || this.sending) {
      if (!body) this.formStatus("Write the message first", true);
      return;
    }
    this.sending = true;
    this.refs.consultSend.disabled = true;
    this.formStatus("Sending…");
    try {
      const message = await this.api.post(`interactions/${this.tab.id}/consultation/`, { body });
      if (field.value.trim() === body) field.value = "";
      this.receive([message], { live: false });
      this.formStatus("");
    } catch (error) {
      this.formStatus(describeError(error), true);
    } finally {
      this.sending = false;
      this.refs.consultSend.disabled = false;
      field.focus();
    }
  }

  /** End consultation: the owner ends it for everyone; a consulted agent leaves it. */
  async end() {
    const consultant = this.tab.can("leave_consultation");
    const button = consultant ? this.refs.consultLeave : this.refs.consultEnd;
    button.disabled = true;
    try {
      await this.api.post(`interactions/${this.tab.id}/consultation/end/`, {});
      if (consultant) {
        this.app.closeTab(this.tab.id, `You left the consultation about ${this.tab.contact.display_name || "the customer"}.`);
        return;
      }
      this.consultants = [];
      this.ended = true;
      this.render();
      this.app.announce("The consultation ended");
      this.tab.refreshParticipants();
    } catch (error) {
      if (consultant) this.app.toast(`Could not end the consultation: ${describeError(error)}`);
      else this.formStatus(describeError(error), true);
    } finally {
      button.disabled = false;
    }
  }

  /** consultation.ended: the consulted agent's tab goes; the owner's page says so. */
  endedByFrame() {
    if (this.tab.part === "consultation") {
      this.app.closeTab(this.tab.id, `The consultation about ${this.tab.contact.display_name || "the customer"} ended.`);
      return;
    }
    this.tab.refreshParticipants();
  }

  status(text, error = false) {
    showStatus(this.refs.consultStatus, text, error);
  }

  formStatus(text, error = false) {
    const node = this.refs.consultFormStatus;
    node.textContent = text;
    node.classList.toggle("form-status--error", error);
  }
}

// --- R6: the consulted agent's side ---------------------------------------------------------------

export class Consultations {
  constructor(app) {
    this.app = app;
    this.api = app.api;
    this.opening = new Set();
    this.checked = new Set(); // interactions found not to be consultations of ours
  }

  /** After a reconnect everything is looked at again. */
  reset() {
    this.checked.clear();
  }

  /**
   * A consultation message about a conversation that has no tab here: this agent is
   * consulted. The conversation opens read only (GET console/ says whether we are in it).
   */
  async open(interactionId, { from = "" } = {}) {
    const id = Number(interactionId);
    if (this.opening.has(id) || this.app.tabs.has(id)) return;
    this.opening.add(id);
    try {
      const detail = await this.api.get(`interactions/${id}/console/`);
      const me = this.app.agent.id;
      if (!(detail.participants || []).some((p) => isConsultant(p, me)) || this.app.tabs.has(id)) return;
      this.app.openTab(detail, { consulted: true });
      const who = (detail.contact && detail.contact.display_name) || "a customer";
      const said = `${from || "An agent"} consults you about ${who}: the conversation is open, read only.`;
      this.app.toast(said);
      this.app.announce(said);
    } catch {
      // Not ours (any more): nothing to show.
    } finally {
      this.opening.delete(id);
    }
  }

  /**
   * The resync: the agent's consultations are the active interactions they may see but
   * neither own nor share in a conference. One that is gone (ended, or the conversation
   * closed) leaves the console; one not shown yet (after a reload) opens.
   */
  async sync({ requestedAt, owned }) {
    const data = await this.api.get("interactions/?state=active");
    const visible = new Set((data.results || []).map((i) => i.id));
    for (const [id, tab] of this.app.tabs) {
      if (tab.consulted && !owned.has(id) && !visible.has(id) && tab.openedAt < requestedAt) {
        this.app.closeTab(id, `The consultation about ${tab.contact.display_name || "the customer"} ended.`);
      }
    }
    for (const id of visible) {
      if (owned.has(id) || this.app.tabs.has(id) || this.checked.has(id)) continue;
      this.checked.add(id);
      await this.open(id);
    }
  }
}
