// The agent console: wires the header, offers, tabs, the tools (standard responses,
// the Notification editor, workbins, new conversations), working together (transfers,
// conferences and their invitations, consultations), known contacts, and the live
// transport together.
//
// State comes from three places, merged so that nothing is ever missing for long: the
// bootstrap JSON in the page, WebSocket frames (at-most-once), and REST resyncs after
// every (re)connect, when the page becomes visible and every 20 seconds.

import { Api } from "./api.js";
import { ContactAssign } from "./assign.js";
import { Consultations, Invitations, TargetDialog } from "./collaboration.js";
import { describeError } from "./composer.js";
import { debounce, el, fillName, session } from "./dom.js";
import { Directory } from "./directory.js";
import { hydrateIcons } from "./icons.js";
import { ResponseLibrary } from "./library.js";
import { NotificationEditor } from "./notifications.js";
import { Offers } from "./offers.js";
import { LiveSocket } from "./socket.js";
import { InteractionTab } from "./tab.js";
import { Workbins } from "./workbins.js";

const RESYNC_EVERY = 20000;
const AGENTS_MAX_AGE = 60000;
const TICK_EVERY = 500;
/** After options.changed, consoles resync within this long (not all in the same instant). */
const OPTIONS_SPREAD_MS = 1000;
const THEME_KEY = "wa-console.theme";
/** The console's overlay side panel starts below this width (console.css says the same). */
const NARROW = "(max-width: 1100px)";
const CONNECTION_LABELS = {
  connecting: "Connecting…",
  open: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  "signed-out": "Signed out",
};

