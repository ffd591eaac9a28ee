// The state of one conversation as the console shows it, without the DOM (tests/js/):
// the pending response indicator (W5), the 24-hour and reply windows (O1, O2) and what
// the composer allows in each (W4, M2, R6).

import { utf8Length } from "./format.js";
import { fmt, gettext, locale } from "./i18n.js";

/** @import { InteractionSummary, Message, Options } from "./types.js" */

const WINDOW_MS = 24 * 3600 * 1000;
const DEFAULT_REPLY_TIMEOUT_S = 86400;

/**
 * W5: whatsappsession.pending-response-to-customer ("30,50": yellow after 30 s, red after
 * 50 s), in milliseconds; a bad value falls back to the defaults.
 * @param {unknown} value
 */
export function thresholds(value) {
  const [first, second] = String(value || "30,50")
    .split(",")
    .map((part) => Number(part.trim()));
  const yellow = Number.isFinite(first) && first >= 0 ? first : 30;
  const red = Number.isFinite(second) && second >= yellow ? second : Math.max(yellow, 50);
  return { yellow: yellow * 1000, red: red * 1000 };
}

/**
 * W5: the indicator's colour after the customer waited ``waited`` ms.
 * @param {number} waited
 * @param {{ yellow: number, red: number }} limits
 * @returns {"green" | "yellow" | "red"}
 */
export function pendingLevel(waited, { yellow, red }) {
  return waited >= red ? "red" : waited >= yellow ? "yellow" : "green";
}

/**
 * @typedef {object} WindowState
 * @property {boolean} open the 24-hour window is open (files and free text)
 * @property {boolean} replyOpen the reply window is open too (free text goes out as text)
 * @property {boolean} fallback the server sends text as a notification after the reply window
 * @property {number} expires when the 24-hour window closes (ms since the epoch, 0: unknown)
 * @property {number} replyEnds when the reply window ends (ms since the epoch, 0: unknown)
 */

/**
 * O1 / O2: the 24-hour window (files and free text), and the reply window after which
 * the agent's text goes out as a notification (when the server supports it: its
 * interaction payload then has reply_window_ends_at). Both come from the server's
 * deadlines; the half-second tick shows a deadline passing without any frame.
 * @param {InteractionSummary} summary
 * @param {number} now on the server's clock
 * @returns {WindowState}
 */
export function windowState(summary, now) {
  const expires = Date.parse(summary.window_expires_at || "") || 0;
  const open = expires > now;
  const fallback = Object.prototype.hasOwnProperty.call(summary, "reply_window_ends_at");
  const replyEnds = Date.parse(summary.reply_window_ends_at || "") || 0;
  const replyOpen = open && (!fallback || replyEnds > now);
  return { open, replyOpen, fallback, expires, replyEnds };
}

/**
 * When a deadline falls, as the banner writes it: "14:05" today, "Sat 09:30" on another day
 * (the browser's locale and time zone).
 * @param {number} ms since the epoch
 * @param {number} now
 */
export function untilLabel(ms, now) {
  const at = new Date(ms);
  const time = at.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
  if (at.toDateString() === new Date(now).toDateString()) return time;
  return `${at.toLocaleDateString(locale(), { weekday: "short" })} ${time}`;
}

/**
 * The window chip: its state and what it says. It says what can be sent now and until
 * when, as the composer and the Notification editor allow it (the server's rules,
 * conversations/windows.py): inside the 24-hour window anything (text, files, reply
 * buttons, lists, notifications); after the reply timeout text goes out as a notification
 * but files, reply buttons and lists still go until the window closes; after the window
 * only a notification (an approved template).
 * @param {WindowState} state
 * @param {number} now
 * @param {(ms: number) => string} remaining how a time left is written
 * @returns {{ state: "open" | "reply-ended" | "closed", text: string, title: string }}
 */
