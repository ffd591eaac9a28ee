// One interaction tab: its entry in the conversation list (tab-item.js), and its panel with
// the transcript, the composer, the pending response indicator (W5), the window state (O1),
// the side panel (W11) with the Standard Response Library (T1) and the consultation (R6),
// and the ways to the Notification editor (T2-T4), transfers (R4), conferences (R5),
// consultations (R6), the workbins (R7), a known contact (R8) and a new conversation (O3).
// Catching up with the server is tab-sync.js's.
//
// What the tab offers is what the server says its agent may do (the interaction's
// ``actions``, DESIGN invariant 8): an owner or a supervisor has the owner's actions, a
// conference guest writes and can leave, a consulted agent reads it only (the composer
// says why) and answers in the consultation. The agent's ``part`` only labels the tab.

import { ConsultationPanel } from "./consultation.js";
import { pendingLevel, reopenedBy, thresholds, windowState } from "./conversation.js";
import { refsOf } from "./dom.js";
import { describeError } from "./errors.js";
import { debounce, elapsed, toDate } from "./format.js";
import { isOlderContact } from "./identity.js";
import { ResponsesPanel, ShortcutSuggest } from "./library.js";
import { summaryOf } from "./messages.js";
import { leaveConference, renderParticipants } from "./participants.js";
import { conferenceGuests, participation } from "./routing.js";
import { ConversationHeader } from "./tab-header.js";
import { TabListItem } from "./tab-item.js";
import { composerFor, panelFor, sidePanelFor, transcriptFor } from "./tab-parts.js";
import { TAB_REFS } from "./tab-refs.js";
import { TranscriptSync } from "./tab-sync.js";
import { fmt, gettext, ngettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { Action, Intervention, Contact, Interaction, InteractionSummary, Message, Participant, Part, StandardResponse, TranscriptPage } from "./types.js" */
/** @import { TabRefs } from "./tab-refs.js" */

/** The agent's typing is posted at most this often (the server throttles per interaction). */
const TYPING_POST_EVERY = 3000;
const READ_ONLY =
  gettext("Consultation: read only. You can read this conversation but not write to the customer; answer in the consultation (internal, never sent to the customer).");
const READ_ONLY_OTHER = gettext("Read only: you can read this conversation but not write to the customer.");
/** The tab's action buttons (refs) and the action of the interaction's ``actions`` each needs. @type {[keyof TabRefs & ("transfer" | "conference" | "consult" | "park" | "leave" | "consultLeave" | "done"), Action][]} */
const ACTION_BUTTONS = [
  ["transfer", "transfer"],
  ["conference", "conference"],
  ["consult", "consult"],
  ["park", "park"],
  ["leave", "leave_conference"],
  ["consultLeave", "leave_consultation"],
  ["done", "done"],
];
/** S2: the supervisor's intervention buttons (refs) and the intervention each needs. @type {[keyof TabRefs & ("bargeIn" | "takeOver" | "move"), Intervention][]} */
const INTERVENTION_BUTTONS = [
  ["bargeIn", "barge_in"],
  ["takeOver", "take_over"],
  ["move", "move"],
];

export class InteractionTab {
  /**
   * @param {ConsoleApp} app
   * @param {InteractionSummary} summary
   * @param {{ consulted?: boolean }} [how] consulted: opened for a consultation (R6): read only, kept while it lasts
   */
  constructor(app, summary, { consulted = false } = {}) {
    this.app = app;
    this.consulted = consulted;
    /** @type {Participant[]} */
    this.participants = [];
    this.api = app.api;
    this.id = summary.id;
    /** @type {InteractionSummary} */
    this.summary = summary;
    /** @type {Contact} */
    this.contact = summary.contact || { id: 0, display_name: "" };
    /** @type {Interaction | null} */
    this.detail = null;
    this.awaitingSince = toDate(summary.awaiting_reply_since);
    this.lastSentAt = 0;
    this.openedAt = app.now();
    this.unread = 0;
    this.lastReadPosted = 0;
    this.typingPosted = 0;
    this.active = false;
    /** When the last frame brought the summary, participants or this agent's actions (0: none yet). */
    this.summaryFrameAt = 0;
    this.participantsFrameAt = 0;
    this.viewerFrameAt = 0;
    /** The owner whose name was asked for (once per owner). @type {number | null} */
    this.askedOwner = null;
    /** @type {ResizeObserver | null} */
    this.composerSize = null;
    this.markReadSoon = debounce(() => this.markRead(), 600);
    this.item = new TabListItem(this.id, () => this.app.activate(this.id, { focus: true }));
    this.button = this.item.button;
    this.panel = panelFor(this.id);
    this.refs = refsOf(this.panel, TAB_REFS);
    this.header = new ConversationHeader(this.refs);
    this.transcript = transcriptFor(this);
    this.sync = new TranscriptSync(this);
    // T1: before the composer, so that its keydown (capture) runs first: Enter inserts.
    this.suggest = new ShortcutSuggest(this.refs.text, this.refs.suggest, {
      library: app.library,
      idPrefix: `panel-${this.id}`,
      onPick: (response, range) => this.insertResponse(response, range),
      announce: (text) => app.announce(text),
    });
    this.composer = composerFor(this);
    this.responses = new ResponsesPanel(this.refs, {
      library: app.library,
      onInsert: (response) => this.insertResponse(response),
    });
    this.side = sidePanelFor(this);
    this.consultation = new ConsultationPanel(this);
    this.bind();
    this.renderHeader();
    this.applyActions();
    this.tick(app.now());
  }

  // --- construction ---------------------------------------------------------------------

  bind() {
    const { refs, app } = this;
    refs.done.addEventListener("click", () => app.done.open(this));
    refs.park.addEventListener("click", () => app.workbins.mover.open(this));
    refs.transfer.addEventListener("click", () => app.targets.open(this, "transfer"));
    refs.conference.addEventListener("click", () => app.targets.open(this, "conference"));
    refs.consult.addEventListener("click", () => app.targets.open(this, "consult"));
    refs.leave.addEventListener("click", () => leaveConference(this));
    refs.bargeIn.addEventListener("click", () => this.intervene("barge_in"));
    refs.takeOver.addEventListener("click", () => this.intervene("take_over"));
    refs.move.addEventListener("click", () => this.intervene("move"));
    refs.templatesButton.addEventListener("click", () => app.notifications.openForTab(this));
    refs.responsesButton.addEventListener("click", () => this.showResponses());
    refs.scroller.addEventListener("scroll", () => {
      if (this.transcript.pinned) this.markReadSoon();
    });
    refs.reload.addEventListener("click", () => this.load());
    if (window.ResizeObserver) {
      this.composerSize = new ResizeObserver(() => {
        this.panel.style.setProperty("--composer-h", `${refs.composerArea.offsetHeight}px`);
      });
      this.composerSize.observe(refs.composerArea);
    }
    // A consulted agent comes for the consultation: its page first.
    if (this.consulted) this.side.showPage("consult");
  }

  /** T1: the Responses page of the side panel, its search focused. */
  showResponses() {
    this.side.open("responses");
    this.refs.responseSearch.focus();
    this.refs.responseSearch.select();
  }

  /**
   * T1: a standard response: its text and files into the composer, or its Notification opened.
   * @param {StandardResponse} response
   * @param {{ start: number, end: number } | null} [range] the "/shortcut" it replaces
   */
  insertResponse(response, range = null) {
    if (response.notification_template_id) {
      if (range) {
        this.refs.text.setRangeText("", range.start, range.end, "end");
        this.composer.update();
      }
      this.app.notifications.openForTab(this, { templateId: response.notification_template_id });
      return;
    }
    this.composer.insertResponse(response, range);
    const files = (response.attachments || []).length;
    this.app.announce(
      files
        ? fmt(ngettext("%(name)s inserted, with %(count)s file sent after the text", "%(name)s inserted, with %(count)s files sent after the text", files), { name: response.name, count: files })
        : fmt(gettext("%(name)s inserted"), { name: response.name }),
    );
  }

  // --- loading and catching up (tab-sync.js) -------------------------------------------------

  /** The conversation, its transcript and what happened since (tab-sync.js). */
  load() {
    return this.sync.load();
  }

  /** The id the catch-up starts after (the browser tests read it). */
  get syncedId() {
    return this.sync.syncedId;
  }

  catchUp() {
    return this.sync.catchUp();
  }

  /**
   * Messages from anywhere (POST answer, frame, catch-up, refetch).
   * @param {Message[]} messages
   * @param {{ refetching?: boolean, updated?: boolean }} [how]
   */
  receive(messages, { refetching = false, updated = false } = {}) {
    const mine = messages.filter((m) => m.interaction_id === this.id || this.transcript.messages.has(m.id));
    if (!mine.length) return;
    const added = this.transcript.merge(mine, { live: true });
    if (!refetching) this.sync.lacking(mine, { updated });
    for (const message of added) {
      if (message.direction !== "in" || message.interaction_id !== this.id) continue;
      // W5: the pending response indicator starts with a customer message.
      // (A customer message older than the agent's last reply, brought by a catch-up, does not.)
      const arrived = Date.parse(message.arrived_at || "") || this.app.now();
      if (!this.awaitingSince && arrived > this.lastSentAt) this.awaitingSince = new Date(arrived);
      // O1: a customer message (re)opens the 24-hour window, and the reply window (O2)
      // with it (the interaction.changed frame that follows brings the server's own values).
      this.summary = reopenedBy(this.summary, message, this.app.options);
      if (!this.isSeen()) this.unread += 1;
      // U5: the shown tab's transcript is a live log; a message in another tab is said here.
      if (!this.active && !refetching) {
        const text = summaryOf(message, { contactName: this.contact.display_name || gettext("Customer") });
        this.app.announce(fmt(gettext("New message from %(display_name)s: %(slice)s"), { display_name: this.contact.display_name || gettext("a customer"), slice: text.slice(0, 200) }));
      }
    }
    this.afterMessages();
  }

  afterMessages() {
    this.renderListItem();
    this.tick(this.app.now());
    if (this.isSeen()) this.markReadSoon();
  }

  // --- sending -----------------------------------------------------------------------

  /** @param {Record<string, unknown>} payload @returns {Promise<Message>} */
  async send(payload) {
    // A repeated client_ref answers 200 with the message already queued ("replayed"): the
    // same message, merged by id like any other.
    /** @type {Message & { replayed?: boolean }} */
    const { replayed: _replayed, ...message } = await this.api.post(`interactions/${this.id}/messages/`, payload);
    this.lastSentAt = this.app.now();
    this.awaitingSince = null;
    this.receive([message]);
    return message;
  }

  /**
   * U1: the next text quotes ``message`` (a Reply on its row). What the bar shows is the
   * same summary as the list's preview.
   * @param {Message} message
   */
  replyTo(message) {
    if (!this.can("reply")) return false;
    const name = this.contact.display_name || gettext("Customer");
    const who = message.direction === "in" ? name : "You";
    const summary = `${who}: ${summaryOf(message, { contactName: name })}`;
    const taken = this.composer.replyTo({ id: message.id, summary: summary.replace(/\s+/g, " ").slice(0, 120) });
    if (!taken) this.app.toast(gettext("Only a notification can be sent now: it cannot quote a message"));
    return taken;
  }

  /**
   * U1: react to a customer's message ("" removes the reaction); the answer is the message
   * with its reactions, and every other console hears it as a message.reaction frame.
   * @param {Message} message @param {string} emoji
   */
  async react(message, emoji) {
    try {
      /** @type {Message} */
      const fresh = await this.api.post(`interactions/${this.id}/messages/${message.id}/reaction/`, { emoji });
      this.receive([fresh], { updated: true });
    } catch (error) {
      this.composer.showError(error);
    }
  }

  /** A failed message, sent again. @param {Message} message @param {HTMLButtonElement | null} button */
  async retry(message, button) {
    if (button) button.disabled = true;
    try {
      /** @type {Message} */
      const fresh = await this.api.post(`messages/${message.id}/retry/`, {});
      this.receive([fresh]);
      this.composer.showError(null);
    } catch (error) {
      if (button) button.disabled = false;
      this.composer.showError(error);
    }
  }

  // --- state from the server ---------------------------------------------------------------

  /** @param {Interaction} detail @param {{ requestedAt?: number }} [when] requestedAt: performance.now() when the request left */
  applyDetail(detail, { requestedAt = performance.now() } = {}) {
    this.detail = detail;
    this.update(detail, { requestedAt: this.app.now() - (performance.now() - requestedAt) });
    this.side.setDetail(detail);
    this.setParticipants(detail.participants || [], { requestedAt });
    this.renderHeader();
  }

  /**
   * INTERACTION_SUMMARY from a frame (no ``requestedAt``) or a REST answer (``requestedAt``:
   * when the request left). An answer that left before our last send or before the last
   * frame is older than what we know: its pending-reply state is not taken.
   * @param {InteractionSummary} summary
   * @param {{ requestedAt?: number | null }} [when]
   */
  update(summary, { requestedAt = null } = {}) {
    const now = this.app.now();
    if (requestedAt === null) this.summaryFrameAt = now;
    const stale = requestedAt !== null && (requestedAt < this.lastSentAt || requestedAt < this.summaryFrameAt);
    const owner = this.summary.owner_id;
    const number = this.summary.customer_wa_id;
    const viewer = this.viewerKey();
    if (requestedAt !== null && requestedAt < this.viewerFrameAt) {
      // What the agent may do changed by a frame after this answer left: the frame's stays.
      const { actions: _actions, part: _part, interventions: _interventions, ...rest } = summary;
      summary = rest;
    }
    this.summary = { ...this.summary, ...summary };
    if (summary.contact) this.setContact(summary.contact);
    else if (this.summary.customer_wa_id !== number) this.renderHeader(); // R8: writes from another number
    if (!stale && "awaiting_reply_since" in summary) this.awaitingSince = toDate(summary.awaiting_reply_since);
    if (this.summary.owner_id !== owner || this.viewerKey() !== viewer) {
      // R5: the owner left the conference and handed the conversation over (to us, perhaps).
      this.renderParticipants();
      this.applyActions();
    }
    this.tick(this.app.now());
  }

  // --- R5, R6: who is in the conversation, and what this agent can do in it -----------------

  /** The server allows this agent ``action`` on the conversation (its ``actions``). @param {Action} action */
  can(action) {
    return (this.summary.actions || []).includes(action);
  }

  /** The agent's part, for labels only: "owner", "conference", "consultation", "supervisor" or "". @returns {Part} */
  get part() {
    return this.summary.part || "";
  }

  viewerKey() {
    return `${this.part}:${(this.summary.actions || []).join(",")}:${(this.summary.interventions || []).join(",")}`;
  }

  /** S2: the server allows this supervisor ``intervention`` (its ``interventions``). @param {Intervention} intervention */
  may(intervention) {
    return (this.summary.interventions || []).includes(intervention);
  }

  /**
   * S2: a supervisor intervenes from the conversation itself, as from the board; the
   * server checks and records it, and its events bring the console up to date.
   * @param {Intervention} intervention
   */
  async intervene(intervention) {
    const { app } = this;
    try {
      if (intervention === "barge_in") {
        await app.api.post(`interactions/${this.id}/barge-in/`, {});
        app.toast(gettext("You joined the conversation: you and the agent both write to the customer."));
      } else if (intervention === "take_over") {
        await app.api.post(`interactions/${this.id}/take-over/`, {});
        app.toast(gettext("The conversation is yours now."));
      } else if (intervention === "move") {
        await app.board.move(this.id);
      }
    } catch (error) {
      app.toast(fmt(gettext("Could not do that: %(error)s"), { error: describeError(error) }));
    }
  }

  /**
   * The participants (GET console/, participants.changed; the frame also brings what the
   * agent may now do: ``viewer``). A GET answer older than the last participants.changed
   * frame is stale (it left before the change): ignored.
   * @param {Participant[]} participants
   * @param {{ requestedAt?: number | null, viewer?: { actions?: Action[], part?: Part, interventions?: Intervention[] } | null }} [how]
   */
  setParticipants(participants, { requestedAt = null, viewer = null } = {}) {
    if (requestedAt === null) this.participantsFrameAt = performance.now();
    else if (requestedAt < this.participantsFrameAt) return;
    this.participants = participants || [];
    if (viewer && Array.isArray(viewer.actions)) {
      this.summary = { ...this.summary, actions: viewer.actions, part: viewer.part || /** @type {Part} */ (""), interventions: viewer.interventions || [] };
      this.viewerFrameAt = this.app.now();
    }
    if (this.part === "consultation") this.consulted = true;
    this.renderParticipants();
    this.applyActions();
    this.consultation.setParticipants(this.participants);
  }

  async refreshParticipants() {
    const requestedAt = performance.now();
    try {
      /** @type {Interaction} */
      const detail = await this.api.get(`interactions/${this.id}/console/`);
      if (this.app.tabs.get(this.id) !== this) return;
      this.update(detail, { requestedAt: this.app.now() - (performance.now() - requestedAt) });
      this.setParticipants(detail.participants || [], { requestedAt });
    } catch {
      // The next resync or frame brings them.
    }
  }

  /** "In this conversation: You (owner) · Bob (in the conference)" (participants.js). */
  renderParticipants() {
    const me = this.app.agent.id;
    const ownerId = this.summary.owner_id;
    const ownerName = ownerId === me ? gettext("You") : this.app.agentName(ownerId);
    const shown = this.participants.some((p) => participation(p)) || this.part === "consultation";
    if (shown && !ownerName && ownerId && this.askedOwner !== ownerId) {
      this.askedOwner = ownerId; // once per owner: an owner who is no agent stays gettext("The owner")
      this.app.loadAgents().then(() => this.renderParticipants(), () => {});
    }
    renderParticipants(this.refs, {
      participants: this.participants,
      agentId: me,
      ownerName,
      part: this.part,
      canReply: this.can("reply"),
    });
  }

  /** Show exactly the actions the server allows; without "reply" the composer is read only. */
  applyActions() {
    const refs = this.refs;
    for (const [ref, action] of ACTION_BUTTONS) refs[ref].hidden = !this.can(action);
    for (const [ref, intervention] of INTERVENTION_BUTTONS) refs[ref].hidden = !this.may(intervention);
    refs.interventions.hidden = INTERVENTION_BUTTONS.every(([ref]) => refs[ref].hidden);
    refs.actions.hidden = ACTION_BUTTONS.every(([ref]) => refs[ref].hidden) && refs.interventions.hidden;
    const guests = conferenceGuests(this.participants, this.app.agent.id);
    refs.leave.title = this.part === "owner" && guests.length
      ? fmt(gettext("Leave the conference: %(guests)s keeps the conversation"), { guests: guests[0].name })
      : gettext("Leave the conference: the conversation leaves your console, the other agent keeps it");
    refs.assignContact.hidden = !this.can("assign_contact");
    this.composer.setReadOnly(this.can("reply") ? null : this.part === "consultation" ? READ_ONLY : READ_ONLY_OTHER);
    this.panel.classList.toggle("conv--read-only", !this.can("reply")); // no Reply on the messages
    this.side.setEditable({ contact: this.can("edit_contact"), caseData: this.can("case_data"), notes: this.can("note") });
    this.panel.dataset.role = this.part;
    this.item.setPart(this.part);
    this.consultation.render();
  }

  // --- the customer --------------------------------------------------------------------------

  /** R8: the conversation now belongs to a known contact: show it, its history too. @param {Contact} contact */
  contactAssigned(contact) {
    this.contact = { ...contact };
    this.side.setContact(this.contact, { force: true });
    this.renderHeader();
    this.side.loadHistory();
    this.reloadTranscript();
  }

  /** The first transcript page again (another contact's earlier conversations), merged. */
  async reloadTranscript() {
    try {
      /** @type {TranscriptPage} */
      const page = await this.api.get(`interactions/${this.id}/transcript/`);
      this.transcript.load(page);
      this.afterMessages();
    } catch (error) {
      this.composer.showError(error);
    }
  }

  /** @param {Contact} contact */
  setContact(contact) {
    if (isOlderContact(contact, this.contact)) return;
    this.contact = { ...this.contact, ...contact };
    this.side.setContact(this.contact);
    this.renderHeader();
    this.transcript.render();
  }

  renderHeader() {
    const { detail } = this;
    this.header.render(this.contact, {
      // R8: the number this conversation is on (the customer may have several).
      number: this.summary.customer_wa_id || this.contact.wa_id || undefined,
      queue: (detail && detail.queue) || undefined,
      channel: (detail && detail.channel && detail.channel.name) || undefined,
    });
    this.renderListItem();
  }

  renderListItem() {
    this.item.render({
      name: this.contact.display_name || gettext("Customer"),
      last: this.transcript.last(),
      agentId: this.app.agent.id,
      unread: this.unread + (this.consultation ? this.consultation.unread : 0),
    });
  }

  // --- timers (W5, O1, O2) ----------------------------------------------------------------

  /** W5: the customer waits for a reply from the agents who may give it (not a consulted one). */
  get pendingReply() {
    return Boolean(this.awaitingSince) && this.can("reply");
  }

  /** Every half second: the pending response indicator and the window's time left. @param {number} now */
  tick(now) {
    if (this.pendingReply && this.awaitingSince) {
      const waited = Math.max(0, now - this.awaitingSince.getTime());
      const level = pendingLevel(waited, thresholds(this.app.options["whatsappsession.pending-response-to-customer"]));
      if (this.header.showPending({ level, waited, since: this.awaitingSince })) {
        this.app.announce(fmt(gettext("%(display_name)s has been waiting %(elapsed)s for a reply"), { display_name: this.contact.display_name || gettext("A customer"), elapsed: elapsed(waited) }));
      }
      this.item.setPending({ level, title: fmt(gettext("Reply pending %(elapsed)s"), { elapsed: elapsed(waited) }) });
    } else {
      this.header.showPending(null);
      this.item.setPending(null);
    }
    const state = this.windowState(now);
    this.header.showWindow(state, now);
    this.composer.setWindow(state);
    // U1: React shows while the server allows it and the 24-hour window is open.
    this.panel.classList.toggle("conv--no-react", !(this.can("react") && state.open));
  }

  /** O1 / O2: the 24-hour window and the reply window now (conversation.js). @param {number} now */
  windowState(now) {
    return windowState(this.summary, now);
  }

  // --- being shown ---------------------------------------------------------------------

  isSeen() {
    return this.active && !document.hidden;
  }

  /** @param {boolean} active */
  setActive(active) {
    this.active = active;
    this.item.setActive(active);
    this.panel.hidden = !active;
    if (active) {
      if (this.transcript.pinned) this.transcript.scrollToBottom();
      this.seen();
      if (this.consultation.shown()) this.consultation.seen();
    }
  }

  /** The agent sees this tab: unread goes, and the customer gets blue ticks (debounced). */
  seen() {
    if (!this.isSeen()) return;
    this.unread = 0;
    this.renderListItem();
    this.markReadSoon();
  }

  markRead() {
    // Blue ticks come from the agents who handle the conversation, not a consulted one.
    if (!this.isSeen() || !this.can("mark_read")) return;
    const last = this.transcript.lastInboundId();
    if (last <= this.lastReadPosted) return;
    this.lastReadPosted = last;
    this.api.post(`interactions/${this.id}/read/`, { message_id: last }).catch(() => {
      this.lastReadPosted = 0;
    });
  }

  /** The agent types: the customer's phone shows "typing…" (the server sends one per 20 s at most). */
  typing() {
    if (!this.can("reply") || Date.now() - this.typingPosted < TYPING_POST_EVERY) return;
    this.typingPosted = Date.now();
    this.api.post(`interactions/${this.id}/typing/`, {}).catch(() => {});
  }

  focusComposer() {
    if (!this.refs.text.disabled) this.refs.text.focus();
  }

  destroy() {
    this.markReadSoon.cancel();
    this.sync.stop();
    if (this.composerSize) this.composerSize.disconnect();
    this.button.remove();
    this.panel.remove();
  }
}
