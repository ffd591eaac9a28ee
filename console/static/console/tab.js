// One interaction tab: its entry in the conversation list, and its panel with the
// transcript, the composer, the pending response indicator (W5), the window state (O1),
// the side panel (W11) with the Standard Response Library (T1) and the consultation (R6),
// and the ways to the Notification editor (T2-T4), transfers (R4), conferences (R5),
// consultations (R6), the workbins (R7), a known contact (R8) and a new conversation (O3).
//
// What the tab offers is what the server says its agent may do (the interaction's
// ``actions``, DESIGN invariant 8): an owner or a supervisor has the owner's actions, a
// conference guest writes and can leave, a consulted agent reads it only (the composer
// says why) and answers in the consultation. The agent's ``part`` only labels the tab.

import { ConsultationPanel } from "./collaboration.js";
import { Composer, describeError } from "./composer.js";
import { debounce, el, elapsed, fillName, initialOf, refsOf, remaining, timeOf, toDate } from "./dom.js";
import { hydrateIcons } from "./icons.js";
import { ResponsesPanel, ShortcutSuggest } from "./library.js";
import { SidePanel } from "./panel.js";
import { isPartial, summaryOf, Transcript } from "./transcript.js";

/** Messages younger than this are fetched again at the next catch-up: a concurrent
 *  transaction may commit a lower id after a higher one was already read. */
const SETTLE_MS = 15000;
const CATCH_UP_LIMIT = 500;
/** Messages already shown that each catch-up checks again (the server's limit is 200). */
const REFRESH_TAIL = 100;
const REFRESH_MAX = 200;
/** The agent's typing is posted at most this often (the server throttles per interaction). */
const TYPING_POST_EVERY = 3000;
/** Outbound statuses after which nothing changes a tick any more. */
const SETTLED_STATUSES = new Set(["read", "played"]);
const WINDOW_MS = 24 * 3600 * 1000;
const MEDIA = new Set(["image", "video", "audio", "document", "sticker"]);
const READ_ONLY =
  "Consultation: read only. You can read this conversation but not write to the customer; answer in the consultation (internal, never sent to the customer).";
const READ_ONLY_OTHER = "Read only: you can read this conversation but not write to the customer.";
/** The tab's action buttons (refs) and the action of the interaction's ``actions`` each needs. */
const ACTION_BUTTONS = [
  ["transfer", "transfer"],
  ["conference", "conference"],
  ["consult", "consult"],
  ["park", "park"],
  ["leave", "leave_conference"],
  ["consultLeave", "leave_consultation"],
  ["done", "done"],
];
const PARTICIPATION = {
  "conference/invited": "invited to the conference",
  "conference/joined": "in the conference",
  "consultation/joined": "consulted",
};

export function thresholds(value) {
  const [first, second] = String(value || "30,50")
    .split(",")
    .map((part) => Number(part.trim()));
  const yellow = Number.isFinite(first) && first >= 0 ? first : 30;
  const red = Number.isFinite(second) && second >= yellow ? second : Math.max(yellow, 50);
  return { yellow: yellow * 1000, red: red * 1000 };
}

export class InteractionTab {
  /** consulted: opened for a consultation (R6): read only, kept while the consultation lasts. */
  constructor(app, summary, { consulted = false } = {}) {
    this.app = app;
    this.consulted = consulted;
    this.participants = [];
    this.api = app.api;
    this.id = summary.id;
    this.summary = summary;
    this.contact = summary.contact || {};
    this.detail = null;
    this.syncedId = 0;
    this.awaitingSince = toDate(summary.awaiting_reply_since);
    this.lastSentAt = 0;
    this.openedAt = app.now();
    this.unread = 0;
    this.lastReadPosted = 0;
    this.active = false;
    this.catchingUp = null;
    this.refetchAfter = null;
    this.markReadSoon = debounce(() => this.markRead(), 600);
    this.refetchSoon = debounce(() => this.refetch(), 250);
    this.buildListItem();
    this.buildPanel();
    this.renderHeader();
    this.applyActions();
    this.tick(app.now());
  }

