// The customer phone page: history from the JSON API, live updates over the WebSocket,
// and every customer action posted to /sandbox/phone/api/… (which posts the webhook).
import { gettext } from "./i18n.js";
import { derived, kindOf, sorted as inOrder, stableJson, summary } from "./model.js";
import { dayOf, el, reactionPicker, renderMessage } from "./render.js";

/** @import { PhoneChat, PhoneConfig, PhoneMessage, SandboxChannel } from "./types.js" */
/** @import { Hooks } from "./render.js" */

/**
 * The element with this id, of this type (the page's markup and this module agree on it).
 * @template {Element} [T=HTMLElement]
 * @param {string} id
 * @param {new () => T} [type]
 * @returns {T}
 */
function $(id, type) {
  const node = document.getElementById(id);
  const expected = type || HTMLElement;
  if (!(node instanceof expected)) throw new Error(`#${id} is missing or not a ${expected.name}`);
  return /** @type {T} */ (/** @type {unknown} */ (node));
}

/** @type {PhoneConfig} */
const config = JSON.parse($("sbx-config").textContent || "{}");
const chatBox = $("sbx-chat");
/** @type {Partial<SandboxChannel>} */
const business = config.channels.find((c) => c.phone_number_id === config.phone_number_id) || {};

const state = {
  /** @type {Map<number, PhoneMessage>} id → message payload */
  messages: new Map(),
  /** @type {Map<number | string, { node: HTMLElement, key: string }>} */
  nodes: new Map(),
  /** @type {PhoneChat | null} */
  chat: null,
  /** @type {PhoneMessage | null} */
  replyTo: null,
  /** @type {File | null} */
  attachment: null,
  /** @type {WebSocket | null} */
  socket: null,
  retry: 0,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  typingTimer: undefined,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  seenTimer: undefined,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  toastTimer: undefined,
  // The chat follows the conversation (stays at its end) until the customer scrolls up.
  pinned: true,
};

// --- talking to the sandbox ----------------------------------------------------------

/**
 * The sandbox's phone API: JSON in and out; a refusal is an Error with the server's words.
 * @param {string} url
 * @param {{ method?: string, body?: unknown, form?: FormData }} [request]
 * @returns {Promise<any>} the answer (each endpoint's own shape)
 */
