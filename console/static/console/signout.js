// Signing out with open conversations moves them to the agent's workbin (the logout rules,
// conversations/services/signout.py): the console says what will happen, in the server's
// words (GET agent/me/sign-out/), and asks. Nothing to move: it signs out at once.

import { FormDialog } from "./dialog.js";
import { byId } from "./dom.js";
import { fmt, gettext, ngettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */

/**
 * GET agent/me/sign-out/
 * @typedef {object} SignOutPreview
 * @property {number} conversations
 * @property {string[]} customers
 * @property {string} workbin
 * @property {number} offers
 * @property {string} summary
 */

export class SignOutDialog extends FormDialog {
  /** @param {ConsoleApp} app */
  constructor(app) {
    super({ dialog: "signout-dialog", form: "signout-form", submit: "signout-submit", cancel: "signout-cancel", problem: "signout-error", labels: { idle: gettext("Sign out"), busy: gettext("Signing out…") } });
    this.app = app;
    const button = byId("sign-out", HTMLButtonElement);
    const form = button.form;
    if (!form) throw new Error("the sign-out button has no form");
    this.signOutForm = form;
    this.button = button;
    this.confirmed = false;
    form.addEventListener("submit", (event) => {
      if (this.confirmed) return;
      event.preventDefault();
      this.ask();
    });
  }

  /** What signing out would do now: asked only when it moves something. */
  async ask() {
    this.button.disabled = true;
    try {
      /** @type {SignOutPreview} */
      const preview = await this.app.api.get("agent/me/sign-out/");
      if (!preview.conversations && !preview.offers) {
        this.signOut();
        return;
      }
      this.render(preview);
    } catch (error) {
      // The server cannot say: the agent decides without the details.
      this.render({ conversations: 0, customers: [], workbin: "", offers: 0, summary: "" });
      this.problem(error, gettext("Could not find out what signing out moves"));
    } finally {
      this.button.disabled = false;
    }
  }

  /** @param {SignOutPreview} preview */
  render(preview) {
    const count = preview.conversations;
    byId("signout-title").textContent = count
      ? fmt(ngettext("Sign out with %(count)s open conversation?", "Sign out with %(count)s open conversations?", count), { count })
      : gettext("Sign out?");
    byId("signout-summary").textContent = preview.summary;
    this.show({ returnFocus: this.button });
    byId("signout-cancel").focus();
  }

  /** @override */
  submit() {
    this.signOut();
  }

  signOut() {
    this.confirmed = true;
    this.signOutForm.submit(); // the logout page's POST (the session's CSRF token is in the form)
  }
}
