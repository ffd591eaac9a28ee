// R2b: a notice on the agent's desktop when new work comes (an offer, a conference
// invitation, a consultation) while they look elsewhere: a browser notification (only with
// the browser's permission, asked from the header's "Desktop notices" button, a user
// gesture), a short sound when the option whatsappsession.desktop-notice-sound says so,
// and the title flash ("(1) New offer — Lena Vogel", notices.js) until the console gets
// the focus. Nothing of it while the console is visible and focused: the cards and the
// screen reader's announcement say it there.
//
// The pure part (what a notice says, whether one is shown) is desktop-notice.js.

import { noticePlan, permissionControl } from "./desktop-notice.js";
import { byId } from "./dom.js";
import { gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { DesktopNotice } from "./desktop-notice.js" */

export const SOUND_OPTION = "whatsappsession.desktop-notice-sound";
const CLOSE_AFTER_MS = 20000;

/** The browser's notification permission (null: no Notification API). */
function permissionNow() {
  return gettext("Notification") in window ? Notification.permission : null;
}

export class DesktopNotices {
  /** @param {ConsoleApp} app */
  constructor(app) {
    this.app = app;
    this.button = byId("desktop-toggle", HTMLButtonElement);
    this.button.addEventListener("click", () => this.ask());
    /** @type {AudioContext | null} */
    this.audio = null;
    this.render();
  }

  render() {
    const shown = permissionControl(permissionNow());
    this.button.hidden = shown.hidden;
    this.button.disabled = shown.disabled;
    this.button.title = shown.title;
    byId("desktop-toggle-label").textContent = shown.text;
  }

  /** The permission, asked from the click (browsers refuse it without a user gesture). */
  async ask() {
    if (!(gettext("Notification") in window)) return;
    try {
      await Notification.requestPermission();
    } catch {
      // An old browser with the callback form only: the state shown stays as it is.
    }
    this.render();
    if (permissionNow() === "granted") this.app.announce(gettext("Desktop notices are on"));
  }

  /** The agent looks elsewhere: another tab, another window, a minimised browser. */
  away() {
    return document.hidden || !this.app.focused;
  }

  /** New work came (a frame, not a resync): tell the desktop. @param {DesktopNotice} notice */
  notify(notice) {
    const plan = noticePlan({ away: this.away(), permission: permissionNow(), sound: this.app.options[SOUND_OPTION] === true });
    if (plan.flash) this.app.notices.alert(notice.flash);
    if (plan.sound) this.beep();
    if (!plan.notification) return;
    try {
      const shown = new Notification(notice.title, { body: notice.body, tag: notice.tag });
      shown.onclick = () => {
        window.focus();
        shown.close();
      };
      setTimeout(() => shown.close(), CLOSE_AFTER_MS);
    } catch {
      // Some browsers allow notifications only from a service worker: the title flash says it.
    }
  }

  /** A short two-tone chime (no file to load; the Web Audio API). */
  beep() {
    try {
      const Context = window.AudioContext;
      if (!Context) return;
      this.audio = this.audio || new Context();
      const audio = this.audio;
      const start = audio.currentTime;
      [880, 660].forEach((frequency, i) => {
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, start + i * 0.18);
        gain.gain.exponentialRampToValueAtTime(0.2, start + i * 0.18 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.18 + 0.16);
        tone.connect(gain).connect(audio.destination);
        tone.start(start + i * 0.18);
        tone.stop(start + i * 0.18 + 0.17);
      });
      document.body.dataset.chimed = String(Number(document.body.dataset.chimed || "0") + 1);
    } catch {
      // No audio output: the notification and the title still say it.
    }
  }
}
