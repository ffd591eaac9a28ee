// R6 consultation: the agents' internal chat about a conversation, never sent to the
// customer.
//
// - ConsultationPanel: the Consultation page of a tab's side panel, live from
//   consultation.* frames.
// - Consultations: a consulted agent gets the conversation as a read-only tab, from the
//   first consultation.message frame, and again after a reload (the resync finds it).

import { errorStatus } from "./api.js";
import { el, linkify, onSubmit, showStatus } from "./dom.js";
import { describeError } from "./errors.js";
import { fullTimeOf, timeOf, toDate } from "./format.js";
import { consultationNotice } from "./desktop-notice.js";
import { consultants, isConsultant } from "./routing.js";
import { fmt, gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { InteractionTab } from "./tab.js" */
/** @import { ConsultationMessage, Interaction, InteractionSummary, Participant, TargetAgent } from "./types.js" */


// --- R6: the Consultation page of a tab ------------------------------------------------------------

export class ConsultationPanel {
  /** @param {InteractionTab} tab */
  constructor(tab) {
    this.tab = tab;
    this.app = tab.app;
    this.api = tab.api;
    this.refs = tab.refs;
    /** @type {Map<number, ConsultationMessage>} */
    this.messages = new Map();
    /** The participants consulted now. @type {Participant[]} */
    this.consultants = [];
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
      /** @type {{ messages?: ConsultationMessage[] }} */
      const data = await this.api.get(`interactions/${this.tab.id}/consultation/`);
      this.loaded = true;
      this.receive(data.messages || [], { live: false });
    } catch (error) {
      if (errorStatus(error) === 403 || errorStatus(error) === 404) return; // not ours to see (a conference guest)
      this.status(fmt(gettext("Could not load the consultation: %(error)s"), { error: describeError(error) }), true);
    }
  }

  catchUp() {
    return this.live || this.messages.size ? this.load() : Promise.resolve();
  }

  /** Who is in the conversation (GET console/, participants.changed). @param {Participant[]} participants */
  setParticipants(participants) {
    this.consultants = consultants(participants);
    if (this.live) this.ended = false;
    this.render();
  }

  /** The agent consulted someone (the dialog's answer: the first message). @param {TargetAgent} target @param {ConsultationMessage} message */
  started(target, message) {
    this.ended = false;
    if (!this.consultants.some((p) => p.agent_id === target.id)) {
      this.consultants = [...this.consultants, { agent_id: target.id, name: target.name, kind: "consultation", state: "joined" }];
    }
    this.receive([message], { live: false });
    this.tab.side.open("consult");
    this.app.announce(fmt(gettext("Consultation with %(name)s started"), { name: target.name }));
    this.tab.refreshParticipants();
  }

  /** consultation.message frames, the POST answers, GET pages: merged by id. @param {ConsultationMessage[]} messages */
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
      this.app.announce(fmt(gettext("Consultation: %(author_name)s wrote: %(body)s"), { author_name: last.author_name || gettext("an agent"), body: last.body }));
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
            el("strong", { class: "consult-author", text: mine ? gettext("You") : m.author_name || gettext("Agent") }),
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
      const owner = this.app.agentName(this.tab.summary.owner_id) || this.firstAuthor() || gettext("The agent");
      consultWith.textContent = fmt(gettext("%(owner)s consults you about this conversation. You can read it; answer here."), { owner });
    } else if (this.live) {
      consultWith.textContent = fmt(gettext("With %(map)s: they can read this conversation while consulted."), { map: this.consultants.map((p) => p.name).join(", ") });
    } else {
      consultWith.textContent = this.messages.size ? gettext("The consultation ended. Consult again to ask someone.") : "";
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
      if (!body) this.formStatus(gettext("Write the message first"), true);
      return;
    }
    this.sending = true;
    this.refs.consultSend.disabled = true;
    this.formStatus(gettext("Sending…"));
    try {
      /** @type {ConsultationMessage} */
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
        this.app.closeTab(this.tab.id, fmt(gettext("You left the consultation about %(display_name)s."), { display_name: this.tab.contact.display_name || gettext("the customer") }));
        return;
      }
      this.consultants = [];
      this.ended = true;
      this.render();
      // U5: the button goes with the consultation: the focus to "Consult" (consult again).
      if (!document.activeElement || document.activeElement === document.body || button.offsetParent === null) this.tab.refs.consult.focus();
      this.app.announce(gettext("The consultation ended"));
      this.tab.refreshParticipants();
    } catch (error) {
      if (consultant) this.app.toast(fmt(gettext("Could not end the consultation: %(error)s"), { error: describeError(error) }));
      else this.formStatus(describeError(error), true);
    } finally {
      button.disabled = false;
    }
  }

  /** consultation.ended: the consulted agent's tab goes; the owner's page says so. */
  endedByFrame() {
    if (this.tab.part === "consultation") {
      this.app.closeTab(this.tab.id, fmt(gettext("The consultation about %(display_name)s ended."), { display_name: this.tab.contact.display_name || gettext("the customer") }));
      return;
    }
    this.tab.refreshParticipants();
  }

  /** @param {string} text */
  status(text, error = false) {
    showStatus(this.refs.consultStatus, text, error);
  }

  /** @param {string} text */
  formStatus(text, error = false) {
    showStatus(this.refs.consultFormStatus, text, error);
  }
}