async function api(url, { method = "GET", body, form } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  /** @type {RequestInit} */
  const options = { method, headers };
  if (form) options.body = form;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch {
    // fetch rejects only when no answer came at all: say so in words, not "Failed to fetch"
    throw new Error(gettext("The server cannot be reached: check the connection, then try again."));
  }
  let data;
  try {
    data = await response.json();
  } catch {
    data = { error: `HTTP ${response.status}` };
  }
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

/** @param {Record<string, string>} params */
function query(params) {
  return new URLSearchParams(params).toString();
}

/** @param {string} text */
function toast(text) {
  const box = $("sbx-toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(state.toastTimer);
  state.toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

/** @param {unknown} error */
function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/** A customer action (text, media, reply, reaction…), posted as Meta would post its webhook. @param {Record<string, unknown>} fields */
async function send(fields) {
  const body = { phone_number_id: config.phone_number_id, wa_id: config.wa_id, profile_name: config.profile_name, ...fields };
  try {
    const data = await api(config.api.send, { method: "POST", body });
    upsert(data.message);
    scrollToEnd(); // what the customer sends always shows, as on a phone
    if (!data.webhook.ok) {
      toast(gettext("Our webhook did not accept it (%(status)s): %(error)s",
        { status: data.webhook.status ?? gettext("unreachable"), error: data.webhook.error }));
    }
    return true;
  } catch (error) {
    toast(messageOf(error));
    return false;
  }
}

async function loadHistory() {
  const data = await api(`${config.api.history}?${query({ phone_number_id: config.phone_number_id, wa_id: config.wa_id })}`);
  state.messages.clear();
  for (const message of data.messages) state.messages.set(message.id, message);
  setChat(data.chat);
  render();
  reportSeen();
}

// --- state and rendering -------------------------------------------------------------

/** @param {PhoneMessage} message */
function upsert(message) {
  state.messages.set(message.id, message);
  render();
  if (message.direction === "business") reportSeen();
}

/** @param {PhoneChat | null | undefined} chat */
function setChat(chat) {
  if (!chat) return;
  state.chat = chat;
  if (chat.read_up_to) {
    const ordered = sorted();
    const upTo = ordered.findIndex((m) => m.id === chat.read_up_to);
    ordered.slice(0, upTo + 1).forEach((m) => { if (m.direction === "customer") m.read_by_business = true; });
  }
  showTyping(chat.typing_until);
}

/** @param {string | null | undefined} until */
function showTyping(until) {
  const subtitle = $("sbx-subtitle");
  clearTimeout(state.typingTimer);
  const left = until ? new Date(until).getTime() - Date.now() : 0;
  if (left > 0) {
    subtitle.textContent = gettext("typing…");
    subtitle.classList.add("sbx-typing");
    state.typingTimer = setTimeout(() => showTyping(null), left);
  } else {
    subtitle.textContent = `+${business.display_phone_number || ""}`;
    subtitle.classList.remove("sbx-typing");
  }
}

function sorted() {
  return inOrder(state.messages.values());
}

// --- following the conversation ------------------------------------------------------
// Whether the chat is at its end is known from the customer's scrolling, not measured
// when a message arrives: an image that loads later makes the chat taller without any
// scroll, and a measure taken then found the chat "scrolled up" and stopped following.

function atEnd() {
  return chatBox.scrollHeight - chatBox.scrollTop - chatBox.clientHeight < 80;
}

function scrollToEnd() {
  chatBox.scrollTop = chatBox.scrollHeight;
  state.pinned = true;
}

function followConversation() {
  chatBox.addEventListener("scroll", () => { state.pinned = atEnd(); }, { passive: true });
  // Media get their size when they load (load and loadedmetadata do not bubble: captured).
  const grew = () => { if (state.pinned) scrollToEnd(); };
  chatBox.addEventListener("load", grew, true);
  chatBox.addEventListener("loadedmetadata", grew, true);
  // The reply bar, the attachment bar or the location form make the chat shorter.
  if (window.ResizeObserver) new ResizeObserver(grew).observe(chatBox);
}

function render() {
  const ordered = sorted();
  const { reactions, chosen, byWamid } = derived(ordered);
  /** @type {HTMLElement[]} */
  const wanted = [];
  let lastDay = "";
  for (const message of ordered) {
    if (message.type === "reaction") continue;
    const day = dayOf(message.timestamp);
    if (day !== lastDay) {
      wanted.push(keyed(`day:${day}`, day, () => el("div", { class: "sbx-day", text: day })));
      lastDay = day;
    }
    const other = message.direction === "customer" ? "business" : "customer";
    const ctx = {
      byWamid,
      businessName: business.name || gettext("Business"),
      reaction: reactions.get(`${other}:${message.wamid}`) || "",
      chosen: chosen.get(message.wamid),
    };
    const quoted = message.context_wamid ? byWamid.get(message.context_wamid) : null;
    // What the bubble shows; a status change of a business message does not redraw it
    // (that would stop a video or audio that is playing, and close a list the customer
    // opened). Compared as values: a message as it was created and the same message read
    // back from PostgreSQL (a status frame) give the content's keys in different orders.
    const key = stableJson([message.type, message.content, message.rendered, message.error, message.webhook_status,
      message.read_by_business, ctx.reaction, ctx.chosen, quoted ? summary(quoted) : null]);
    wanted.push(keyed(message.id, key, () => renderMessage(message, ctx, hooks)));
  }
  if (!wanted.length && config.wa_id) wanted.push(keyed("empty", "", () => el("p", { class: "sbx-hint", text: gettext("Say hello to the business.") })));
  reconcile(wanted);
  if (state.pinned) scrollToEnd();
}

/** @param {number | string} id @param {string} key @param {() => HTMLElement} build */
function keyed(id, key, build) {
  const known = state.nodes.get(id);
  if (known && known.key === key) return known.node;
  const node = build();
  state.nodes.set(id, { node, key });
  return node;
}

/** Put the wanted nodes in order, moving only what is out of place (media keep playing). @param {HTMLElement[]} wanted */
function reconcile(wanted) {
  /** @type {Set<Element>} */
  const keep = new Set(wanted);
  for (const child of [...chatBox.children]) if (!keep.has(child)) child.remove();
  wanted.forEach((node, index) => {
    if (chatBox.children[index] !== node) chatBox.insertBefore(node, chatBox.children[index] || null);
  });
  for (const [id, entry] of state.nodes) if (!keep.has(entry.node)) state.nodes.delete(id);
}

// --- what the customer does ----------------------------------------------------------

/** @type {Hooks} */
const hooks = {
  buttonReply: (message, replyId) => send({ type: "button_reply", message_id: message.wamid, reply_id: replyId }),
  listReply: (message, replyId) => send({ type: "list_reply", message_id: message.wamid, reply_id: replyId }),
  quickReply: (message, index) => send({ type: "button", message_id: message.wamid, index }),
  played: (message) => {
    if (message.direction !== "business") return;
    api(config.api.played, { method: "POST", body: { phone_number_id: config.phone_number_id, wa_id: config.wa_id, message_id: message.wamid } })
      .catch(() => {});
  },
  replyTo: (message) => {
    state.replyTo = message;
    $("sbx-reply-text").textContent = `↩ ${summary(message)}`;
    $("sbx-reply").hidden = false;
    $("sbx-text").focus();
  },
  openReactions: (message, anchor) => {
    document.querySelectorAll(".sbx-picker").forEach((p) => p.remove());
    const current = derived(sorted()).reactions.get(`customer:${message.wamid}`) || "";
    const picker = reactionPicker(current, (emoji) => {
      picker.remove();
      send({ type: "reaction", message_id: message.wamid, emoji });
    });
    const row = anchor.closest(".sbx-row");
    if (row) row.append(picker);
  },
};

function clearReply() {
  state.replyTo = null;
  $("sbx-reply").hidden = true;
}

function clearAttachment() {
  state.attachment = null;
  $("sbx-file", HTMLInputElement).value = "";
  $("sbx-attachment").hidden = true;
}

/** @param {SubmitEvent} event */
async function submitComposer(event) {
  event.preventDefault();
  const input = $("sbx-text", HTMLTextAreaElement);
  const text = input.value;
  const reply = state.replyTo ? { reply_to: state.replyTo.wamid } : {};
  if (state.attachment) {
    const form = new FormData();
    form.append("phone_number_id", config.phone_number_id);
    form.append("file", state.attachment);
    /** @type {{ id: string, mime_type: string, filename?: string }} */
    let media;
    try {
      media = await api(config.api.media, { method: "POST", form });
    } catch (error) {
      toast(messageOf(error));
      return;
    }
    const kind = kindOf(media.mime_type);
    /** @type {Record<string, unknown>} */
    const object = { id: media.id };
    if (kind !== "audio" && text.trim()) object.caption = text;
    if (kind === "document") object.filename = media.filename;
    if (await send({ type: kind, [kind]: object, ...reply })) {
      input.value = "";
      clearAttachment();
      clearReply();
    }
    return;
  }
  if (!text.trim()) return;
  if (await send({ type: "text", text, ...reply })) {
    input.value = "";
    clearReply();
  }
}

/** @param {SubmitEvent} event */
async function submitLocation(event) {
  event.preventDefault();
  const form = event.currentTarget;
  if (!(form instanceof HTMLFormElement)) return;
  const data = Object.fromEntries(new FormData(form));
  /** @type {Record<string, unknown>} */
  const location = { latitude: Number(data.latitude), longitude: Number(data.longitude) };
  if (data.name) location.name = data.name;
  if (data.address) location.address = data.address;
  const reply = state.replyTo ? { reply_to: state.replyTo.wamid } : {};
  if (await send({ type: "location", location, ...reply })) {
    form.hidden = true;
    clearReply();
  }
}

function reportSeen() {
  // The customer sees the business's messages while the page is visible: the sandbox
  // then posts "read" for them (in order, after sent and delivered).
  clearTimeout(state.seenTimer);
  state.seenTimer = setTimeout(() => {
    if (document.visibilityState !== "visible" || !config.wa_id) return;
    if (![...state.messages.values()].some((m) => m.direction === "business")) return;
    api(config.api.seen, { method: "POST", body: { phone_number_id: config.phone_number_id, wa_id: config.wa_id } })
      .catch(() => {});
  }, 400);
}

// --- live updates --------------------------------------------------------------------

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${window.location.host}${config.ws_path}${encodeURIComponent(config.phone_number_id)}/${encodeURIComponent(config.wa_id)}/`;
  const socket = new WebSocket(url);
  state.socket = socket;
  socket.addEventListener("open", () => {
    state.retry = 0;
    // Events are at-most-once: whatever happened while disconnected comes from the history.
    loadHistory().catch((error) => toast(messageOf(error)));
  });
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "message") upsert(frame.message);
    else if (frame.type === "chat") {
      setChat(frame.chat);
      render();
    }
  });
  socket.addEventListener("close", () => {
    const delay = Math.min(1000 * 2 ** state.retry, 10000);
    state.retry += 1;
    setTimeout(connect, delay);
  });
}

async function refreshLog() {
  const list = $("sbx-log");
  if (!list || !config.phone_number_id) return;
  try {
    /** @type {{ calls: { created_at: string, method: string, path: string, response_status: number, request_body: unknown, response_body: unknown }[] }} */
    const data = await api(`${config.api.calls}?${query({ phone_number_id: config.phone_number_id, limit: "30" })}`);
    list.replaceChildren(...data.calls.map((call) => el("li", {},
      el("div", { class: `sbx-log-line${call.response_status >= 400 ? " sbx-log-line--error" : ""}`,
        text: `${new Date(call.created_at).toLocaleTimeString()} ${call.method} ${call.path} → ${call.response_status}` }),
      el("details", {}, el("summary", { text: gettext("request / response") }),
        el("pre", { text: JSON.stringify(call.request_body, null, 2) }),
        el("pre", { text: JSON.stringify(call.response_body, null, 2) })))));
  } catch (error) {
    toast(messageOf(error));
  }
}

function start() {
  const logButton = $("sbx-log-refresh");
  if (logButton) logButton.addEventListener("click", refreshLog);
  const details = document.querySelector(".sbx-log");
  if (details instanceof HTMLDetailsElement) details.addEventListener("toggle", () => { if (details.open) refreshLog(); });
  if (!config.phone_number_id || !config.wa_id) return;
  followConversation();
  $("sbx-composer").addEventListener("submit", (event) => submitComposer(/** @type {SubmitEvent} */ (event)));
  $("sbx-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("sbx-composer", HTMLFormElement).requestSubmit();
    }
  });
  const fileInput = $("sbx-file", HTMLInputElement);
  fileInput.addEventListener("change", () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    state.attachment = file;
    $("sbx-attachment-name").textContent = `📎 ${gettext("%(name)s — press Enter to send, the text becomes its caption", { name: file.name })}`;
    $("sbx-attachment").hidden = false;
  });
  $("sbx-attachment-cancel").addEventListener("click", clearAttachment);
  $("sbx-reply-cancel").addEventListener("click", clearReply);
  $("sbx-location-button").addEventListener("click", () => { $("sbx-location-form").hidden = !$("sbx-location-form").hidden; });
  $("sbx-location-cancel").addEventListener("click", () => { $("sbx-location-form").hidden = true; });
  $("sbx-location-form").addEventListener("submit", (event) => submitLocation(/** @type {SubmitEvent} */ (event)));
  document.addEventListener("visibilitychange", reportSeen);
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target || !target.closest(".sbx-picker, .sbx-action")) document.querySelectorAll(".sbx-picker").forEach((p) => p.remove());
  });
  connect();
}

start();
