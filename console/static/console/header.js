// The console's top bar and what sits under it: who is signed in and their load, Ready /
// Not Ready (and why the agent is Not Ready when they did not choose it), the live
// connection's state, the high-contrast theme (W7), and the signed-out banner.

import { byId, session } from "./dom.js";
import { describeError } from "./errors.js";
import { fmt, gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { SocketState } from "./socket.js" */

const THEME_KEY = "wa-console.theme";
/** @type {Record<SocketState, string>} */
const CONNECTION_LABELS = {
  connecting: gettext("Connecting…"),
  open: gettext("Live"),
  reconnecting: gettext("Reconnecting…"),
  offline: gettext("Offline"),
  "signed-out": gettext("Signed out"),
};

/** The theme the agent chose in this browser (null: the option's). */
function storedTheme() {
  try {
    return localStorage.getItem(THEME_KEY);
  } catch {
    return null;
  }
}

export class Header {
  /** @param {ConsoleApp} app */
  constructor(app) {
    this.app = app;
    this.readyButton = byId("ready-toggle", HTMLButtonElement);
    this.readyButton.addEventListener("click", () => this.toggleReady());
    byId("theme-toggle").addEventListener("click", () => {
      const next = document.body.classList.contains("theme-hc") ? "default" : "high-contrast";
      try {
        localStorage.setItem(THEME_KEY, next);
      } catch {
        // Private mode: the choice lasts for this page only.
      }
      this.applyTheme(next);
    });
    byId("ready-notice-close").addEventListener("click", () => this.dismissReadyNotice());
    byId("ready-notice-go").addEventListener("click", () => {
      if (!this.app.agent.is_ready) this.toggleReady();
    });
  }

  async toggleReady() {
    const button = this.readyButton;
    button.disabled = true;
    try {
      this.app.setAgent(await this.app.api.post("agent/me/state/", { ready: !this.app.agent.is_ready }));
    } catch (error) {
      this.app.toast(fmt(gettext("Could not change your state: %(error)s"), { error: describeError(error) }));
    } finally {
      button.disabled = false;
    }
  }

  /** The agent's state as the app holds it now. */
  render() {
    const agent = this.app.agent;
    const ready = Boolean(agent.is_ready);
    this.renderReadyNotice();
    const button = this.readyButton;
    button.setAttribute("aria-pressed", String(ready));
    button.dataset.ready = String(ready);
    byId("ready-label").textContent = ready ? gettext("Ready") : gettext("Not ready");
    button.title = ready ? gettext("You receive new conversations. Click to stop.") : gettext("Click to receive new conversations.");
    byId("agent-name").textContent = agent.name || agent.username || "";
    byId("agent-load").textContent = `${agent.load ?? 0}/${agent.capacity ?? 0}`;
    byId("stage-empty-hint").textContent = ready
      ? gettext("You are Ready: new conversations appear on the left as offers.")
      : gettext("Go Ready to receive conversations.");
  }

  /** Which Not Ready state a notice is about (dismissing it hides it for that state only). */
  notReadyKey() {
    const agent = this.app.agent;
    return `${agent.not_ready_reason || ""}@${agent.ready_changed_at || ""}`;
  }

  noticeKey() {
    return `${this.app.storeKey}.notice-dismissed`;
  }

  /**
   * The notice under the Ready control: why the agent is Not Ready when they did not
   * choose it, in the server's words (AGENT's not_ready_notice). It stays, across
   * reloads, until dismissed or the agent is Ready again.
   */
  renderReadyNotice() {
    const agent = this.app.agent;
    const notice = byId("ready-notice");
    const text = agent.is_ready ? "" : agent.not_ready_notice || "";
    const show = Boolean(text) && session.get(this.noticeKey()) !== this.notReadyKey();
    const was = !notice.hidden;
    if (text) byId("ready-notice-text").textContent = text;
    notice.hidden = !show;
    if (show && !was) this.app.announce(text);
  }

  dismissReadyNotice() {
    session.set(this.noticeKey(), this.notReadyKey());
    this.renderReadyNotice();
  }

  /** @param {SocketState} state */
  setConnection(state) {
    const box = byId("connection");
    box.dataset.state = state;
    byId("connection-label").textContent = CONNECTION_LABELS[state] || state;
    box.title =
      state === "open"
        ? gettext("Live updates are on")
        : gettext("Live updates are interrupted; the console catches up as soon as the connection is back");
    if (state === "signed-out") this.signedOut();
  }

  signedOut() {
    byId("signed-out").hidden = false;
  }

  /** W7: the agent's choice in this browser, else the option's. @param {unknown} optionTheme */
  applyStoredTheme(optionTheme) {
    this.applyTheme(storedTheme() || optionTheme);
  }

  /** @param {unknown} theme */
  applyTheme(theme) {
    const high = theme === "high-contrast";
    document.body.classList.toggle("theme-hc", high);
    byId("theme-toggle").setAttribute("aria-pressed", String(high));
  }
}
