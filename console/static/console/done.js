// R3 Done: the conversation is closed with a disposition code (a business attribute) and a
// note; it is stored in the contact history and leaves the console.

import { errorCode } from "./api.js";
import { FormDialog } from "./dialog.js";
import { byId, el } from "./dom.js";
import { fmt, gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { InteractionTab } from "./tab.js" */
/** @import { Disposition } from "./types.js" */

export class DoneDialog extends FormDialog {
  /** @param {ConsoleApp} app */
  constructor(app) {
    super({ dialog: "done-dialog", form: "done-form", submit: "done-submit", cancel: "done-cancel", problem: "done-error" });
    this.app = app;
    this.disposition = byId("done-disposition", HTMLSelectElement);
    this.note = byId("done-note", HTMLTextAreaElement);
  }

  /** @param {InteractionTab} tab */
  open(tab) {
    if (this.form) this.form.reset();
    byId("done-name").textContent = tab.contact.display_name || gettext("this customer");
    const button = tab.refs.done;
    this.show({ tab, returnFocus: () => (this.app.tabs.has(tab.id) ? button : null) });
    this.disposition.focus();
  }

  /**
   * W8, R3: the disposition codes the options allow (again when the resync brings others);
   * the one chosen stays chosen if it is still there.
   * @param {Disposition[]} dispositions
   */
  setDispositions(dispositions) {
    const select = this.disposition;
    const chosen = select.value;
    select.replaceChildren(
      select.options[0], // gettext("No disposition")
      ...dispositions.map((d) => el("option", { value: d.code, text: d.label })),
    );
    if (dispositions.some((d) => d.code === chosen)) select.value = chosen;
  }

  /** @override */
  submit() {
    const tab = this.tab;
    if (!tab) return;
    const app = this.app;
    this.run(
      async () => {
        await app.api.post(`interactions/${tab.id}/done/`, { disposition: this.disposition.value, note: this.note.value });
        this.close();
        app.closeTab(tab.id);
        app.resyncSoon();
        app.announce(fmt(gettext("Conversation with %(display_name)s is done"), { display_name: tab.contact.display_name || gettext("the customer") }));
      },
      {
        onError: (error) => {
          // Done elsewhere meanwhile (a supervisor, a transfer): the tab goes.
          if (errorCode(error) === "closed") {
            this.close();
            app.closeTab(tab.id);
          }
        },
      },
    );
  }
}
