// Telling the agent: the screen reader's announcements, the toast for passing notices
// (never over the composer), and W5's flashing title and icon while a reply is pending and
// the agent looks elsewhere (R2b: new work that came meanwhile, first).

import { fmt, gettext } from "./i18n.js";
import { titleAlert } from "./desktop-notice.js";
import { byId } from "./dom.js";

const TOAST_MS = 8000;

/** The console's icon, with a red dot when something waits. @param {string} color @param {boolean} alert */
function favicon(color, alert) {
  const dot = alert ? '<circle cx="25" cy="7" r="6" fill="#e53935" stroke="#fff" stroke-width="2"/>' : "";
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M16 3a13 13 0 0 0-11.3 19.4L3 29l6.8-1.7A13 13 0 1 0 16 3z" fill="${color}"/>${dot}</svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
export const FAVICON = favicon("#00a884", false);
const FAVICON_ALERT = favicon("#00a884", true);

export class Notices {
  /** @param {() => DOMRect | null} composerArea where the shown conversation's composer is (null: none) */
  constructor(composerArea) {
    this.composerArea = composerArea;
    this.baseTitle = document.title;
    this.flashOn = false;
    /** R2b: new work that came while the agent looked elsewhere (the latest last). @type {string[]} */
    this.alerts = [];
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.toastTimer = undefined;
    byId("toast-close").addEventListener("click", () => this.toast(null));
    window.addEventListener("resize", () => this.placeToast());
  }

  /** For screen readers (a polite live region). @param {string} text */
  announce(text) {
    const box = byId("announcer");
    box.textContent = "";
    setTimeout(() => {
      box.textContent = text;
    }, 50);
  }

  /** A passing notice (null takes it away). @param {string | null} text */
  toast(text) {
    const box = byId("toast");
    clearTimeout(this.toastTimer);
    box.hidden = !text;
    byId("toast-text").textContent = text || "";
    this.placeToast();
    if (text) this.toastTimer = setTimeout(() => this.toast(null), TOAST_MS);
  }

  /** A toast never covers the composer: it sits above the shown conversation's composer. */
  placeToast() {
    const box = byId("toast");
    if (box.hidden) return;
    const area = this.composerArea();
    if (!area || !area.height) {
      box.style.removeProperty("--toast-bottom");
      box.style.removeProperty("--toast-left");
      return;
    }
    box.style.setProperty("--toast-bottom", `${Math.round(window.innerHeight - area.top + 8)}px`);
    box.style.setProperty("--toast-left", `${Math.round(area.left + area.width / 2)}px`);
  }

  /**
   * R2b: new work came while the agent looks elsewhere: the title flashes "(n) New offer —
   * Lena Vogel" (before W5's reply pending) until the console gets the focus.
   * @param {string} label
   */
  alert(label) {
    this.alerts.push(label);
  }

  /**
   * W5: while a reply is pending and the agent looks elsewhere, the title and icon flash;
   * R2b's new work comes first. Looking at the console again ends both.
   * @param {boolean} pending a customer waits for a reply
   * @param {boolean} away the page is hidden or without focus
   */
  flash(pending, away) {
    if (!away) this.alerts = [];
    const alert = this.alerts.length ? titleAlert(this.alerts) : "";
    if ((pending || alert) && away) {
      this.flashOn = !this.flashOn;
      const shown = alert || fmt(gettext("● Reply pending · %(base_title)s"), { base_title: this.baseTitle });
      document.title = this.flashOn ? shown : this.baseTitle;
      setFavicon(this.flashOn ? FAVICON_ALERT : FAVICON);
      document.body.dataset.flashing = alert ? "new-work" : "true";
    } else if (document.body.dataset.flashing) {
      this.flashOn = false;
      document.title = this.baseTitle;
      setFavicon(FAVICON);
      delete document.body.dataset.flashing;
    }
  }
}

/** @param {string} href */
export function setFavicon(href) {
  const icon = document.getElementById("favicon");
  if (icon && icon.getAttribute("href") !== href) icon.setAttribute("href", href);
}