  // --- construction ---------------------------------------------------------------------

  buildListItem() {
    this.item = {
      avatar: el("span", { class: "avatar", "aria-hidden": "true" }),
      name: el("span", { class: "chat-name" }),
      time: el("time", { class: "chat-time" }),
      preview: el("span", { class: "chat-preview" }),
      pending: el("span", { class: "pending-dot", hidden: true }),
      unread: el("span", { class: "unread", hidden: true }),
      role: el("span", { class: "chat-role", hidden: true }),
    };
    this.button = el(
      "button",
      {
        type: "button",
        role: "tab",
        id: `tab-${this.id}`,
        class: "chat-item",
        "aria-selected": "false",
        "aria-controls": `panel-${this.id}`,
        tabindex: "-1",
        dataset: { interactionId: String(this.id) },
        onclick: () => this.app.activate(this.id, { focus: true }),
      },
      this.item.avatar,
      el(
        "span",
        { class: "chat-main" },
        el("span", { class: "chat-top" }, this.item.name, this.item.time),
        el("span", { class: "chat-bottom" }, this.item.preview, this.item.role, this.item.pending, this.item.unread),
      ),
    );
  }

  buildPanel() {
    const template = document.getElementById("interaction-template");
    this.panel = template.content.firstElementChild.cloneNode(true);
    this.panel.id = `panel-${this.id}`;
    this.panel.setAttribute("aria-labelledby", `tab-${this.id}`);
    this.panel.dataset.interactionId = String(this.id);
    this.panel.hidden = true;
    hydrateIcons(this.panel);
    const refs = refsOf(this.panel);
    this.refs = refs;
    const app = this.app;
    this.transcript = new Transcript({
      scroller: refs.scroller,
      list: refs.messages,
      olderButton: refs.older,
      pill: refs.pill,
      context: {
        interactionId: this.id,
        agentId: this.app.agent.id,
        // W10: the resync may bring another provider (a getter: always the current one).
        get mapTemplate() {
          return app.mapTemplate;
        },
        options: () => this.app.options,
        contactName: () => this.contact.display_name || "Customer",
        onRetry: (message, button) => this.retry(message, button),
        loadOlder: (cursor) => this.api.get(`interactions/${this.id}/transcript/?before=${encodeURIComponent(cursor)}`),
        onError: (error) => this.composer.showError(error),
      },
    });
    // T1: before the composer, so that its keydown (capture) runs first: Enter inserts.
    this.suggest = new ShortcutSuggest(refs.text, refs.suggest, {
      library: this.app.library,
      idPrefix: `panel-${this.id}`,
      onPick: (response, range) => this.insertResponse(response, range),
      announce: (text) => this.app.announce(text),
    });
    this.composer = new Composer(refs, {
      options: () => this.app.options,
      emojis: () => this.app.emojis,
      send: (payload) => this.send(payload),
      upload: (file) => {
        const form = new FormData();
        form.append("file", file, file.name);
        return this.api.upload("attachments/", form);
      },
      useAttachment: (id) => this.api.post(`standard-responses/attachments/${id}/use/`, {}),
      onDraft: (text) => this.app.saveDraft(this.id, text),
      onTyping: () => this.typing(),
    });
    // A reload keeps what was typed and not sent yet.
    const draft = this.app.savedDraft(this.id);
    if (draft && !refs.text.value) {
      refs.text.value = draft;
      this.composer.update();
    }
    for (const [tab, page, name] of [
      [refs.sideTabDetails, refs.sideDetails, "details"],
      [refs.sideTabResponses, refs.sideResponses, "responses"],
      [refs.sideTabConsult, refs.sideConsult, "consult"],
    ]) {
      tab.id = `panel-${this.id}-tab-${name}`;
      page.id = `panel-${this.id}-${name}`;
      tab.setAttribute("aria-controls", page.id);
      page.setAttribute("aria-labelledby", tab.id);
    }
    this.responses = new ResponsesPanel(refs, {
      library: this.app.library,
      onInsert: (response) => this.insertResponse(response),
    });
    this.side = new SidePanel(refs, {
      api: this.api,
      interactionId: this.id,
      contact: () => this.contact,
      onContact: (contact) => this.setContact(contact),
      dispositionLabel: (code) => this.app.dispositionLabel(code),
      onNewConversation: () => this.app.notifications.openStart(this.contact),
      onAssign: () => this.app.assign.open(this),
      onPage: (name) => {
        if (name === "responses") this.responses.shown();
        if (name === "consult") this.consultation.seen();
      },
    });
    this.consultation = new ConsultationPanel(this);
    refs.done.addEventListener("click", () => this.app.openDone(this));
    refs.park.addEventListener("click", () => this.app.workbins.openMove(this));
    refs.transfer.addEventListener("click", () => this.app.targets.open(this, "transfer"));
    refs.conference.addEventListener("click", () => this.app.targets.open(this, "conference"));
    refs.consult.addEventListener("click", () => this.app.targets.open(this, "consult"));
    refs.leave.addEventListener("click", () => this.leaveConference());
    refs.templatesButton.addEventListener("click", () => this.app.notifications.openForTab(this));
    refs.responsesButton.addEventListener("click", () => this.showResponses());
    refs.panelToggle.addEventListener("click", () => this.toggleSide());
    refs.scroller.addEventListener("scroll", () => {
      if (this.transcript.pinned) this.markReadSoon();
    });
    refs.reload.addEventListener("click", () => this.load());
    // On a narrow screen the side panel covers the transcript: it starts closed there (and
    // closes when the window narrows: console.js). Open, it ends above the composer.
    if (window.matchMedia("(max-width: 1100px)").matches) this.toggleSide(false);
    if (window.ResizeObserver) {
      this.composerSize = new ResizeObserver(() => {
        this.panel.style.setProperty("--composer-h", `${refs.composerArea.offsetHeight}px`);
      });
      this.composerSize.observe(refs.composerArea);
    }
    // A consulted agent comes for the consultation: its page first.
    if (this.consulted) this.side.showPage("consult");
  }

