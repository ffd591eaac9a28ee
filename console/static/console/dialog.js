// The console's dialogs share one small base: their elements by id, the submit button
// (disabled while busy or while there is nothing to submit, its label saying it is
// working), a status line, the problem box (the server's refusal, with its code in
// data-code), the tab a dialog is about (it closes when that tab does), and where the
// focus goes when it closes (back where the agent was, unless they went elsewhere).

import { describeError } from "./errors.js";
import { byId, el, focusIsFree, onSubmit, showStatus } from "./dom.js";
import { errorCode } from "./api.js";
import { icon } from "./icons.js";

/** @import { InteractionTab } from "./tab.js" */

/**
 * @typedef {object} DialogParts
 * @property {string} dialog the <dialog>'s id
 * @property {string} [form] the id of the form whose submit (and Ctrl/Cmd+Enter in it) submits
 * @property {string} [submit] the submit button's id
 * @property {string} [cancel] the id of the button that closes it
 * @property {string} [problem] the problem box's id
 * @property {string} [status] the status line's id
 * @property {{ idle: string, busy: string }} [labels] the submit button's label, and while busy
 */

export class FormDialog {
  /** @param {DialogParts} parts */
  constructor(parts) {
    this.dialog = byId(parts.dialog, HTMLDialogElement);
    this.form = parts.form ? byId(parts.form, HTMLFormElement) : null;
    this.submitButton = parts.submit ? byId(parts.submit, HTMLButtonElement) : null;
    this.problemBox = parts.problem ? byId(parts.problem) : null;
    this.statusLine = parts.status ? byId(parts.status) : null;
    this.labels = parts.labels || null;
    /** The tab this dialog is about, while it is open for one. @type {InteractionTab | null} */
    this.tab = null;
    /** Where the focus goes back when it closes (an element, or a function naming one). @type {HTMLElement | (() => HTMLElement | null) | null} */
    this.returnFocus = null;
    this.busy = false;
    /** One per opening: an answer for an earlier one is not shown in this one. */
    this.opening = 0;
    if (parts.cancel) byId(parts.cancel).addEventListener("click", () => this.close());
    if (this.form) {
      onSubmit(this.form, this.form, () => {
        if (!this.busy && this.canSubmit()) this.submit();
      });
    }
    this.dialog.addEventListener("close", () => {
      // The close event comes a task later: a dialog shown again meanwhile keeps its new opening.
      if (this.isOpen) return;
      this.opening += 1;
      const back = typeof this.returnFocus === "function" ? this.returnFocus() : this.returnFocus;
      this.tab = null;
      this.returnFocus = null;
      this.closed();
      if (back && back.isConnected && !back.hidden && focusIsFree(this.dialog)) back.focus();
    });
  }

  get isOpen() {
    return this.dialog.open;
  }

  /**
   * Show it (closing it first if it was open for something else): a new opening, nothing
   * busy, no problem, the submit button as ``canSubmit`` says.
   * @param {{ tab?: InteractionTab | null, returnFocus?: HTMLElement | (() => HTMLElement | null) | null }} [about]
   */
  show({ tab = null, returnFocus = null } = {}) {
    if (this.isOpen) this.close();
    this.opening += 1;
    this.tab = tab;
    this.returnFocus = returnFocus;
    this.busy = false;
    this.problem(null);
    this.updateSubmit();
    this.dialog.showModal();
  }

  close() {
    this.dialog.close();
  }

  /** What closing resets, besides the base's (override). */
  closed() {}

  /** The conversation is leaving the console: a dialog about it goes with it. @param {InteractionTab} tab */
  tabClosed(tab) {
    if (this.isOpen && this.tab === tab) this.close();
  }

  /** Is there something to submit (override)? */
  canSubmit() {
    return true;
  }

  updateSubmit() {
    const button = this.submitButton;
    if (!button) return;
    button.disabled = this.busy || !this.canSubmit();
    if (this.labels) button.textContent = this.busy ? this.labels.busy : this.labels.idle;
  }

  /** The form was submitted (override; ``run`` does the work). */
  submit() {}

  /**
   * Run the dialog's action once at a time: busy meanwhile, its refusal shown in the
   * problem box (and handed to ``onError``) unless the dialog was closed or opened for
   * something else since.
   * @param {() => Promise<unknown>} action
   * @param {{ lead?: string, onError?: (error: unknown) => void }} [handlers] lead: what the problem box says first
   */
  async run(action, { lead = "", onError } = {}) {
    if (this.busy) return;
    const opening = this.opening;
    this.busy = true;
    this.problem(null);
    this.updateSubmit();
    try {
      await action();
    } catch (error) {
      if (opening === this.opening) {
        this.problem(error, lead);
        if (onError) onError(error);
      }
    } finally {
      this.busy = false;
      if (opening === this.opening) this.updateSubmit();
    }
  }

  /** Is an answer for this opening still wanted? @param {number} opening */
  current(opening) {
    return opening === this.opening && this.isOpen;
  }

  /**
   * The problem box: what went wrong (``lead`` before it), or hidden for null.
   * @param {unknown} error
   * @param {string} [lead]
   */
  problem(error, lead = "") {
    const box = this.problemBox;
    if (!box) return;
    box.hidden = !error;
    box.replaceChildren();
    delete box.dataset.code;
    if (!error) return;
    box.dataset.code = errorCode(error);
    const text = describeError(error);
    box.append(icon("alert"), el("span", { text: lead ? `${lead}: ${text}` : text }));
  }

  /** The status line (in the error style when ``error``). @param {string} text */
  status(text, error = false) {
    if (this.statusLine) showStatus(this.statusLine, text, error);
  }
}
