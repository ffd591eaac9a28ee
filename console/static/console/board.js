// S1 and S2: the supervisors' live board and their interventions, and, for agents, the
// waiting count of their own queues.
//
// The board arrives over the socket ("board" frames, after the "board" command with the
// filters; the server sends it again after changes, at most about once a second); the
// console never polls it. Durations (longest wait, time in state, time left) are counted
// up here every second from the instants the board carries. Interventions go over REST
// (docs/console-protocol.md), like every state change.

import { describeError } from "./errors.js";
import { byId, el } from "./dom.js";
import { elapsed, remaining, toDate } from "./format.js";
import { fmt, fmtParts, gettext, locale } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { Board as BoardData, BoardAgent, BoardChoices, BoardFlowError, BoardInteraction, BoardNumber, BoardOffer, Intervention, Message, NamedChoice, QueueWaiting, TranscriptPage, Workbin } from "./types.js" */

const STATUS_LABELS = { ready: gettext("Ready"), busy: gettext("Busy (at capacity)"), not_ready: gettext("Not Ready"), signed_out: gettext("Signed out") };
const REASON_LABELS = /** @type {Record<string, string>} */ ({
  chosen: gettext("chose it"),
  offer_expired: gettext("offer not accepted"),
  signed_out: gettext("signed out"),
  supervisor: gettext("set by a supervisor"),
});
const NOTICES = /** @type {Record<string, string>} */ ({
  monitoring: gettext("%(supervisor)s is monitoring one of your conversations."),
  barged_in: gettext("%(supervisor)s joined one of your conversations."),
  taken_over: gettext("%(supervisor)s took over one of your conversations."),
  not_ready: gettext("%(supervisor)s set you to Not Ready."),
  signed_out: gettext("%(supervisor)s signed you out."),
});
/** G5: the quality ratings the board's numbers banner names as such. */
const RATED = ["YELLOW", "RED"];
/** How many messages the monitor pane shows. */
const MONITOR_MESSAGES = 30;

/** The agent's queues: "Waiting in your queues: General 2 · Billing 0". */
export class QueueCounts {
  constructor() {
    this.node = document.getElementById("queue-waiting");
  }

  /** @param {QueueWaiting[]} queues */
  render(queues) {
    if (!this.node) return;
    this.node.hidden = queues.length === 0;
    this.node.replaceChildren(
      el("span", { class: "muted", text: gettext("Waiting in your queues: ") }),
      ...queues.flatMap((q, index) => [
        index ? " · " : "",
        el("span", { class: "queue-count", dataset: { queueId: String(q.id) } }, `${q.name} `, el("strong", { text: String(q.waiting) })),
      ]),
    );
  }
}

export class SupervisorBoard {
  /** @param {ConsoleApp} app */
  constructor(app) {
    this.app = app;
    /** The board's section (agents have none: a detached, hidden one stands in). */
    this.root = document.getElementById("board") || el("section", { hidden: true });
    this.enabled = Boolean(app.boot.is_supervisor) && this.root.isConnected;
    this.toggle = byId("board-toggle", HTMLButtonElement);
    this.queueCounts = new QueueCounts();
    /** @type {BoardData | null} */
    this.board = null;
    /** @type {number | null} the interaction monitored in the board's pane */
    this.monitoredId = null;
    this.monitorLoading = false;
    if (!this.enabled) return;
    this.toggle.hidden = false;
    this.toggle.addEventListener("click", () => this.show(Boolean(this.root.hidden)));
    const choices = app.boot.board_choices || { queues: [], groups: [], channels: [] };
    this.fillChoices(choices);
    for (const id of ["board-queue", "board-group", "board-channel", "board-agent-sort", "board-queue-sort"]) {
      byId(id, HTMLSelectElement).addEventListener("change", () => this.watch());
    }
    byId("board-monitor-close").addEventListener("click", () => this.stopMonitor());
    this.root.addEventListener("click", (event) => this.clicked(event));
    setInterval(() => this.tick(), 1000);
  }

  /** @param {BoardChoices} choices */
  fillChoices(choices) {
    /** @param {string} id @param {NamedChoice[]} rows */
    const fill = (id, rows) => byId(id, HTMLSelectElement).append(...rows.map((r) => el("option", { value: String(r.id), text: r.name })));
    fill("board-queue", choices.queues);
    fill("board-group", choices.groups);
    fill("board-channel", choices.channels);
  }

  /** @param {boolean} visible */
  show(visible) {
    this.root.hidden = !visible;
    this.toggle.setAttribute("aria-pressed", String(visible));
    document.body.classList.toggle("board-open", visible);
    if (visible) this.watch();
    else this.app.socket.send({ command: "board_stop" });
  }

