// U4: the agent chooses the console's language in the top bar (their profile's; "" follows
// the browser's). The server stores it (POST agent/me/language/) and the page reloads, so
// that the templates, the JavaScript catalogue and the dates all come in the new language.

import { byId } from "./dom.js";
import { describeError } from "./errors.js";
import { fmt, gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */

export class LanguagePicker {
  /**
   * @param {ConsoleApp} app
   * @param {() => void} [reload] what follows a stored change (tests pass their own)
   */
  constructor(app, reload = () => window.location.reload()) {
    this.app = app;
    this.reload = reload;
    this.select = byId("language-select", HTMLSelectElement);
    this.chosen = this.select.value;
    this.select.addEventListener("change", () => this.choose(this.select.value));
  }

  /** Store ``language`` in the agent's profile, then reload in it. @param {string} language */
  async choose(language) {
    this.select.disabled = true;
    try {
      await this.app.api.post("agent/me/language/", { language });
      this.chosen = language;
      this.reload();
    } catch (error) {
      this.select.value = this.chosen; // the stored choice still holds
      this.app.toast(fmt(gettext("Could not change the language: %(error)s"), { error: describeError(error) }));
    } finally {
      this.select.disabled = false;
    }
  }
}
