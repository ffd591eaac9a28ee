// The phone page's controls for what Meta would change (G2-G5): the customer's username,
// number, business-scoped id and marketing choice; the business's replies from the
// WhatsApp Business app, the number's quality and pacing. Each posts to the phone API
// (sandbox/controls.py), which posts the webhook as Meta would.

import { gettext, ngettext } from "./i18n.js";

/** @import { PhoneConfig } from "./types.js" */

const configNode = document.getElementById("sbx-config");
/** @type {PhoneConfig} */
const config = JSON.parse((configNode && configNode.textContent) || "{}");
const statusLine = document.getElementById("sbx-controls-status");

/** @param {string} text */
function say(text) {
  if (statusLine) statusLine.textContent = text;
}

/**
 * POST JSON to one of the controls; the answer, or an Error with the server's words.
 * @param {string} url @param {Record<string, unknown>} fields
 * @returns {Promise<any>}
 */
async function post(url, fields) {
  const body = { phone_number_id: config.phone_number_id, wa_id: config.wa_id, ...fields };
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error(gettext("The server cannot be reached."));
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

/** What the webhook post did, in words. @param {any} data */
function webhookOf(data) {
  const hook = data && data.webhook;
  if (!hook) return "";
  return ` ${hook.ok ? gettext("(webhook delivered)") : gettext("(webhook failed: %(error)s)", { error: hook.error || hook.status })}`;
}

/**
 * Run a control and report it.
 * @param {string} url @param {Record<string, unknown>} fields @param {string} done
 * @returns {Promise<any>}
 */
async function run(url, fields, done) {
  try {
    const data = await post(url, fields);
    say(done + webhookOf(data));
    return data;
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    return null;
  }
}

/** @param {string} id @param {(form: FormData) => Promise<void>} handle */
function onForm(id, handle) {
  const form = document.getElementById(id);
  if (!(form instanceof HTMLFormElement)) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    handle(new FormData(form));
  });
}

/** @param {FormData} form @param {string} name */
const text = (form, name) => String(form.get(name) || "").trim();

onForm("sbx-username-form", async (form) => {
  await run(config.api.identity, { username: text(form, "username"), hides_number: form.get("hides_number") === "on" },
    gettext("Username saved: your next message carries it"));
});

onForm("sbx-number-form", async (form) => {
  const data = await run(config.api.identity, { new_wa_id: text(form, "new_wa_id") }, gettext("Number changed"));
  if (data && data.chat) {
    const url = new URL(window.location.href);
    url.searchParams.set("wa_id", data.chat.wa_id);
    window.location.assign(url.toString()); // the chat lives on under the new number
  }
});

const newId = document.getElementById("sbx-new-user-id");
if (newId) newId.addEventListener("click", () => run(config.api.identity, { new_user_id: true }, gettext("New business-scoped user id")));

for (const button of document.querySelectorAll("[data-marketing]")) {
  if (!(button instanceof HTMLButtonElement)) continue;
  const value = button.dataset.marketing || "";
  button.addEventListener("click", () => run(config.api.marketing, { value }, value === "stop" ? gettext("Marketing stopped") : gettext("Marketing resumed")));
}

onForm("sbx-echo-form", async (form) => {
  await run(config.api.echo, { text: text(form, "text") }, gettext("Sent from the business app"));
});

onForm("sbx-quality-form", async (form) => {
  await run(config.api.number, { quality_rating: text(form, "quality_rating"), messaging_limit: text(form, "messaging_limit") },
    gettext("Number rated"));
});

onForm("sbx-pacing-form", async (form) => {
  const pacing = { code: Number(form.get("code")), times: Number(form.get("times")) };
  await run(config.api.number, { pacing }, ngettext("The next send will be refused with %(code)s",
    "The next %(times)s sends will be refused with %(code)s", pacing.times, pacing));
});

export {}; // an ES module (loaded with type="module"), not a script