  /** The socket (re)opened: agents watch their queues, an open board is asked for again. */
  connected() {
    this.app.socket.send({ command: "queues" });
    if (this.enabled && !this.root.hidden) this.watch();
  }

  /** Send the filters (the server answers with a board, and again after every change). */
  watch() {
    /** @type {Record<string, number | string>} */
    const filters = {};
    for (const [name, id] of [["queue_id", "board-queue"], ["group_id", "board-group"], ["channel_id", "board-channel"]]) {
      const value = byId(id, HTMLSelectElement).value;
      if (value) filters[name] = Number(value);
    }
    filters.agent_sort = byId("board-agent-sort", HTMLSelectElement).value;
    filters.queue_sort = byId("board-queue-sort", HTMLSelectElement).value;
    this.app.socket.send({ command: "board", filters });
  }

  /** A "board" frame. @param {BoardData} board */
  render(board) {
    if (!this.enabled) return;
    this.board = board;
    byId("board-error").hidden = true;
    this.renderQueues(board);
    this.renderAgents(board.agents);
    this.renderRisks(board);
    this.renderNumbers(board.numbers || []);
    this.renderFlowErrors(board.flow_errors || []);
    this.tick();
    if (this.monitoredId !== null) this.loadMonitor();
  }

  /** @param {BoardData} board */
  renderQueues(board) {
    byId("board-queues").replaceChildren(
      ...board.queues.map((q) =>
        el(
          "tr",
          { dataset: { queueId: String(q.id) } },
          el("th", { scope: "row", text: q.name }),
          el("td", { class: "num", dataset: { field: "waiting" }, text: String(q.waiting) }),
          el("td", { class: "num", dataset: { since: q.longest_waiting_since || "" } }),
          el("td", { class: "num", text: String(q.offered_now) }),
          el("td", { class: "num", text: String(q.offered_today) }),
          el("td", { class: "num", text: String(q.abandoned_today) }),
          el("td", { class: "num", text: `${q.agents_ready} / ${q.agents_busy} / ${q.agents_not_ready}` }),
        ),
      ),
    );
  }

  /** @param {BoardAgent[]} agents */
  renderAgents(agents) {
    byId("board-agents").replaceChildren(
      ...agents.map((a) => {
        const reason = a.status === "not_ready" ? REASON_LABELS[a.not_ready_reason] || "" : "";
        const state = [STATUS_LABELS[a.status] || a.status, reason && `(${reason})`, a.not_ready_note && `“${a.not_ready_note}”`];
        return el(
          "tr",
          { dataset: { agentId: String(a.id), status: a.status } },
          el("th", { scope: "row" }, a.name, a.group ? el("span", { class: "muted", text: ` · ${a.group}` }) : ""),
          el("td", { class: "board-state", text: state.filter(Boolean).join(" ") }),
          el("td", { class: "num", dataset: { since: a.state_since || "" } }),
          el("td", { class: "num", text: `${a.load}/${a.capacity}` }),
          el("td", {}, ...a.interactions.map((i) => this.interactionChip(i))),
          el(
            "td",
            { class: "board-actions" },
            el("button", { type: "button", class: "btn btn--small", dataset: { act: "not-ready", agent: String(a.id) }, disabled: !a.is_ready, text: gettext("Not Ready…") }),
            el("button", { type: "button", class: "btn btn--small btn--ghost", dataset: { act: "sign-out", agent: String(a.id) }, disabled: a.status === "signed_out", text: gettext("Sign out") }),
          ),
        );
      }),
    );
  }

  /** An interaction with the supervisor's actions on it. @param {BoardInteraction} i */
  interactionChip(i) {
    const active = i.state === "active";
    /** @param {string} act @param {string} label @param {boolean} [enabled] */
    const button = (act, label, enabled = true) =>
      el("button", { type: "button", class: "btn btn--small btn--ghost", dataset: { act, interaction: String(i.id) }, disabled: !enabled, text: label });
    return el(
      "div",
      { class: "board-chip", dataset: { interactionId: String(i.id) } },
      el("span", { class: "board-chip-name", text: i.contact }),
      i.owner ? el("span", { class: "muted", text: ` · ${i.owner}` }) : "",
      el("span", { class: "board-chip-actions" }, button("monitor", gettext("Monitor")), button("barge-in", gettext("Barge in"), active), button("take-over", gettext("Take over")), button("move", gettext("Move…"), active)),
    );
  }