export function windowChip(state, now, remaining) {
  if (!state.open) {
    return {
      state: "closed",
      text: gettext("Window closed: only a notification can be sent"),
      title: gettext("More than 24 hours since the customer's last message: only a notification (an approved template) can be sent, until the customer writes again"),
    };
  }
  const until = untilLabel(state.expires, now);
  if (!state.replyOpen) {
    return {
      state: "reply-ended",
      text: fmt(gettext("Response window ended: text goes out as a notification; files, buttons and lists until %(until)s"), { until }),
      title: fmt(gettext("The reply timeout after the customer's last message has passed: what you type goes out appended to the default notification template. Files, reply buttons and lists can still be sent until the 24-hour window closes at %(value)s; after that only a notification."), { value: new Date(state.expires).toLocaleString(locale()) }),
    };
  }
  if (state.fallback && state.replyEnds < state.expires) {
    // A reply timeout shorter than the 24-hour window: its end is what the agent meets first.
    return {
      state: "open",
      text: fmt(gettext("Window open · %(remaining)s left: text until %(until_label)s, files, buttons and lists until %(until)s"), { remaining: remaining(state.replyEnds - now), until_label: untilLabel(state.replyEnds, now), until }),
      title: fmt(gettext("The reply timeout ends at %(value)s: after it, what you type goes out as a notification. Files, reply buttons and lists can be sent until %(value2)s; after that only a notification."), { value: new Date(state.replyEnds).toLocaleString(locale()), value2: new Date(state.expires).toLocaleString(locale()) }),
    };
  }
  return {
    state: "open",
    text: fmt(gettext("Window open · %(remaining)s left: anything can be sent until %(until)s"), { remaining: remaining(state.expires - now), until }),
    title: fmt(gettext("WhatsApp's 24-hour customer-service window closes at %(value)s: until then text, files, reply buttons, lists and notifications; after that only a notification."), { value: new Date(state.expires).toLocaleString(locale()) }),
  };
}

/**
 * O2: the reply timeout of this conversation, as the server last said it (its reply
 * deadline after the customer's last message): the owner's, which need not be this
 * agent's own option (a supervisor, a conference guest).
 * @param {InteractionSummary} summary
 * @param {Options} options
 */
export function replyTimeoutMs(summary, options) {
  const ends = Date.parse(summary.reply_window_ends_at || "");
  const since = Date.parse(summary.last_inbound_at || "");
  if (ends && since && ends >= since) return ends - since;
  return (Number(options["whatsappsession.reply-timeout"]) || DEFAULT_REPLY_TIMEOUT_S) * 1000;
}

/**
 * O1: a customer message (re)opens the 24-hour window, and the reply window (O2) with it,
 * until the server's interaction.changed frame brings its own values. The summary is
 * returned unchanged when the message does not move the window.
 * @param {InteractionSummary} summary
 * @param {Message} message a customer message
 * @param {Options} options
 * @returns {InteractionSummary}
 */
export function reopenedBy(summary, message, options) {
  const origin = Date.parse(message.origination_at || "");
  const expires = Date.parse(summary.window_expires_at || "") || 0;
  if (!origin || origin + WINDOW_MS <= expires) return summary;
  const timeout = replyTimeoutMs(summary, options);
  const next = {
    ...summary,
    window_expires_at: new Date(origin + WINDOW_MS).toISOString(),
    last_inbound_at: new Date(origin).toISOString(),
  };
  if (Object.prototype.hasOwnProperty.call(summary, "reply_window_ends_at")) {
    next.reply_window_ends_at = new Date(origin + timeout).toISOString();
  }
  return next;
}

/**
 * @typedef {object} ComposerRules
 * @property {boolean} textAllowed free text may be typed (perhaps to go out as a notification)
 * @property {boolean} filesAllowed files may be attached (the 24-hour window is open)
 * @property {boolean} noticeHidden
 * @property {"readonly" | "fallback" | "closed"} noticeKind
 * @property {string} notice the window notice above the composer
 * @property {string} placeholder
 * @property {string} attachTitle the paperclip's title
 */

