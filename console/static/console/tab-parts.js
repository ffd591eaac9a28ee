// How a tab's parts are built from the interaction template and wired to the tab and the
// console: the panel, the transcript (transcript.js), the composer (composer.js) and the
// side panel (panel.js). Each part knows its tab only through the host callbacks here.

import { Composer } from "./composer.js";
import { SidePanel } from "./panel.js";
import { hydrateIcons } from "./icons.js";
import { Transcript } from "./transcript.js";
import { gettext } from "./i18n.js";

/** @import { InteractionTab } from "./tab.js" */

/** A new panel from the interaction template, hidden. @param {number} id the interaction */
export function panelFor(id) {
  const template = document.getElementById("interaction-template");
  const root = template instanceof HTMLTemplateElement ? template.content.firstElementChild : null;
  if (!(root instanceof HTMLElement)) throw new Error("#interaction-template is missing");
  const panel = /** @type {HTMLElement} */ (root.cloneNode(true));
  panel.id = `panel-${id}`;
  panel.setAttribute("aria-labelledby", `tab-${id}`);
  panel.dataset.interactionId = String(id);
  panel.hidden = true;
  hydrateIcons(panel);
  return panel;
}

/** @param {InteractionTab} tab */
export function transcriptFor(tab) {
  const { refs, app } = tab;
  return new Transcript({
    scroller: refs.scroller,
    list: refs.messages,
    olderButton: refs.older,
    pill: refs.pill,
    context: {
      interactionId: tab.id,
      agentId: app.agent.id,
      // W10: the resync may bring another provider (a getter: always the current one).
      get mapTemplate() {
        return app.mapTemplate;
      },
      options: () => app.options,
      contactName: () => tab.contact.display_name || gettext("Customer"),
      onRetry: (message, button) => tab.retry(message, button),
      onReply: (message) => tab.replyTo(message),
      onReact: (message, emoji) => tab.react(message, emoji),
      loadOlder: (cursor) => tab.api.get(`interactions/${tab.id}/transcript/?before=${encodeURIComponent(cursor)}`),
      onError: (error) => tab.composer.showError(error),
    },
  });
}

/** The composer, with the draft a reload kept. @param {InteractionTab} tab */
export function composerFor(tab) {
  const { refs, app, api } = tab;
  const composer = new Composer(refs, {
    options: () => app.options,
    emojis: () => app.emojis,
    send: (payload) => tab.send(payload),
    upload: (file) => {
      const form = new FormData();
      form.append("file", file, file.name);
      return api.upload("attachments/", form);
    },
    useAttachment: (id) => api.post(`standard-responses/attachments/${id}/use/`, {}),
    onDraft: (text) => app.saveDraft(tab.id, text),
    onTyping: () => tab.typing(),
  });
  // A reload keeps what was typed and not sent yet.
  const draft = app.savedDraft(tab.id);
  if (draft && !refs.text.value) {
    refs.text.value = draft;
    composer.update();
  }
  return composer;
}

/** The side panel: its pages (Details, Responses, Consultation) as tabs of their own. @param {InteractionTab} tab */
export function sidePanelFor(tab) {
  const { refs, app } = tab;
  /** @type {[HTMLElement, HTMLElement, string][]} */
  const pages = [
    [refs.sideTabDetails, refs.sideDetails, "details"],
    [refs.sideTabResponses, refs.sideResponses, "responses"],
    [refs.sideTabConsult, refs.sideConsult, "consult"],
  ];
  for (const [button, page, name] of pages) {
    button.id = `panel-${tab.id}-tab-${name}`;
    page.id = `panel-${tab.id}-${name}`;
    button.setAttribute("aria-controls", page.id);
    page.setAttribute("aria-labelledby", button.id);
  }
  return new SidePanel(refs, {
    panel: tab.panel,
    api: tab.api,
    interactionId: tab.id,
    contact: () => tab.contact,
    onContact: (contact) => tab.setContact(contact),
    dispositionLabel: (code) => app.dispositionLabel(code),
    onNewConversation: () => app.notifications.openStart(tab.contact),
    onAssign: () => app.assign.open(tab),
    onPage: (name) => {
      if (name === "responses") tab.responses.shown();
      if (name === "consult") tab.consultation.seen();
    },
  });
}