  /** @param {BoardData} board */
  renderRisks(board) {
    const risks = board.at_risk;
    /** @param {BoardInteraction} i @param {string} field */
    const row = (i, field) => el("li", {}, this.interactionChip(i), el("span", { class: "board-risk-time", dataset: { [field]: (field === "since" ? i.awaiting_reply_since : i.window_expires_at) || "" } }));
    byId("board-reply").replaceChildren(...risks.reply_pending.map((i) => row(i, "since")));
    byId("board-window").replaceChildren(...risks.window_closing.map((i) => row(i, "until")));
    byId("board-offers").replaceChildren(
      ...risks.offers_expiring.map((/** @type {BoardOffer} */ o) =>
        el("li", { dataset: { interactionId: String(o.interaction_id) } }, `${o.contact} → ${o.agent}`, o.queue ? el("span", { class: "muted", text: ` (${o.queue})` }) : "", el("span", { class: "board-risk-time", dataset: { until: o.due_at } })),
      ),
    );
    for (const [id, list] of [["board-reply-empty", risks.reply_pending], ["board-window-empty", risks.window_closing], ["board-offers-empty", risks.offers_expiring]]) {
      byId(/** @type {string} */ (id)).hidden = /** @type {unknown[]} */ (list).length > 0;
    }
  }

  /** G5: the numbers whose quality dropped, worst first (hidden while there is none).
   * @param {BoardNumber[]} numbers */
  renderNumbers(numbers) {
    byId("board-numbers").hidden = numbers.length === 0;
    byId("board-numbers-list").replaceChildren(
      ...numbers.map((n) =>
        el(
          "li",
          { dataset: { channelId: String(n.id), quality: n.quality_rating } },
          el("strong", { text: n.name || n.display_phone_number }),
          n.name ? el("span", { class: "muted", text: n.display_phone_number }) : "",
          // The quality webhook says "downgraded" or "flagged" without the new rating: a drop
          // with no YELLOW / RED rating read yet shows as flagged.
          el("span", { class: `quality--${n.quality_rating || "UNKNOWN"}`, text: RATED.includes(n.quality_rating) ? fmt(gettext("quality %(rating)s"), { rating: n.quality_rating }) : gettext("quality dropped (flagged)") }),
          el("span", { text: fmt(gettext("limit %(limit)s"), { limit: n.messaging_limit || gettext("unknown") }) }),
          n.quality_dropped_at ? el("span", { class: "muted" }, ...fmtParts(gettext("dropped %(time)s ago"), { time: el("span", { dataset: { since: n.quality_dropped_at } }) })) : "",
        ),
      ),
    );
  }

  /** B1: the entry flows that broke today; their customers went to the default queue (hidden
   * while there is none). The flow is mended in the admin.
   * @param {BoardFlowError[]} flows */
  renderFlowErrors(flows) {
    byId("board-flows").hidden = flows.length === 0;
    byId("board-flows-list").replaceChildren(
      ...flows.map((f) =>
        el(
          "li",
          { dataset: { flowId: String(f.flow_id) } },
          el("a", { href: `/admin/flows/flow/${f.flow_id}/change/`, target: "_blank", rel: "noopener", text: f.flow }),
          el("span", { text: fmt(gettext("%(errors_today)s to the default queue today"), { errors_today: f.errors_today }) }),
          el("span", { class: "muted", text: f.last_error }),
          el("span", { class: "muted" }, ...fmtParts(gettext("last %(time)s ago"), { time: el("span", { dataset: { since: f.last_at } }) })),
        ),
      ),
    );
  }

  /** Count durations up (and time left down) from the board's instants. */
  tick() {
    if (!this.enabled || this.root.hidden) return;
    const now = this.app.now();
    for (const node of this.root.querySelectorAll("[data-since]")) {
      const since = toDate(node.getAttribute("data-since"));
      node.textContent = since ? elapsed(now - since.getTime()) : "–";
    }
    for (const node of this.root.querySelectorAll("[data-until]")) {
      const until = toDate(node.getAttribute("data-until"));
      node.textContent = until ? `${remaining(until.getTime() - now)} left` : "";
    }
  }

  /** The board's buttons (one listener for all of them). @param {Event} event */
  async clicked(event) {
    const target = event.target instanceof Element ? event.target.closest("button[data-act]") : null;
    if (!(target instanceof HTMLButtonElement)) return;
    const act = target.dataset.act || "";
    const interaction = Number(target.dataset.interaction);
    const agent = Number(target.dataset.agent);
    try {
      if (act === "monitor") await this.monitor(interaction);
      else if (act === "barge-in") await this.app.api.post(`interactions/${interaction}/barge-in/`, {});
      else if (act === "take-over") await this.app.api.post(`interactions/${interaction}/take-over/`, {});
      else if (act === "move") await this.move(interaction);
      else if (act === "not-ready") await this.notReady(agent);
      else if (act === "sign-out") await this.signOut(agent);
      else return;
      if (act === "barge-in" || act === "take-over") this.app.toast(gettext("The conversation is open in your console."));
    } catch (error) {
      this.fail(error);
    }
  }