function favicon(color, alert) {
  const dot = alert ? '<circle cx="25" cy="7" r="6" fill="#e53935" stroke="#fff" stroke-width="2"/>' : "";
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M16 3a13 13 0 0 0-11.3 19.4L3 29l6.8-1.7A13 13 0 1 0 16 3z" fill="${color}"/>${dot}</svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
const FAVICON = favicon("#00a884", false);
const FAVICON_ALERT = favicon("#00a884", true);

const $ = (id) => document.getElementById(id);

class ConsoleApp {
  constructor(boot) {
    this.boot = boot;
    this.agent = boot.agent;
    this.options = boot.options || {};
    // W8, R3, W10: decided by options, refreshed with them by every resync.
    this.emojis = boot.emojis || [];
    this.dispositions = boot.dispositions || [];
    this.mapTemplate = boot.map_url_template || "";
    const serverNow = Date.parse(boot.server_time || "");
    this.clockOffset = Number.isFinite(serverNow) ? serverNow - Date.now() : 0;
    this.api = new Api((boot.urls && boot.urls.api) || "/api/v1/");
    this.socket = new LiveSocket((boot.urls && boot.urls.ws) || "/ws/console/");
    this.tabs = new Map();
    this.activeId = null;
    this.subscribedKey = null;
    this.resyncing = null;
    this.focused = document.hasFocus();
    this.flashOn = false;
    this.baseTitle = document.title;
    this.doneTab = null;
    // The agent's load changes with offers and tabs but is not pushed: fetch it (debounced).
    this.resyncSoon = debounce(() => this.resync(), 300);
    this.offers = new Offers($("offer-list"), {
      api: this.api,
      now: () => this.now(),
      onAccepted: (interaction) => {
        this.openTab(interaction, { activate: true, focus: true });
        this.resyncSoon();
      },
      announce: (text) => this.announce(text),
      isOpen: (id) => this.tabs.has(id),
    });
    this.library = new ResponseLibrary(this.api);
    this.notifications = new NotificationEditor(this);
    this.workbins = new Workbins(this);
    this.directory = new Directory(this);
    this.targets = new TargetDialog(this);
    this.invitations = new Invitations(this);
    this.consultations = new Consultations(this);
    this.assign = new ContactAssign(this);
    this.agentNames = new Map(); // agent id → name (R5: who owns a shared conversation)
    this.agentsLoading = null;
    this.agentsLoadedAt = 0;
    // Kept for this browser tab across reloads: the tabs' order, the active tab, the drafts,
    // and which Not Ready notice the agent dismissed.
    this.storeKey = `wa-console.${this.agent.id}`;
    this.tabOrder = session.json(`${this.storeKey}.tabs`, []).filter(Number.isInteger);
  }

  /** The server's clock (countdowns and timers are computed against server timestamps). */
  now() {
    return Date.now() + this.clockOffset;
  }

  start() {
    hydrateIcons(document);
    this.bindHeader();
    this.bindTabList();
    this.bindDoneDialog();
    this.applyOptions(this.options);
    this.setAgent(this.agent);
    this.watchNames($("offer-list"));
    this.watchNames($("invitation-list"));
    this.offers.sync(this.boot.offers || []);
    const active = Number(session.get(`${this.storeKey}.active`)); // before the first tab is activated
    for (const summary of this.boot.interactions || []) this.openTab(summary);
    if (this.tabs.has(active)) this.activate(active);
    this.updateEmpty();
    // The window narrowed under the overlay breakpoint: the open side panels would cover the
    // transcript and the composer. They close (the toggle opens one again, above the composer).
    window.matchMedia(NARROW).addEventListener("change", (event) => {
      if (event.matches) for (const tab of this.tabs.values()) tab.toggleSide(false);
    });
    window.addEventListener("resize", () => this.placeToast());
    this.workbins.refresh();
    this.library.all().catch(() => {}); // "/shortcut" suggestions at once (the Responses page says what fails)

    this.socket.addEventListener("state", (event) => this.setConnection(event.detail));
    this.socket.addEventListener("open", () => {
      this.subscribedKey = null;
      this.consultations.reset();
      this.subscribe();
      this.resync();
    });
    this.socket.addEventListener("frame", (event) => this.onFrame(event.detail));
    this.api.addEventListener("unauthenticated", () => this.signedOut());
    this.setConnection(this.socket.state);
    this.socket.connect();

    setInterval(() => this.resync(), RESYNC_EVERY);
    setInterval(() => this.tick(), TICK_EVERY);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) {
        this.resync();
        const tab = this.tabs.get(this.activeId);
        if (tab) tab.seen();
      }
      this.tick();
    });
    window.addEventListener("focus", () => {
      this.focused = true;
      this.tick();
    });
    window.addEventListener("blur", () => {
      this.focused = false;
    });
    document.body.classList.add("console-ready");
  }

  // --- header ------------------------------------------------------------------------

  bindHeader() {
    $("ready-toggle").addEventListener("click", () => this.toggleReady());
    $("theme-toggle").addEventListener("click", () => {
      const next = document.body.classList.contains("theme-hc") ? "default" : "high-contrast";
      try {
        localStorage.setItem(THEME_KEY, next);
      } catch {
        // Private mode: the choice lasts for this page only.
      }
      this.applyTheme(next);
    });
    $("toast-close").addEventListener("click", () => this.toast(null));
    $("ready-notice-close").addEventListener("click", () => this.dismissReadyNotice());
    $("ready-notice-go").addEventListener("click", () => {
      if (!this.agent.is_ready) this.toggleReady();
    });
  }

  async toggleReady() {
    const button = $("ready-toggle");
    button.disabled = true;
    try {
      this.setAgent(await this.api.post("agent/me/state/", { ready: !this.agent.is_ready }));
    } catch (error) {
      this.toast(`Could not change your state: ${describeError(error)}`);
    } finally {
      button.disabled = false;
    }
  }

  /** AGENT from any source (bootstrap, hello, agent.state, the resync, our own change). */
  setAgent(agent) {
    if (!agent) return;
    this.agent = { ...this.agent, ...agent };
    const ready = Boolean(this.agent.is_ready);
    this.renderReadyNotice();
    const button = $("ready-toggle");
    button.setAttribute("aria-pressed", String(ready));
    button.dataset.ready = String(ready);
    $("ready-label").textContent = ready ? "Ready" : "Not ready";
    button.title = ready ? "You receive new conversations. Click to stop." : "Click to receive new conversations.";
    $("agent-name").textContent = this.agent.name || this.agent.username || "";
    $("agent-load").textContent = `${this.agent.load ?? 0}/${this.agent.capacity ?? 0}`;
    $("stage-empty-hint").textContent = ready
      ? "You are Ready: new conversations appear on the left as offers."
      : "Go Ready to receive conversations.";
  }

  /** Which Not Ready state a notice is about (dismissing it hides it for that state only). */
  notReadyKey() {
    return `${this.agent.not_ready_reason || ""}@${this.agent.ready_changed_at || ""}`;
  }

  /**
   * The notice under the Ready control: why the agent is Not Ready when they did not
   * choose it, in the server's words (AGENT's not_ready_notice). It stays, across
   * reloads, until dismissed or the agent is Ready again.
   */
  renderReadyNotice() {
    const notice = $("ready-notice");
    const text = this.agent.is_ready ? "" : this.agent.not_ready_notice || "";
    const show = Boolean(text) && session.get(`${this.storeKey}.notice-dismissed`) !== this.notReadyKey();
    const was = !notice.hidden;
    if (text) $("ready-notice-text").textContent = text;
    notice.hidden = !show;
    if (show && !was) this.announce(text);
  }

  dismissReadyNotice() {
    session.set(`${this.storeKey}.notice-dismissed`, this.notReadyKey());
    this.renderReadyNotice();
  }

  /** Names in cards (offers, invitations) get their full text as a title; numbers stay visible. */
  watchNames(root) {
    const apply = () => {
      for (const node of root.querySelectorAll(".offer-name:not([data-name])")) fillName(node, node.textContent);
      for (const node of root.querySelectorAll(".offer-profile:not([title])")) node.title = node.textContent;
    };
    new MutationObserver(apply).observe(root, { childList: true });
    apply();
  }

  setConnection(state) {
    const box = $("connection");
    box.dataset.state = state;
    $("connection-label").textContent = CONNECTION_LABELS[state] || state;
    box.title =
      state === "open"
        ? "Live updates are on"
        : "Live updates are interrupted; the console catches up as soon as the connection is back";
    if (state === "signed-out") this.signedOut();
  }

  signedOut() {
    const banner = $("signed-out");
    banner.hidden = false;
  }

  /** P5: options can change without a restart; each resync applies them. */
  applyOptions(options) {
    this.options = { ...this.options, ...options };
    const root = document.documentElement.style;
    const color = (key, property) => {
      const value = String(this.options[key] || "");
      if (value && window.CSS && CSS.supports("color", value)) root.setProperty(property, value);
      else root.removeProperty(property);
    };
    color("whatsappsession.agent-message-color", "--agent-bubble");
    color("whatsappsession.customer-message-color", "--customer-bubble");
    // The server sends the effective value within the option's bounds (options.py, 8-72):
    // any positive size it sends applies, so the admin and the console never disagree.
    const size = Number(this.options["whatsappsession.text-size"]);
    if (Number.isFinite(size) && size > 0) root.setProperty("--text-size", `${size}px`);
    let stored = null;
    try {
      stored = localStorage.getItem(THEME_KEY);
    } catch {
      stored = null;
    }
    this.applyTheme(stored || this.options["whatsappsession.theme"]);
    for (const tab of this.tabs.values()) {
      tab.composer.refreshOptions();
      tab.transcript.render();
    }
  }

  /**
   * What options decide beyond their values (agent/me/ brings them with the options): the
   * emoji set (W8), the disposition codes (R3) and the map provider (W10). The tabs pick
   * them up in applyOptions, which follows.
   */
  applyChoices({ emojis, dispositions, map_url_template: mapTemplate }) {
    if (Array.isArray(emojis)) this.emojis = emojis;
    if (typeof mapTemplate === "string") this.mapTemplate = mapTemplate;
    if (Array.isArray(dispositions) && JSON.stringify(dispositions) !== JSON.stringify(this.dispositions)) {
      this.dispositions = dispositions;
      const select = $("done-form").elements.disposition;
      const chosen = select.value;
      select.replaceChildren(
        select.options[0], // "No disposition"
        ...dispositions.map((d) => el("option", { value: d.code, text: d.label })),
      );
      if (dispositions.some((d) => d.code === chosen)) select.value = chosen;
    }
  }

  applyTheme(theme) {
    const high = theme === "high-contrast";
    document.body.classList.toggle("theme-hc", high);
    $("theme-toggle").setAttribute("aria-pressed", String(high));
  }

  // --- other agents ------------------------------------------------------------------

  rememberAgents(agents) {
    for (const agent of agents) if (agent && agent.id) this.agentNames.set(agent.id, agent.name || agent.username);
  }

  agentName(id) {
    if (!id) return "";
    if (id === this.agent.id) return this.agent.name || this.agent.username || "";
    return this.agentNames.get(id) || "";
  }

  /** The agents' names (the transfer targets' list, at most once a minute). */
  loadAgents() {
    if (this.agentsLoading) return this.agentsLoading;
    if (Date.now() - this.agentsLoadedAt < AGENTS_MAX_AGE) return Promise.resolve();
    this.agentsLoading = this.api
      .get("transfer-targets/")
      .then((data) => {
        this.rememberAgents(data.agents || []);
        this.agentsLoadedAt = Date.now();
      })
      .finally(() => {
        this.agentsLoading = null;
      });
    return this.agentsLoading;
  }

  // --- tabs --------------------------------------------------------------------------

  /** The tabs' ids as listed (the order they were opened in, kept across reloads). */
  tabIds() {
    return [...$("tab-list").children].map((button) => Number(button.dataset.interactionId));
  }

  bindTabList() {
    $("tab-list").addEventListener("keydown", (event) => {
      const ids = this.tabIds();
      const index = ids.indexOf(this.activeId);
      let next = null;
      if (event.key === "ArrowDown" || event.key === "ArrowRight") next = ids[(index + 1) % ids.length];
      else if (event.key === "ArrowUp" || event.key === "ArrowLeft") next = ids[(index - 1 + ids.length) % ids.length];
      else if (event.key === "Home") next = ids[0];
      else if (event.key === "End") next = ids[ids.length - 1];
      if (next !== null && next !== undefined) {
        event.preventDefault();
        this.activate(next);
        this.tabs.get(next).button.focus();
      }
    });
  }

  openTab(summary, { activate = false, focus = false, consulted = false } = {}) {
    let tab = this.tabs.get(summary.id);
    if (tab) {
      tab.update(summary);
    } else {
      tab = new InteractionTab(this, summary, { consulted });
      this.tabs.set(summary.id, tab);
      this.placeTab(tab);
      $("tab-panels").append(tab.panel);
      tab.load();
      this.subscribe();
      this.updateEmpty();
    }
    if (activate || this.activeId === null) this.activate(summary.id, { focus });
    return tab;
  }

  /** A new tab goes where it was before a reload, else last. */
  placeTab(tab) {
    if (!this.tabOrder.includes(tab.id)) {
      this.tabOrder.push(tab.id);
      this.saveTabOrder();
    }
    const rank = (id) => this.tabOrder.indexOf(id);
    const mine = rank(tab.id);
    const next = [...$("tab-list").children].find((button) => rank(Number(button.dataset.interactionId)) > mine);
    $("tab-list").insertBefore(tab.button, next || null);
  }

  saveTabOrder() {
    this.tabOrder = this.tabOrder.slice(-100);
    session.set(`${this.storeKey}.tabs`, JSON.stringify(this.tabOrder));
  }

  /** The composer's unsent text of a conversation, kept for a reload. */
  savedDraft(id) {
    return session.get(`${this.storeKey}.draft.${id}`) || "";
  }

  saveDraft(id, text) {
    session.set(`${this.storeKey}.draft.${id}`, text.trim() ? text : null);
  }

  activate(id, { focus = false } = {}) {
    const tab = this.tabs.get(id);
    if (!tab) return;
    this.activeId = id;
    session.set(`${this.storeKey}.active`, String(id));
    for (const other of this.tabs.values()) other.setActive(other === tab);
    if (focus) tab.focusComposer();
  }

  closeTab(id, reason = null) {
    const tab = this.tabs.get(id);
    if (!tab) return;
    const ids = this.tabIds();
    const index = ids.indexOf(id);
    tab.destroy();
    this.tabs.delete(id);
    // Done, transferred, parked, taken away: its draft and its place go with it.
    this.saveDraft(id, "");
    this.tabOrder = this.tabOrder.filter((other) => other !== id);
    this.saveTabOrder();
    if (this.doneTab === tab) $("done-dialog").close();
    this.notifications.tabClosed(tab);
    this.targets.tabClosed(tab);
    this.assign.tabClosed(tab);
    if (this.workbins.moveTab === tab) $("workbin-dialog").close();
    if (this.activeId === id) {
      this.activeId = null;
      const rest = this.tabIds();
      if (rest.length) this.activate(rest[Math.min(index, rest.length - 1)]);
    }
    this.subscribe();
    this.updateEmpty();
    if (reason) this.toast(reason);
  }

  updateEmpty() {
    const none = this.tabs.size === 0;
    $("stage-empty").hidden = !none;
    $("tabs-empty").hidden = !none;
    $("tab-count").textContent = String(this.tabs.size);
  }

  dispositionLabel(code) {
    const found = this.dispositions.find((d) => d.code === code);
    return found ? found.label : code;
  }

  // --- R3 Done ---------------------------------------------------------------------------

  bindDoneDialog() {
    const dialog = $("done-dialog");
    const form = $("done-form");
    $("done-cancel").addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const tab = this.doneTab;
      if (!tab) return;
      const submit = $("done-submit");
      const problem = $("done-error");
      submit.disabled = true;
      problem.hidden = true;
      try {
        await this.api.post(`interactions/${tab.id}/done/`, {
          disposition: form.elements.disposition.value,
          note: form.elements.note.value,
        });
        dialog.close();
        this.closeTab(tab.id);
        this.resyncSoon();
        this.announce(`Conversation with ${tab.contact.display_name || "the customer"} is done`);
      } catch (error) {
        problem.hidden = false;
        problem.textContent = describeError(error);
        if (error.code === "closed") {
          dialog.close();
          this.closeTab(tab.id);
        }
      } finally {
        submit.disabled = false;
      }
    });
    dialog.addEventListener("close", () => {
      const tab = this.doneTab;
      this.doneTab = null;
      if (tab && this.tabs.has(tab.id)) tab.refs.done.focus();
    });
  }

  openDone(tab) {
    const dialog = $("done-dialog");
    const form = $("done-form");
    this.doneTab = tab;
    form.reset();
    $("done-error").hidden = true;
    $("done-name").textContent = tab.contact.display_name || "this customer";
    dialog.showModal();
    form.elements.disposition.focus();
  }

  // --- live transport ---------------------------------------------------------------------

  subscribe() {
    const ids = [...this.tabs.keys()].sort((a, b) => a - b);
    const key = ids.join(",");
    if (key === this.subscribedKey) return;
    if (this.socket.send({ command: "subscribe", interaction_ids: ids })) this.subscribedKey = key;
  }

  onFrame(frame) {
    const tab = (id) => this.tabs.get(Number(id));
    switch (frame.type) {
      case "hello":
      case "agent.state":
        this.setAgent(frame.agent);
        break;
      case "offer.created":
        if (frame.offer) this.offers.add(frame.offer);
        this.resyncSoon();
        break;
      case "offer.withdrawn":
        this.offers.withdraw(frame.offer_id, frame.reason);
        this.resyncSoon();
        break;
      case "interaction.assigned":
        if (frame.interaction) this.openTab(frame.interaction);
        this.resyncSoon();
        break;
      case "options.changed":
        // P5: an administrator changed options of this agent: applied at once rather than at
        // the next periodic resync (spread over a second: every console hears it at once).
        setTimeout(() => this.resync(), Math.random() * OPTIONS_SPREAD_MS);
        break;
      case "interaction.changed":
        if (frame.interaction && tab(frame.interaction.id)) tab(frame.interaction.id).update(frame.interaction);
        break;
      case "interaction.window_closed":
      case "interaction.reply_timeout": {
        // O1 / O2: the window or the reply window ended; the tab says what can still be sent.
        const target = frame.interaction && tab(frame.interaction.id);
        if (target) {
          target.update(frame.interaction);
          const who = target.contact.display_name || "the customer";
          this.toast(
            frame.type === "interaction.window_closed"
              ? `The 24-hour window with ${who} closed: only a notification can be sent.`
              : `The response window with ${who} ended: only a notification can be sent.`,
          );
        }
        break;
      }
      case "interaction.closed":
        if (tab(frame.interaction_id)) this.closeTab(Number(frame.interaction_id), "A conversation was closed.");
        this.resyncSoon();
        break;
      case "message.created":
      case "message.updated":
        if (frame.message && tab(frame.message.interaction_id)) {
          tab(frame.message.interaction_id).receive([frame.message], { updated: frame.type === "message.updated" });
        }
        break;
      case "message.status": {
        const target = tab(frame.interaction_id);
        if (target && !target.transcript.setStatus(frame.message_id, frame.status, frame.error)) target.catchUp();
        break;
      }
      case "message.reaction": {
        const target = tab(frame.interaction_id);
        if (target && !target.transcript.setReaction(frame.message_id, frame.direction, frame.emoji)) target.catchUp();
        break;
      }
      case "contact.changed": {
        let known = false;
        for (const t of this.tabs.values()) {
          if (frame.contact && t.contact.id === frame.contact.id) {
            t.setContact(frame.contact);
            known = true;
          }
        }
        // R8: a conversation of ours now belongs to another contact (a merge): the resync
        // brings each tab's contact.
        if (!known) this.resyncSoon();
        break;
      }
      case "conference.invited":
        // R5: an invitation card, like an offer.
        this.invitations.add(frame);
        break;
      case "participants.changed": {
        const target = tab(frame.interaction_id);
        // The frame also says what this agent may now do with it (actions, part).
        if (target) target.setParticipants(frame.participants || [], { viewer: frame });
        break;
      }
      case "consultation.message": {
        // R6: to the agents of the consultation; a consulted agent without the tab gets it.
        const message = frame.message;
        if (!message) break;
        const target = tab(message.interaction_id);
        if (target) target.consultation.receive([message]);
        else if (message.author_id !== this.agent.id) {
          if (message.author_id && message.author_name) this.agentNames.set(message.author_id, message.author_name);
          this.consultations.open(message.interaction_id, { from: message.author_name });
        }
        break;
      }
      case "consultation.ended": {
        const target = tab(frame.interaction_id);
        if (target) target.consultation.endedByFrame();
        break;
      }
      case "workbin.changed":
        // R7: a workbin of ours changed (moved in, opened, the customer wrote): list it again.
        this.workbins.refreshSoon();
        break;
      case "subscribed":
        if ((frame.refused || []).length) this.resync();
        break;
      case "error":
        console.warn("console socket:", frame.code, frame.message);
        break;
      default:
        break;
    }
  }

  /** Refresh everything from REST: agent, options, offers, open interactions, messages. */
  resync() {
    if (this.resyncing) {
      this.resyncAgain = true;
      return this.resyncing;
    }
    this.resyncing = (async () => {
      const requestedAt = this.now();
      try {
        const me = await this.api.get("agent/me/");
        this.setAgent(me.agent);
        this.applyChoices(me);
        this.applyOptions(me.options || {});
        this.offers.sync(me.offers || [], { requestedAt });
        const open = new Set();
        for (const summary of me.interactions || []) {
          open.add(summary.id);
          if (this.tabs.has(summary.id)) this.tabs.get(summary.id).update(summary, { requestedAt });
          else this.openTab(summary);
        }
        for (const [id, tab] of this.tabs) {
          // A consultation (R6) is not among the agent's interactions: the next step says.
          if (!open.has(id) && !tab.consulted && tab.openedAt < requestedAt) this.closeTab(id, "A conversation left your console.");
        }
        await this.consultations.sync({ requestedAt, owned: open }).catch((error) => {
          if (!error.isNetwork) console.warn("consultations:", error);
        });
        this.subscribe();
        const tabs = [...this.tabs.values()];
        // Shared conversations: who is in them, and the consultation (frames may have been lost).
        const shared = tabs.filter((t) => t.participants.length > 0);
        await Promise.all(
          tabs
            .map((t) => t.catchUp())
            .concat(shared.map((t) => t.refreshParticipants()), shared.map((t) => t.consultation.catchUp()), this.workbins.refresh()),
        );
      } catch (error) {
        if (!error.isNetwork) console.warn("resync failed:", error);
      } finally {
        this.resyncing = null;
        if (this.resyncAgain) {
          this.resyncAgain = false;
          this.resync();
        }
      }
    })();
    return this.resyncing;
  }

  // --- timers, title, announcements ---------------------------------------------------------

  tick() {
    const now = this.now();
    this.offers.tick();
    let pending = false;
    for (const tab of this.tabs.values()) {
      tab.tick(now);
      if (tab.pendingReply) pending = true;
    }
    // W5: while a reply is pending and the agent looks elsewhere, the title and icon flash.
    const away = document.hidden || !this.focused;
    if (pending && away) {
      this.flashOn = !this.flashOn;
      document.title = this.flashOn ? `● Reply pending · ${this.baseTitle}` : this.baseTitle;
      this.setFavicon(this.flashOn ? FAVICON_ALERT : FAVICON);
      document.body.dataset.flashing = "true";
    } else if (document.body.dataset.flashing) {
      this.flashOn = false;
      document.title = this.baseTitle;
      this.setFavicon(FAVICON);
      delete document.body.dataset.flashing;
    }
  }

  setFavicon(href) {
    const icon = $("favicon");
    if (icon && icon.getAttribute("href") !== href) icon.setAttribute("href", href);
  }

  announce(text) {
    const box = $("announcer");
    box.textContent = "";
    setTimeout(() => {
      box.textContent = text;
    }, 50);
  }

  toast(text) {
    const box = $("toast");
    clearTimeout(this.toastTimer);
    box.hidden = !text;
    $("toast-text").textContent = text || "";
    this.placeToast();
    if (text) this.toastTimer = setTimeout(() => this.toast(null), 8000);
  }

  /** A toast never covers the composer: it sits above the shown conversation's composer. */
  placeToast() {
    const box = $("toast");
    if (box.hidden) return;
    const tab = this.tabs.get(this.activeId);
    const area = tab && !tab.panel.hidden ? tab.refs.composerArea.getBoundingClientRect() : null;
    if (!area || !area.height) {
      box.style.removeProperty("--toast-bottom");
      box.style.removeProperty("--toast-left");
      return;
    }
    box.style.setProperty("--toast-bottom", `${Math.round(window.innerHeight - area.top + 8)}px`);
    box.style.setProperty("--toast-left", `${Math.round(area.left + area.width / 2)}px`);
  }
}

function start() {
  const data = document.getElementById("console-bootstrap");
  if (!data) return;
  const app = new ConsoleApp(JSON.parse(data.textContent));
  window.waConsole = app; // for debugging from the browser's devtools
  app.start();
  $("favicon").setAttribute("href", FAVICON);
}

start();