/**
 * O1, O2, R6: what the composer allows in a window state, and what it says. Files need the
 * 24-hour window. Free text needs the reply window; after it, a server with the
 * notification fallback sends the text appended to the default notification template (the
 * agent is told so), an older one refuses it. A consulted agent (``readOnly``: why) writes
 * nothing.
 * @param {Pick<WindowState, "open" | "replyOpen" | "fallback"> & { expires?: number, now?: number }} state
 *   expires, now: when the 24-hour window closes (the notice says until when files and lists go)
 * @param {string | null} readOnly
 * @returns {ComposerRules}
 */
export function composerRules({ open, replyOpen, fallback, expires = 0, now = Date.now() }, readOnly) {
  const textAllowed = (replyOpen || fallback) && !readOnly;
  const filesAllowed = open && !readOnly;
  const attachTitle = filesAllowed
    ? gettext("Attach a file")
    : readOnly
      ? gettext("Files cannot be sent: read only")
      : gettext("Files cannot be sent: the 24-hour window is closed");
  const base = {
    textAllowed,
    filesAllowed,
    attachTitle,
    noticeHidden: replyOpen && !readOnly,
    noticeKind: /** @type {ComposerRules["noticeKind"]} */ (readOnly ? "readonly" : textAllowed ? "fallback" : "closed"),
  };
  if (readOnly) return { ...base, notice: readOnly, placeholder: gettext("Consultation: read only") };
  if (replyOpen) return { ...base, notice: "", placeholder: gettext("Type a message") };
  if (textAllowed) {
    return {
      ...base,
      notice: open
        ? expires
          ? fmt(gettext("The response window has ended: what you type goes out appended to the default notification template. Files, reply buttons and lists can still be sent until %(until)s, while the 24-hour window is open."), { until: untilLabel(expires, now) })
          : gettext("The response window has ended: what you type goes out appended to the default notification template. Files, reply buttons and lists can still be sent while the 24-hour window is open.")
        : gettext("The 24-hour window is closed: only a notification can be sent. What you type goes out appended to the default notification template; files cannot be sent."),
      placeholder: gettext("Type the text of the notification"),
    };
  }
  return {
    ...base,
    notice:
      gettext("The customer has not written for 24 hours: the WhatsApp window is closed and only a notification (template) can be sent. Free text is disabled until the customer writes again."),
    placeholder: gettext("Free text is disabled: the 24-hour window is closed"),
  };
}

/**
 * W4: the composer's byte count against the limit, and whether Send may be pressed.
 * @param {object} draft
 * @param {string} draft.text what is typed
 * @param {number} draft.limit whatsappsession.max-text-message-size
 * @param {number} draft.files files waiting (a response's and the attached ones)
 * @param {number} draft.responseFiles a standard response's files among them
 * @param {boolean} draft.textAllowed
 * @param {boolean} draft.filesAllowed
 * @param {boolean} draft.readOnly
 * @param {boolean} draft.sending
 */
export function draftState({ text, limit, files, responseFiles, textAllowed, filesAllowed, readOnly, sending }) {
  const bytes = utf8Length(text);
  const over = bytes > limit;
  const hasText = Boolean(text.trim());
  const chipsBlocked = responseFiles > 0 && !filesAllowed;
  const sendDisabled = readOnly || over || sending || (!hasText && !files) || (hasText && !textAllowed) || chipsBlocked;
  return {
    bytes,
    over,
    count: `${bytes} / ${limit} bytes`,
    overNotice: over ? fmt(gettext("Too long: %(bytes)s bytes in UTF-8, the limit is %(limit)s bytes. Shorten the message to send it."), { bytes, limit }) : "",
    chipsBlocked,
    chipsNotice: chipsBlocked ? gettext("Files cannot be sent while the 24-hour window is closed: remove them to send the text.") : "",
    sendDisabled,
  };
}
