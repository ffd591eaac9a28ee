// The agent console: wires the header, offers, tabs, the tools (standard responses,
// the Notification editor, workbins, new conversations), working together (transfers,
// conferences and their invitations, consultations), known contacts, and the live
// transport together. The page loads this module; it loads the others.
//
// State comes from three places, merged so that nothing is ever missing for long: the
// bootstrap JSON in the page, WebSocket frames (at-most-once, frames.js), and REST resyncs
// after every (re)connect, when the page becomes visible and every 20 seconds.

import { Api, isNetworkError } from "./api.js";
import { ContactAssign } from "./assign.js";
import { Consultations } from "./consultation.js";
import { DesktopNotices } from "./desktop.js";
import { Directory } from "./directory.js";
import { SupervisorBoard } from "./board.js";
import { DoneDialog } from "./done.js";
import { byId, fillName, session } from "./dom.js";
import { debounce } from "./format.js";
import { applyFrame } from "./frames.js";
import { Header } from "./header.js";
import { hydrateIcons } from "./icons.js";
import { Invitations } from "./invitations.js";
import { LanguagePicker } from "./language.js";
import { ResponseLibrary } from "./library.js";
import { FAVICON, Notices, setFavicon } from "./notices.js";
import { NotificationEditor } from "./notifications.js";
import { Offers } from "./offers.js";
import { NARROW } from "./panel.js";
import { LiveSocket } from "./socket.js";
import { Shortcuts } from "./shortcuts.js";
import { SignOutDialog } from "./signout.js";
import { InteractionTab } from "./tab.js";
import { TargetDialog } from "./targets.js";
import { Workbins } from "./workbins.js";
import { gettext } from "./i18n.js";

/** @import { Agent, AgentSnapshot, Bootstrap, Choices, Disposition, Frame, InteractionSummary, Options, TargetAgent } from "./types.js" */
/** @import { SocketState } from "./socket.js" */

const RESYNC_EVERY = 20000;
const AGENTS_MAX_AGE = 60000;
const TICK_EVERY = 500;
const TAB_ORDER_MAX = 100;