  /** @param {unknown} error */
  fail(error) {
    const node = byId("board-error");
    node.textContent = describeError(error);
    node.hidden = false;
  }

  /** @param {number} agentId */
  async notReady(agentId) {
    const reason = window.prompt(gettext("Why is the agent set to Not Ready? (they see it)"), "");
    if (reason === null) return;
    await this.app.api.post(`agents/${agentId}/not-ready/`, { reason });
  }

  /** @param {number} agentId */
  async signOut(agentId) {
    const agent = this.board && this.board.agents.find((a) => a.id === agentId);
    if (!window.confirm(fmt(gettext("Sign %(agent)s out? Their conversations go to their personal workbin."), { agent: agent ? agent.name : gettext("this agent") }))) return;
    await this.app.api.post(`agents/${agentId}/sign-out/`, {});
  }

  /** Move to a queue or a workbin: the choices in a small dialog. @param {number} interactionId */
  async move(interactionId) {
    const dialog = byId("board-move", HTMLDialogElement);
    const select = byId("board-move-target", HTMLSelectElement);
    /** @type {Workbin[]} */
    let workbins = [];
    try {
      workbins = await this.app.api.get("workbins/");
    } catch {
      // Queues only.
    }
    const queues = (this.app.boot.board_choices || { queues: [] }).queues;
    select.replaceChildren(
      el("optgroup", { label: gettext("Queues") }, ...queues.map((q) => el("option", { value: `queue_id:${q.id}`, text: q.name }))),
      el("optgroup", { label: gettext("Workbins") }, ...workbins.map((w) => el("option", { value: `workbin_id:${w.id}`, text: w.name }))),
    );
    dialog.returnValue = "";
    dialog.showModal();
    await new Promise((resolve) => {
      dialog.addEventListener("close", resolve, { once: true });
    });
    if (dialog.returnValue !== "move" || !select.value) return;
    const [field, id] = select.value.split(":");
    await this.app.api.post(`interactions/${interactionId}/move/`, { [field]: Number(id) });
  }

  // --- monitoring: a read-only pane, refreshed with the board ---------------------------------

  /** @param {number} interactionId */
  async monitor(interactionId) {
    /** @type {{ contact?: { display_name?: string }, interventions?: Intervention[] }} */
    const detail = await this.app.api.post(`interactions/${interactionId}/monitor/`, {});
    this.monitoredId = interactionId;
    // The interventions from the monitored conversation itself: those the server allows.
    const allowed = detail.interventions || [];
    for (const button of byId("board-monitor-actions").querySelectorAll("button")) {
      if (!(button instanceof HTMLButtonElement)) continue;
      button.dataset.interaction = String(interactionId);
      button.hidden = !allowed.includes(/** @type {Intervention} */ ((button.dataset.act || "").replace("-", "_")));
    }
    byId("board-monitor-title").textContent = (detail.contact && detail.contact.display_name) || `#${interactionId}`;
    byId("board-monitor").hidden = false;
    await this.loadMonitor();
  }

  /** The monitored conversation's latest messages (again with each board update). */
  async loadMonitor() {
    const id = this.monitoredId;
    if (id === null || this.monitorLoading) return;
    this.monitorLoading = true;
    try {
      /** @type {TranscriptPage} */
      const page = await this.app.api.get(`interactions/${id}/transcript/`);
      if (this.monitoredId !== id) return;
      const messages = (page.messages || []).filter((m) => m.interaction_id === id).slice(-MONITOR_MESSAGES);
      byId("board-monitor-messages").replaceChildren(...messages.map((m) => monitorLine(m)));
    } catch (error) {
      this.fail(error);
    } finally {
      this.monitorLoading = false;
    }
  }

  stopMonitor() {
    this.monitoredId = null;
    byId("board-monitor").hidden = true;
    byId("board-monitor-messages").replaceChildren();
  }

  /** A "supervision.notice" frame: what a supervisor did to this agent. @param {string} kind @param {string} supervisor */
  notice(kind, supervisor) {
    const text = NOTICES[kind];
    if (text) this.app.toast(fmt(text, { supervisor: supervisor || gettext("A supervisor") }));
  }
}

/** One line of the monitor pane. @param {Message} m */
function monitorLine(m) {
  const who = m.direction === "inbound" ? gettext("Customer") : gettext("Agent");
  const at = toDate(m.origination_at || null);
  return el(
    "li",
    { class: `board-monitor-line board-monitor-line--${m.direction}` },
    el("span", { class: "muted", text: `${at ? at.toLocaleTimeString(locale()) : ""} ${who}: ` }),
    m.body || `[${m.type}]`,
  );
}