// --- R6: the consulted agent's side ---------------------------------------------------------------

export class Consultations {
  /** @param {ConsoleApp} app */
  constructor(app) {
    this.app = app;
    this.api = app.api;
    /** @type {Set<number>} */
    this.opening = new Set();
  }

  /**
   * A consultation message about a conversation that has no tab here: this agent is
   * consulted. The conversation opens read only (GET console/ says whether we are in it,
   * unless the agent's snapshot already said so: ``known``).
   * @param {number} interactionId
   * @param {{ from?: string, known?: InteractionSummary | null }} [how] from: who wrote (for the toast)
   */
  async open(interactionId, { from = "", known = null } = {}) {
    const id = Number(interactionId);
    if (this.opening.has(id) || this.app.tabs.has(id)) return;
    this.opening.add(id);
    try {
      let summary = known;
      if (!summary) {
        /** @type {Interaction} */
        const detail = await this.api.get(`interactions/${id}/console/`);
        const me = this.app.agent.id;
        if (!(detail.participants || []).some((p) => isConsultant(p, me))) return;
        summary = detail;
      }
      if (this.app.tabs.has(id)) return;
      this.app.openTab(summary, { consulted: true });
      const who = (summary.contact && summary.contact.display_name) || gettext("a customer");
      const said = fmt(gettext("%(from)s consults you about %(who)s: the conversation is open, read only."), { from: from || gettext("An agent"), who });
      this.app.toast(said);
      this.app.announce(said);
      if (from) this.app.desktop.notify(consultationNotice(id, summary.contact, from)); // R2b: a frame brought it (not a reload)
    } catch {
      // Not ours (any more): nothing to show.
    } finally {
      this.opening.delete(id);
    }
  }

  /**
   * The resync: the agent's consultations are in its snapshot (agent/me/: the active
   * conversations it is consulted about, however many others it may see). One that is gone
   * (ended, or the conversation closed) leaves the console; one not shown yet (its frame
   * was lost while the socket was down) opens, from the snapshot's summary.
   * @param {{ requestedAt: number, owned: Set<number>, consulting: InteractionSummary[] }} resync when the resync began, the interactions the agent owns or shares, those it is consulted about
   */
  async sync({ requestedAt, owned, consulting }) {
    const visible = new Set(consulting.map((i) => i.id));
    for (const [id, tab] of this.app.tabs) {
      if (tab.consulted && !owned.has(id) && !visible.has(id) && tab.openedAt < requestedAt) {
        this.app.closeTab(id, fmt(gettext("The consultation about %(display_name)s ended."), { display_name: tab.contact.display_name || gettext("the customer") }));
      }
    }
    for (const summary of consulting) {
      if (!owned.has(summary.id) && !this.app.tabs.has(summary.id)) await this.open(summary.id, { known: summary });
    }
  }
}
