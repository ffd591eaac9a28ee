// What the console says about a refusal or a failure: the server's message, led by a
// friendlier sentence for the codes an agent meets. DOM-free (tests/js/).

import { gettext } from "./i18n.js";

/** @type {Record<string, string>} */
const FRIENDLY = {
  window_closed: gettext("The 24-hour window is closed: only a notification (template) can be sent."),
  media_rejected: gettext("This file cannot be sent"),
  too_long: gettext("The message is too long"),
  closed: gettext("This conversation is done."),
  template_invalid: gettext("The notification cannot be sent as it is"),
  client_ref_reused: gettext("Not sent: this message's reference was already used for another message. Press Send again to send it."),
  transfer_not_configured: gettext("Not configured"),
  conference_disabled: gettext("Not enabled"),
  both_open: gettext("Cannot assign"),
};

/**
 * What went wrong, in words.
 * @param {unknown} problem an ApiError (or any Error; null: nothing)
 */
export function describeError(problem) {
  if (!problem) return "";
  /** @type {{ code?: unknown, message?: unknown }} */
  const fields = typeof problem === "object" ? problem : { message: String(problem) };
  const error = {
    code: typeof fields.code === "string" ? fields.code : "",
    message: typeof fields.message === "string" ? fields.message : "",
  };
  const lead = error.code && Object.hasOwn(FRIENDLY, error.code) ? FRIENDLY[error.code] : undefined;
  if (error.code === "window_closed") return error.message || lead || "";
  if (error.code === "client_ref_reused") return lead || "";
  if (lead && error.message && !error.message.startsWith(lead)) return `${lead}: ${error.message}`;
  return error.message || lead || gettext("Something went wrong.");
}
