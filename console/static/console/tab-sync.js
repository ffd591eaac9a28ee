// W3, W6, P4: loading a tab and keeping its transcript complete. WebSocket frames are
// at-most-once: after every (re)connect, when the page becomes visible and every 20
// seconds the tab catches up over REST (docs/console-protocol.md): the messages after its
// watermark, and the ones already shown that may have changed meanwhile. Frames carry the
// short message shape: what they lack (a file, a quote, an edit) is fetched again.

import { errorStatus } from "./api.js";
import { describeError } from "./errors.js";
import { debounce } from "./format.js";
import { isPartial, MEDIA_KINDS, refreshIds } from "./messages.js";
import { fmt, gettext } from "./i18n.js";

/** @import { Action, Interaction, Message, TranscriptPage } from "./types.js" */
/** @import { InteractionTab } from "./tab.js" */

/** Messages younger than this are fetched again at the next catch-up: a concurrent
 *  transaction may commit a lower id after a higher one was already read. */
const SETTLE_MS = 15000;
const CATCH_UP_LIMIT = 500;
const CATCH_UP_PAGES = 20;
/** Messages already shown that each catch-up checks again (the server's limit is 200). */
const REFRESH_TAIL = 100;
const REFRESH_MAX = 200;
/** Someone is or was consulted about the conversation: its consultation is loaded too. @type {Action[]} */
const CONSULTATION_ACTIONS = ["consult", "consultation", "end_consultation", "leave_consultation"];

export class TranscriptSync {
  /** @param {InteractionTab} tab */
  constructor(tab) {
    this.tab = tab;
    /** The id the catch-up starts after: from REST pages only, once settled. */
    this.syncedId = 0;
    /** @type {Promise<void> | null} */
    this.catchingUp = null;
    this.catchUpAgain = false;
    /** @type {number | null} the id after which a refetch asks for the full shapes */
    this.refetchAfter = null;
    this.refetchSoon = debounce(() => this.refetch(), 250);
  }

  /**
   * The conversation (GET console/), its first transcript page, and what happened since;
   * a conversation that is no longer the agent's leaves the console.
   */
  async load() {
    const { tab } = this;
    const { refs } = tab;
    refs.loadError.hidden = true;
    refs.scroller.setAttribute("aria-busy", "true");
    const requestedAt = performance.now();
    try {
      /** @type {[Interaction, TranscriptPage]} */
      const [detail, page] = await Promise.all([
        tab.api.get(`interactions/${tab.id}/console/`),
        tab.api.get(`interactions/${tab.id}/transcript/`),
      ]);
      tab.applyDetail(detail, { requestedAt });
      if (CONSULTATION_ACTIONS.some((action) => tab.can(action))) tab.consultation.load();
      tab.transcript.load(page);
      this.advanceWatermark(page.messages || []);
      tab.afterMessages();
      tab.side.loadHistory();
      await this.catchUp();
    } catch (error) {
      if (errorStatus(error) === 404) {
        tab.app.closeTab(tab.id, gettext("This conversation is no longer yours."));
        return;
      }
      refs.loadError.hidden = false;
      refs.loadErrorText.textContent = fmt(gettext("Could not load the conversation: %(error)s"), { error: describeError(error) });
    } finally {
      refs.scroller.removeAttribute("aria-busy");
    }
  }

  /**
   * Messages after the watermark (the contract's catch-up), and the messages already
   * shown that may have changed meanwhile (``refreshIds``), merged by id.
   * @returns {Promise<void>}
   */
  catchUp() {
    const { tab } = this;
    if (!tab.transcript.loaded) return Promise.resolve();
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    this.catchingUp = (async () => {
      try {
        let after = this.syncedId;
        let refresh = refreshIds(tab.transcript.ordered, { tail: REFRESH_TAIL, max: REFRESH_MAX });
        for (let page = 0; page < CATCH_UP_PAGES; page += 1) {
          const ids = refresh.length ? `&ids=${refresh.join(",")}` : "";
          /** @type {{ messages?: Message[], refreshed?: Message[] }} */
          const data = await tab.api.get(`interactions/${tab.id}/messages/?after_id=${after}${ids}`);
          refresh = [];
          const messages = data.messages || [];
          tab.receive([...(data.refreshed || []), ...messages]);
          this.advanceWatermark(messages);
          if (messages.length < CATCH_UP_LIMIT) break;
          after = Math.max(after, ...messages.map((m) => m.id));
        }
      } catch (error) {
        if (errorStatus(error) === 404) tab.app.closeTab(tab.id, gettext("This conversation is no longer yours."));
      } finally {
        this.catchingUp = null;
        if (this.catchUpAgain) {
          this.catchUpAgain = false;
          this.catchUp();
        }
      }
    })();
    return this.catchingUp;
  }

  /** The watermark moves past this interaction's messages once they are settled. @param {Message[]} messages */
  advanceWatermark(messages) {
    const settled = this.tab.app.now() - SETTLE_MS;
    for (const message of messages) {
      if (message.interaction_id !== this.tab.id) continue;
      const at = Date.parse(message.arrived_at || message.origination_at || "");
      if (at < settled && message.id > this.syncedId) this.syncedId = message.id;
    }
  }

  /**
   * Frames carry the short message shape: the full one is fetched for those that lack
   * something (an update, a file, a quote).
   * @param {Message[]} messages
   * @param {{ updated?: boolean }} [how] a message.updated frame
   */
  lacking(messages, { updated = false } = {}) {
    const partial = messages.filter((m) => isPartial(m) && (updated || MEDIA_KINDS.has(m.type) || m.context_wamid));
    if (!partial.length) return;
    const from = Math.min(...partial.map((m) => m.id)) - 1;
    this.refetchAfter = this.refetchAfter === null ? from : Math.min(this.refetchAfter, from);
    this.refetchSoon();
  }

  async refetch() {
    const after = this.refetchAfter;
    this.refetchAfter = null;
    if (after === null) return;
    try {
      /** @type {{ messages?: Message[] }} */
      const data = await this.tab.api.get(`interactions/${this.tab.id}/messages/?after_id=${after}`);
      this.tab.receive(data.messages || [], { refetching: true });
    } catch {
      // The periodic catch-up will bring it.
    }
  }

  stop() {
    this.refetchSoon.cancel();
  }
}