export class ConsoleApp {
  /** @param {Bootstrap} boot */
  constructor(boot) {
    this.boot = boot;
    /** @type {Agent} */
    this.agent = boot.agent;
    /** When the agent's state last came from a frame or our own change (the server's clock). */
    this.agentAt = 0;
    /** @type {Options} */
    this.options = boot.options || {};
    // W8, R3, W10: decided by options, refreshed with them by every resync.
    /** @type {string[]} */
    this.emojis = boot.emojis || [];
    /** @type {Disposition[]} */
    this.dispositions = boot.dispositions || [];
    this.mapTemplate = boot.map_url_template || "";
    const serverNow = Date.parse(boot.server_time || "");
    this.clockOffset = Number.isFinite(serverNow) ? serverNow - Date.now() : 0;
    this.api = new Api((boot.urls && boot.urls.api) || "/api/v1/");
    this.socket = new LiveSocket((boot.urls && boot.urls.ws) || "/ws/console/");
    /** @type {Map<number, InteractionTab>} */
    this.tabs = new Map();
    /** @type {number | null} */
    this.activeId = null;
    /** @type {string | null} */
    this.subscribedKey = null;
    /** @type {Promise<void> | null} */
    this.resyncing = null;
    this.resyncAgain = false;
    this.focused = document.hasFocus();
    // The agent's load changes with offers and tabs but is not pushed: fetch it (debounced).
    this.resyncSoon = debounce(() => this.resync(), 300);
    // Kept for this browser tab across reloads: the tabs' order, the active tab, the drafts,
    // and which Not Ready notice the agent dismissed.
    this.storeKey = `wa-console.${this.agent.id}`;
    /** @type {number[]} */
    this.tabOrder = session.json(`${this.storeKey}.tabs`, /** @type {unknown[]} */ ([])).filter(Number.isInteger).map(Number);
    /** Agent id → name (R5: who owns a shared conversation). @type {Map<number, string>} */
    this.agentNames = new Map();
    /** @type {Promise<void> | null} */
    this.agentsLoading = null;
    this.agentsLoadedAt = 0;
    this.header = new Header(this);
    this.language = new LanguagePicker(this); // U4
    this.notices = new Notices(() => this.composerArea());
    this.desktop = new DesktopNotices(this); // R2b
    this.offers = new Offers(byId("offer-list"), {
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
    this.done = new DoneDialog(this);
    this.notifications = new NotificationEditor(this);
    this.workbins = new Workbins(this);
    this.directory = new Directory(this);
    this.targets = new TargetDialog(this);
    this.invitations = new Invitations(this);
    this.consultations = new Consultations(this);
    this.assign = new ContactAssign(this);
    this.signOut = new SignOutDialog(this); // asks before open conversations move to the workbin
    this.board = new SupervisorBoard(this); // S1, S2 (agents: their queues' waiting count)
    this.shortcuts = new Shortcuts(this); // U1: Alt+A accept, Alt+↓/↑ next/previous, Alt+/ the list
    /** The dialogs about one tab: they close with it. */
    this.tabDialogs = [this.done, this.notifications, this.targets, this.assign, this.workbins.mover];
  }

  /** The server's clock (countdowns and timers are computed against server timestamps). */
  now() {
    return Date.now() + this.clockOffset;
  }

  start() {
    hydrateIcons(document);
    this.bindTabList();
    this.applyOptions(this.options);
    this.setAgent(this.agent);
    this.watchNames(byId("offer-list"));
    this.watchNames(byId("invitation-list"));
    this.offers.sync(this.boot.offers || []);
    this.invitations.sync(this.boot.invitations || []);
    const active = Number(session.get(`${this.storeKey}.active`)); // before the first tab is activated
    for (const summary of this.boot.interactions || []) this.openTab(summary);
    // R6: the conversations it is consulted about open at once too (read only, in their place),
    // not after the socket's first resync, and without announcing them again.
    for (const summary of this.boot.consultations || []) if (!this.tabs.has(summary.id)) this.openTab(summary, { consulted: true });
    if (this.tabs.has(active)) this.activate(active);
    this.updateEmpty();
    // The window narrowed under the overlay breakpoint: the open side panels would cover the
    // transcript and the composer. They close (the toggle opens one again, above the composer).
    window.matchMedia(NARROW).addEventListener("change", (event) => {
      if (event.matches) for (const tab of this.tabs.values()) tab.side.toggle(false);
    });
    this.workbins.refresh();
    this.library.all().catch(() => {}); // "/shortcut" suggestions at once (the Responses page says what fails)

    this.socket.addEventListener("state", (event) => this.header.setConnection(/** @type {CustomEvent<SocketState>} */ (event).detail));
    this.socket.addEventListener("open", () => {
      this.subscribedKey = null;
      this.subscribe();
      this.board.connected();
      this.resync();
    });
    this.socket.addEventListener("frame", (event) => applyFrame(this, /** @type {CustomEvent<Frame>} */ (event).detail));
    this.api.addEventListener("unauthenticated", () => this.header.signedOut());
    this.header.setConnection(this.socket.state);
    this.socket.connect();

    setInterval(() => this.resync(), RESYNC_EVERY);
    setInterval(() => this.tick(), TICK_EVERY);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) {
        this.resync();
        const tab = this.activeId === null ? undefined : this.tabs.get(this.activeId);
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

  // --- the agent and the options --------------------------------------------------------

  /**
   * AGENT from any source (bootstrap, hello, agent.state, the resync, our own change). A
   * resync's answer (``requestedAt``: when it left) older than the last state from a frame
   * or our own change is not taken: it would undo a newer Ready until the next resync.
   * @param {Agent | undefined} agent
   * @param {{ requestedAt?: number | null }} [when]
   */
  setAgent(agent, { requestedAt = null } = {}) {
    if (!agent) return;
    if (requestedAt === null) this.agentAt = this.now();
    else if (requestedAt < this.agentAt) return;
    this.agent = { ...this.agent, ...agent };
    this.header.render();
  }

  /** Names in cards (offers, invitations) get their full text as a title; numbers stay visible. @param {HTMLElement} root */
  watchNames(root) {
    const apply = () => {
      for (const node of root.querySelectorAll(".offer-name:not([data-name])")) {
        if (node instanceof HTMLElement) fillName(node, node.textContent);
      }
      for (const node of root.querySelectorAll(".offer-profile:not([title])")) {
        if (node instanceof HTMLElement) node.title = node.textContent || "";
      }
    };
    new MutationObserver(apply).observe(root, { childList: true });
    apply();
  }

  /** P5: options can change without a restart; each resync applies them. @param {Options} options */
  applyOptions(options) {
    this.options = { ...this.options, ...options };
    const root = document.documentElement.style;
    /** @param {string} key @param {string} property */
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
    this.header.applyStoredTheme(this.options["whatsappsession.theme"]);
    for (const tab of this.tabs.values()) {
      tab.composer.refreshOptions();
      tab.transcript.render();
    }
  }

  /**
   * What options decide beyond their values (agent/me/ brings them with the options): the
   * emoji set (W8), the disposition codes (R3) and the map provider (W10). The tabs pick
   * them up in applyOptions, which follows.
   * @param {Choices} choices
   */
  applyChoices({ emojis, dispositions, map_url_template: mapTemplate }) {
    if (Array.isArray(emojis)) this.emojis = emojis;
    if (typeof mapTemplate === "string") this.mapTemplate = mapTemplate;
    if (Array.isArray(dispositions) && JSON.stringify(dispositions) !== JSON.stringify(this.dispositions)) {
      this.dispositions = dispositions;
      this.done.setDispositions(dispositions);
    }
  }

  /** @param {string} code */
  dispositionLabel(code) {
    const found = this.dispositions.find((d) => d.code === code);
    return found ? found.label : code;
  }

  // --- other agents ------------------------------------------------------------------

  /** @param {TargetAgent[]} agents */
  rememberAgents(agents) {
    for (const agent of agents) if (agent && agent.id) this.agentNames.set(agent.id, agent.name || agent.username || "");
  }

  /** @param {number | null | undefined} id */
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
      .then((/** @type {{ agents?: TargetAgent[] }} */ data) => {
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
    return [...byId("tab-list").children].map((button) => Number(button.getAttribute("data-interaction-id")));
  }

  bindTabList() {
    byId("tab-list").addEventListener("keydown", (event) => {
      const ids = this.tabIds();
      const index = this.activeId === null ? -1 : ids.indexOf(this.activeId);
      /** @type {number | undefined} */
      let next;
      if (event.key === "ArrowDown" || event.key === "ArrowRight") next = ids[(index + 1) % ids.length];
      else if (event.key === "ArrowUp" || event.key === "ArrowLeft") next = ids[(index - 1 + ids.length) % ids.length];
      else if (event.key === "Home") next = ids[0];
      else if (event.key === "End") next = ids[ids.length - 1];
      const tab = next === undefined ? undefined : this.tabs.get(next);
      if (next !== undefined && tab) {
        event.preventDefault();
        this.activate(next);
        tab.button.focus();
      }
    });
  }

  /**
   * A tab for this interaction (the existing one updated).
   * @param {InteractionSummary} summary
   * @param {{ activate?: boolean, focus?: boolean, consulted?: boolean }} [how]
   */
  openTab(summary, { activate = false, focus = false, consulted = false } = {}) {
    let tab = this.tabs.get(summary.id);
    if (tab) {
      tab.update(summary);
    } else {
      tab = new InteractionTab(this, summary, { consulted });
      this.tabs.set(summary.id, tab);
      this.placeTab(tab);
      byId("tab-panels").append(tab.panel);
      tab.load();
      this.subscribe();
      this.updateEmpty();
    }
    if (activate || this.activeId === null) this.activate(summary.id, { focus });
    return tab;
  }

  /** A new tab goes where it was before a reload, else last. @param {InteractionTab} tab */
  placeTab(tab) {
    if (!this.tabOrder.includes(tab.id)) {
      this.tabOrder.push(tab.id);
      this.saveTabOrder();
    }
    /** @param {number} id */
    const rank = (id) => this.tabOrder.indexOf(id);
    const mine = rank(tab.id);
    const list = byId("tab-list");
    const next = [...list.children].find((button) => rank(Number(button.getAttribute("data-interaction-id"))) > mine);
    list.insertBefore(tab.button, next || null);
  }

  saveTabOrder() {
    this.tabOrder = this.tabOrder.slice(-TAB_ORDER_MAX);
    session.set(`${this.storeKey}.tabs`, JSON.stringify(this.tabOrder));
  }

  /** The composer's unsent text of a conversation, kept for a reload. @param {number} id */
  savedDraft(id) {
    return session.get(`${this.storeKey}.draft.${id}`) || "";
  }

  /** @param {number} id @param {string} text */
  saveDraft(id, text) {
    session.set(`${this.storeKey}.draft.${id}`, text.trim() ? text : null);
  }

  /** @param {number} id @param {{ focus?: boolean }} [how] */
  activate(id, { focus = false } = {}) {
    const tab = this.tabs.get(id);
    if (!tab) return;
    this.activeId = id;
    session.set(`${this.storeKey}.active`, String(id));
    for (const other of this.tabs.values()) other.setActive(other === tab);
    if (focus) tab.focusComposer();
  }

  /**
   * Done, transferred, parked, taken away: the tab goes, with its draft, its place and the
   * dialogs about it.
   * @param {number} id
   * @param {string | null} [reason] said in a toast
   */
  closeTab(id, reason = null) {
    const tab = this.tabs.get(id);
    if (!tab) return;
    const ids = this.tabIds();
    const index = ids.indexOf(id);
    // U5: the focus was on it, in a dialog about it or nowhere (a busy dialog's button is
    // disabled): it goes to the next tab (or the empty stage), not to the page's body.
    const had = document.activeElement;
    const focusHere =
      !had || had === document.body ? this.activeId === id : tab.button.contains(had) || tab.panel.contains(had) || this.tabDialogs.some((d) => d.tab === tab && d.dialog.contains(had));
    tab.destroy();
    this.tabs.delete(id);
    this.saveDraft(id, "");
    this.tabOrder = this.tabOrder.filter((other) => other !== id);
    this.saveTabOrder();
    for (const dialog of this.tabDialogs) dialog.tabClosed(tab);
    if (this.activeId === id) {
      this.activeId = null;
      const rest = this.tabIds();
      if (rest.length) this.activate(rest[Math.min(index, rest.length - 1)]);
    }
    this.subscribe();
    this.updateEmpty();
    if (focusHere && (!document.activeElement || document.activeElement === document.body)) {
      const next = this.activeId === null ? undefined : this.tabs.get(this.activeId);
      (next ? next.button : byId("stage-empty")).focus();
    }
    if (reason) this.toast(reason);
  }

  updateEmpty() {
    const none = this.tabs.size === 0;
    byId("stage-empty").hidden = !none;
    byId("tabs-empty").hidden = !none;
    byId("tab-count").textContent = String(this.tabs.size);
  }

  // --- live transport ---------------------------------------------------------------------

  subscribe() {
    const ids = [...this.tabs.keys()].sort((a, b) => a - b);
    const key = ids.join(",");
    if (key === this.subscribedKey) return;
    if (this.socket.send({ command: "subscribe", interaction_ids: ids })) this.subscribedKey = key;
  }

  /** Refresh everything from REST: agent, options, offers, invitations, open interactions, messages. @returns {Promise<void>} */
  resync() {
    if (this.resyncing) {
      this.resyncAgain = true;
      return this.resyncing;
    }
    this.resyncing = (async () => {
      const requestedAt = this.now();
      try {
        /** @type {AgentSnapshot} */
        const me = await this.api.get("agent/me/");
        // Tabs close on what the snapshot leaves out: one without its lists says nothing.
        if (!Array.isArray(me.interactions) || !Array.isArray(me.consultations)) throw new Error("agent/me/ answered without its lists");
        this.setAgent(me.agent, { requestedAt });
        this.applyChoices(me);
        this.applyOptions(me.options || {});
        this.offers.sync(me.offers || [], { requestedAt });
        this.invitations.sync(me.invitations || [], { requestedAt });
        /** @type {Set<number>} */
        const open = new Set();
        for (const summary of me.interactions) {
          open.add(summary.id);
          const tab = this.tabs.get(summary.id);
          if (tab) tab.update(summary, { requestedAt });
          else this.openTab(summary);
        }
        for (const [id, tab] of this.tabs) {
          // A consultation (R6) is not among the agent's interactions: the next step says.
          if (!open.has(id) && !tab.consulted && tab.openedAt < requestedAt) this.closeTab(id, gettext("A conversation left your console."));
        }
        await this.consultations.sync({ requestedAt, owned: open, consulting: me.consultations }).catch((error) => {
          if (!isNetworkError(error)) console.warn("consultations:", error);
        });
        this.subscribe();
        const tabs = [...this.tabs.values()];
        // Shared conversations: who is in them, and the consultation (frames may have been lost).
        const shared = tabs.filter((t) => t.participants.length > 0);
        await Promise.all([
          ...tabs.map((t) => t.catchUp()),
          ...shared.map((t) => t.refreshParticipants()),
          ...shared.map((t) => t.consultation.catchUp()),
          this.workbins.refresh(),
        ]);
      } catch (error) {
        if (!isNetworkError(error)) console.warn("resync failed:", error);
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
    this.notices.flash(pending, document.hidden || !this.focused);
  }

  /** Where the shown conversation's composer is (a toast stays above it). */
  composerArea() {
    const tab = this.activeId === null ? undefined : this.tabs.get(this.activeId);
    return tab && !tab.panel.hidden ? tab.refs.composerArea.getBoundingClientRect() : null;
  }

  /** @param {string} text */
  announce(text) {
    this.notices.announce(text);
  }

  /** @param {string | null} text */
  toast(text) {
    this.notices.toast(text);
  }
}

function start() {
  const data = document.getElementById("console-bootstrap");
  if (!data) return;
  const app = new ConsoleApp(JSON.parse(data.textContent || "{}"));
  Object.assign(window, { waConsole: app }); // for debugging from the browser's devtools (and the browser tests)
  app.start();
  setFavicon(FAVICON);
}

start();