  /** A page of the side panel (opened if closed). */
  showSidePage(name) {
    this.toggleSide(true);
    this.side.showPage(name);
  }

  /** T1: the Responses page of the side panel, its search focused. */
  showResponses() {
    this.toggleSide(true);
    this.side.showPage("responses");
    this.refs.responseSearch.focus();
    this.refs.responseSearch.select();
  }

  /** T1: a standard response: its text and files into the composer, or its Notification opened. */
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
    this.app.announce(`${response.name} inserted${files ? `, with ${files} file${files === 1 ? "" : "s"} sent after the text` : ""}`);
  }

  toggleSide(show) {
    const open = show ?? this.refs.side.hidden;
    this.refs.side.hidden = !open;
    this.refs.panelToggle.setAttribute("aria-expanded", String(open));
    this.panel.classList.toggle("conv--side-closed", !open);
  }

  // --- loading and catching up ------------------------------------------------------------

  async load() {
    this.refs.loadError.hidden = true;
    this.refs.scroller.setAttribute("aria-busy", "true");
    const requestedAt = performance.now();
    try {
      const [detail, page] = await Promise.all([
        this.api.get(`interactions/${this.id}/console/`),
        this.api.get(`interactions/${this.id}/transcript/`),
      ]);
      this.applyDetail(detail, { requestedAt });
      if (["consult", "consultation", "end_consultation", "leave_consultation"].some((a) => this.can(a))) {
        this.consultation.load();
      }
      this.transcript.load(page);
      this.advanceWatermark(page.messages || []);
      this.afterMessages();
      this.side.loadHistory();
      await this.catchUp();
    } catch (error) {
      if (error.status === 404) {
        this.app.closeTab(this.id, "This conversation is no longer yours.");
        return;
      }
      this.refs.loadError.hidden = false;
      this.refs.loadErrorText.textContent = `Could not load the conversation: ${describeError(error)}`;
    } finally {
      this.refs.scroller.removeAttribute("aria-busy");
    }
  }

  /**
   * Messages already shown whose state may have changed while frames were lost: our
   * messages whose ticks can still move (or that failed and may be retried), files still
   * downloading, and the recent tail (reactions, edits, deletes). Newest first, at most
   * REFRESH_MAX.
   */
  refreshIds() {
    const ordered = this.transcript.ordered;
    const ids = new Set();
    for (let i = ordered.length - 1; i >= 0 && ids.size < REFRESH_MAX; i -= 1) {
      const m = ordered[i];
      const unsettled = m.direction === "out" && !SETTLED_STATUSES.has(m.status);
      const downloading = MEDIA.has(m.type) && (!m.attachment || m.attachment.state === "pending");
      if (ordered.length - i <= REFRESH_TAIL || unsettled || downloading) ids.add(m.id);
    }
    return [...ids];
  }

  /**
   * Messages after the watermark (the contract's catch-up), and the messages already
   * shown that may have changed meanwhile (``refreshIds``), merged by id.
   */
  catchUp() {
    if (!this.transcript.loaded) return Promise.resolve();
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    this.catchingUp = (async () => {
      try {
        let after = this.syncedId;
        let refresh = this.refreshIds();
        for (let page = 0; page < 20; page += 1) {
          const ids = refresh.length ? `&ids=${refresh.join(",")}` : "";
          const data = await this.api.get(`interactions/${this.id}/messages/?after_id=${after}${ids}`);
          refresh = [];
          const messages = data.messages || [];
          this.receive([...(data.refreshed || []), ...messages]);
          this.advanceWatermark(messages);
          if (messages.length < CATCH_UP_LIMIT) break;
          after = Math.max(after, ...messages.map((m) => m.id));
        }
      } catch (error) {
        if (error.status === 404) this.app.closeTab(this.id, "This conversation is no longer yours.");
      } finally {
        this.catchingUp = null;
        if (this.catchUpAgain) {
          this.catchUpAgain = false;
          this.catchUp();
        }
      }
    })();
    return this.catchingUp;
  }

  advanceWatermark(messages) {
    const settled = this.app.now() - SETTLE_MS;
    for (const message of messages) {
      if (message.interaction_id !== this.id) continue;
      const at = Date.parse(message.arrived_at || message.origination_at);
      if (at < settled && message.id > this.syncedId) this.syncedId = message.id;
    }
  }

  /** Frames carry the short message shape: fetch the full one for what it lacks. */
  async refetch() {
    const after = this.refetchAfter;
    this.refetchAfter = null;
    if (after === null) return;
    try {
      const data = await this.api.get(`interactions/${this.id}/messages/?after_id=${after}`);
      this.receive(data.messages || [], { refetching: true });
    } catch {
      // The periodic catch-up will bring it.
    }
  }

  /** Messages from anywhere (POST answer, frame, catch-up, refetch). */
  receive(messages, { refetching = false, updated = false } = {}) {
    const mine = messages.filter((m) => m.interaction_id === this.id || this.transcript.messages.has(m.id));
    if (!mine.length) return;
    const added = this.transcript.merge(mine, { live: true });
    if (!refetching) {
      const lacking = mine.filter((m) => isPartial(m) && (updated || MEDIA.has(m.type) || m.context_wamid));
      if (lacking.length) {
        const from = Math.min(...lacking.map((m) => m.id)) - 1;
        this.refetchAfter = this.refetchAfter === null ? from : Math.min(this.refetchAfter, from);
        this.refetchSoon();
      }
    }
    for (const message of added) {
      if (message.direction !== "in" || message.interaction_id !== this.id) continue;
      // W5: the pending response indicator starts with a customer message.
      // (A customer message older than the agent's last reply, brought by a catch-up, does not.)
      const arrived = Date.parse(message.arrived_at) || this.app.now();
      if (!this.awaitingSince && arrived > this.lastSentAt) this.awaitingSince = new Date(arrived);
      // O1: a customer message (re)opens the 24-hour window, and the reply window (O2)
      // with it (the interaction.changed frame that follows brings the server's own values).
      const origin = Date.parse(message.origination_at);
      const expires = Date.parse(this.summary.window_expires_at || "") || 0;
      if (origin && origin + WINDOW_MS > expires) {
        const timeout = this.replyTimeoutMs();
        this.summary = {
          ...this.summary,
          window_expires_at: new Date(origin + WINDOW_MS).toISOString(),
          last_inbound_at: new Date(origin).toISOString(),
        };
        if (Object.prototype.hasOwnProperty.call(this.summary, "reply_window_ends_at")) {
          this.summary.reply_window_ends_at = new Date(origin + timeout).toISOString();
        }
      }
      if (!this.isSeen()) this.unread += 1;
    }
    this.afterMessages();
  }

  /**
   * O2: the reply timeout of this conversation, as the server last said it (its reply
   * deadline after the customer's last message): the owner's, which need not be this
   * agent's own option (a supervisor, a conference guest).
   */
  replyTimeoutMs() {
    const ends = Date.parse(this.summary.reply_window_ends_at || "");
    const since = Date.parse(this.summary.last_inbound_at || "");
    if (ends && since && ends >= since) return ends - since;
    return (Number(this.app.options["whatsappsession.reply-timeout"]) || 86400) * 1000;
  }

  afterMessages() {
    this.renderListItem();
    this.tick(this.app.now());
    if (this.isSeen()) this.markReadSoon();
  }

  // --- sending -----------------------------------------------------------------------

  async send(payload) {
    // A repeated client_ref answers 200 with the message already queued ("replayed"): the
    // same message, merged by id like any other.
    const { replayed, ...message } = await this.api.post(`interactions/${this.id}/messages/`, payload);
    this.lastSentAt = this.app.now();
    this.awaitingSince = null;
    this.receive([message]);
    return message;
  }

  async retry(message, button) {
    if (button) button.disabled = true;
    try {
      const fresh = await this.api.post(`messages/${message.id}/retry/`, {});
      this.receive([fresh]);
      this.composer.showError(null);
    } catch (error) {
      if (button) button.disabled = false;
      this.composer.showError(error);
    }
  }

  // --- state from the server ---------------------------------------------------------------

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
   */
  update(summary, { requestedAt = null } = {}) {
    const now = this.app.now();
    if (requestedAt === null) this.summaryFrameAt = now;
    const stale = requestedAt !== null && (requestedAt < this.lastSentAt || requestedAt < (this.summaryFrameAt || 0));
    const keepAwaiting = stale;
    const owner = this.summary.owner_id;
    const number = this.summary.customer_wa_id;
    const viewer = this.viewerKey();
    if (requestedAt !== null && requestedAt < (this.viewerFrameAt || 0)) {
      // What the agent may do changed by a frame after this answer left: the frame's stays.
      const { actions, part, ...rest } = summary;
      summary = rest;
    }
    this.summary = { ...this.summary, ...summary };
    if (summary.contact) this.setContact(summary.contact);
    else if (this.summary.customer_wa_id !== number) this.renderHeader(); // R8: writes from another number
    if (!keepAwaiting && "awaiting_reply_since" in summary) this.awaitingSince = toDate(summary.awaiting_reply_since);
    if (this.summary.owner_id !== owner || this.viewerKey() !== viewer) {
      // R5: the owner left the conference and handed the conversation over (to us, perhaps).
      this.renderParticipants();
      this.applyActions();
    }
    this.tick(this.app.now());
  }

  // --- R5, R6: who is in the conversation, and what this agent can do in it -----------------

  /** The server allows this agent ``action`` on the conversation (its ``actions``). */
  can(action) {
    return (this.summary.actions || []).includes(action);
  }

  /** The agent's part, for labels only: "owner", "conference", "consultation", "supervisor" or "". */
  get part() {
    return this.summary.part || "";
  }

  viewerKey() {
    return `${this.part}:${(this.summary.actions || []).join(",")}`;
  }

  /**
   * The participants (GET console/, participants.changed; the frame also brings what the
   * agent may now do: ``viewer``). A GET answer older than the last participants.changed
   * frame is stale (it left before the change): ignored.
   */
  setParticipants(participants, { requestedAt = null, viewer = null } = {}) {
    if (requestedAt === null) this.participantsFrameAt = performance.now();
    else if (requestedAt < (this.participantsFrameAt || 0)) return;
    this.participants = participants || [];
    if (viewer && Array.isArray(viewer.actions)) {
      this.summary = { ...this.summary, actions: viewer.actions, part: viewer.part || "" };
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
      const detail = await this.api.get(`interactions/${this.id}/console/`);
      if (this.app.tabs.get(this.id) !== this) return;
      this.update(detail, { requestedAt: this.app.now() - (performance.now() - requestedAt) });
      this.setParticipants(detail.participants || [], { requestedAt });
    } catch {
      // The next resync or frame brings them.
    }
  }

  /** "In this conversation: You (owner) · Bob (in the conference)". */
  renderParticipants() {
    const { participantsBar, participants, participantsLabel } = this.refs;
    const me = this.app.agent.id;
    const present = this.participants.filter((p) => PARTICIPATION[`${p.kind}/${p.state}`]);
    const consulted = this.part === "consultation";
    if (!present.length && !consulted) {
      participantsBar.hidden = true;
      participants.replaceChildren();
      return;
    }
    const ownerId = this.summary.owner_id;
    const ownerName = ownerId === me ? "You" : this.app.agentName(ownerId);
    if (!ownerName && ownerId && this.askedOwner !== ownerId) {
      this.askedOwner = ownerId; // once per owner: an owner who is no agent stays "The owner"
      this.app.loadAgents().then(() => this.renderParticipants(), () => {});
    }
    const chip = (name, what, extra) =>
      el(
        "li",
        { class: `participant participant--${extra}` },
        el("span", { class: "avatar avatar--tiny", "aria-hidden": "true", text: initialOf(name) }),
        el("span", { class: "participant-name", text: name }),
        el("span", { class: "participant-what", text: what }),
      );
    participants.replaceChildren(
      chip(ownerName || "The owner", "owner", "owner"),
      ...present.map((p) =>
        chip(p.agent_id === me ? "You" : p.name, PARTICIPATION[`${p.kind}/${p.state}`], `${p.kind} participant--${p.state}`),
      ),
    );
    participantsLabel.textContent = consulted && !this.can("reply") ? "Consultation · read only" : "In this conversation";
    participantsBar.dataset.role = this.part;
    participantsBar.hidden = false;
  }

  /** Show exactly the actions the server allows; without "reply" the composer is read only. */
  applyActions() {
    const refs = this.refs;
    const me = this.app.agent.id;
    for (const [ref, action] of ACTION_BUTTONS) refs[ref].hidden = !this.can(action);
    refs.actions.hidden = ACTION_BUTTONS.every(([ref]) => refs[ref].hidden);
    const guests = this.participants.filter((p) => p.kind === "conference" && p.state === "joined" && p.agent_id !== me);
    refs.leave.title = this.part === "owner" && guests.length
      ? `Leave the conference: ${guests[0].name} keeps the conversation`
      : "Leave the conference: the conversation leaves your console, the other agent keeps it";
    refs.assignContact.hidden = !this.can("assign_contact");
    this.composer.setReadOnly(this.can("reply") ? null : this.part === "consultation" ? READ_ONLY : READ_ONLY_OTHER);
    this.side.setEditable({ contact: this.can("edit_contact"), caseData: this.can("case_data"), notes: this.can("note") });
    this.panel.dataset.role = this.part;
    const badge = { conference: "Conference", consultation: "Consultation" }[this.part];
    this.item.role.hidden = !badge;
    this.item.role.textContent = badge || "";
    this.item.role.title = this.part === "consultation" ? "You are consulted" : badge ? "You are in a conference" : "";
    this.consultation.render();
  }

  /** R5: leave the conference (the owner leaving hands the conversation to the guest). */
  async leaveConference() {
    const button = this.refs.leave;
    const handsOver = this.part === "owner";
    const guests = this.participants.filter((p) => p.kind === "conference" && p.state === "joined" && p.agent_id !== this.app.agent.id);
    button.disabled = true;
    try {
      await this.api.post(`interactions/${this.id}/conference/leave/`, {});
      const who = this.contact.display_name || "the customer";
      const said = handsOver && guests.length
        ? `You left the conversation with ${who}: ${guests[0].name} keeps it.`
        : `You left the conference with ${who}.`;
      if (this.app.tabs.has(this.id)) this.app.closeTab(this.id, said);
      else this.app.toast(said);
      this.app.announce(said);
      this.app.resyncSoon();
    } catch (error) {
      this.app.toast(`Could not leave the conference: ${describeError(error)}`);
    } finally {
      button.disabled = false;
    }
  }

  /** R8: the conversation now belongs to a known contact: show it, its history too. */
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
      const page = await this.api.get(`interactions/${this.id}/transcript/`);
      this.transcript.load(page);
      this.afterMessages();
    } catch (error) {
      this.composer.showError(error);
    }
  }

  setContact(contact) {
    this.contact = { ...this.contact, ...contact };
    this.side.setContact(this.contact);
    this.renderHeader();
    this.transcript.render();
  }

  renderHeader() {
    const contact = this.contact;
    const name = contact.display_name || "Customer";
    const { name: title, sub, avatar } = this.refs;
    fillName(title, name);
    avatar.textContent = initialOf(name);
    const parts = [];
    // R8: the number this conversation is on (the customer may have several).
    const number = this.summary.customer_wa_id || contact.wa_id;
    if (number) parts.push(`+${number}`);
    if (contact.profile_name && contact.profile_name !== name) parts.push(`~${contact.profile_name}`);
    if (this.detail && this.detail.queue) parts.push(this.detail.queue);
    if (this.detail && this.detail.channel) parts.push(this.detail.channel.name);
    sub.textContent = parts.join(" · ");
    sub.title = sub.textContent;
    this.renderListItem();
  }

  renderListItem() {
    const name = this.contact.display_name || "Customer";
    this.item.avatar.textContent = initialOf(name);
    fillName(this.item.name, name);
    const last = this.transcript.last();
    if (last) {
      const colleague = last.direction === "out" && last.author_id && last.author_id !== this.app.agent.id && last.author_name;
      const prefix = last.direction === "out" ? (colleague ? `${last.author_name}: ` : "You: ") : "";
      this.item.preview.textContent = prefix + summaryOf(last, { contactName: name }).replace(/\s+/g, " ").slice(0, 80);
      this.item.time.textContent = timeOf(toDate(last.arrived_at));
    } else {
      this.item.preview.textContent = "";
    }
    const unread = this.unread + (this.consultation ? this.consultation.unread : 0);
    this.item.unread.hidden = unread === 0;
    this.item.unread.textContent = String(unread);
    this.item.unread.setAttribute("aria-label", `${unread} unread`);
  }

  /** Every half second: the pending response indicator and the window's time left. */
  /** W5: the customer waits for a reply from the agents who may give it (not a consulted one). */
  get pendingReply() {
    return Boolean(this.awaitingSince) && this.can("reply");
  }

  tick(now) {
    const { pending, windowChip } = this.refs;
    const dot = this.item.pending;
    if (this.pendingReply) {
      const { yellow, red } = thresholds(this.app.options["whatsappsession.pending-response-to-customer"]);
      const waited = Math.max(0, now - this.awaitingSince.getTime());
      const level = waited >= red ? "red" : waited >= yellow ? "yellow" : "green";
      if (level === "red" && pending.dataset.level !== "red") {
        this.app.announce(`${this.contact.display_name || "A customer"} has been waiting ${elapsed(waited)} for a reply`);
      }
      pending.hidden = false;
      pending.dataset.level = level;
      pending.className = `pending pending--${level}`;
      pending.textContent = `Reply pending ${elapsed(waited)}`;
      pending.title = `The customer has been waiting for a reply since ${timeOf(this.awaitingSince)}`;
      dot.hidden = false;
      dot.className = `pending-dot pending-dot--${level}`;
      dot.title = `Reply pending ${elapsed(waited)}`;
    } else {
      pending.hidden = true;
      pending.dataset.level = "";
      dot.hidden = true;
    }
    const state = this.windowState(now);
    windowChip.dataset.state = state.open ? (state.replyOpen ? "open" : "reply-ended") : "closed";
    windowChip.className = `window-chip window-chip--${windowChip.dataset.state}`;
    if (!state.open) {
      windowChip.textContent = "Window closed: only a notification can be sent";
      windowChip.title = "More than 24 hours since the customer's last message: only a notification (template) can be sent";
    } else if (!state.replyOpen) {
      windowChip.textContent = "Response window ended: only a notification can be sent";
      windowChip.title = "The reply timeout after the customer's last message has passed";
    } else if (state.fallback && state.replyEnds < state.expires) {
      // A reply timeout shorter than the 24-hour window: its end is what the agent meets first.
      windowChip.textContent = `Window open · ${remaining(state.replyEnds - now)} left`;
      windowChip.title = `The reply timeout ends at ${new Date(state.replyEnds).toLocaleString()}: after it, what you type goes out as a notification`;
    } else {
      windowChip.textContent = `Window open · ${remaining(state.expires - now)} left`;
      windowChip.title = `WhatsApp's 24-hour customer-service window closes at ${new Date(state.expires).toLocaleString()}`;
    }
    this.composer.setWindow(state);
  }

  /**
   * O1 / O2: the 24-hour window (files and free text), and the reply window after which
   * the agent's text goes out as a notification (when the server supports it: its
   * interaction payload then has reply_window_ends_at). Both come from the server's
   * deadlines (it pushes them again when an option or the owner moves them); the half-second
   * tick shows a deadline passing without any frame.
   */
  windowState(now) {
    const expires = Date.parse(this.summary.window_expires_at || "") || 0;
    const open = expires > now;
    const fallback = Object.prototype.hasOwnProperty.call(this.summary, "reply_window_ends_at");
    const replyEnds = Date.parse(this.summary.reply_window_ends_at || "") || 0;
    const replyOpen = open && (!fallback || replyEnds > now);
    return { open, replyOpen, fallback, expires, replyEnds };
  }

  // --- being shown ---------------------------------------------------------------------

  isSeen() {
    return this.active && !document.hidden;
  }

  setActive(active) {
    this.active = active;
    this.button.setAttribute("aria-selected", String(active));
    this.button.tabIndex = active ? 0 : -1;
    this.button.classList.toggle("chat-item--active", active);
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
    if (!this.can("reply") || Date.now() - (this.typingPosted || 0) < TYPING_POST_EVERY) return;
    this.typingPosted = Date.now();
    this.api.post(`interactions/${this.id}/typing/`, {}).catch(() => {});
  }

  focusComposer() {
    if (!this.refs.text.disabled) this.refs.text.focus();
  }

  destroy() {
    this.markReadSoon.cancel();
    this.refetchSoon.cancel();
    if (this.composerSize) this.composerSize.disconnect();
    this.button.remove();
    this.panel.remove();
  }
}
