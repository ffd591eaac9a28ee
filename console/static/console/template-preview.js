// T2-T4: a notification, rich media notification or interactive message as the customer
// will read it, in the Notification editor's preview: the media header (the agent's file
// or the template's), header, body, footer, buttons and list rows.

import { el, linkify, safeUrl } from "./dom.js";
import { icon } from "./icons.js";
import { withSuffix } from "./templates.js";
import { gettext } from "./i18n.js";

/** @import { Attachment, Rendered, Template, TemplateButton } from "./types.js" */

/** @type {Record<string, string>} */
export const KIND_LABELS = {
  notification: gettext("Notifications"),
  rich_media: gettext("Rich media notifications"),
  reply_buttons: gettext("Reply buttons (interactive)"),
  list: gettext("List messages (interactive)"),
};
/** @type {Record<string, string>} */
export const MEDIA_LABELS = { image: gettext("image"), video: gettext("video"), document: gettext("document") };
/** The same with its article ("an image"), for sentences. @type {Record<string, string>} */
export const MEDIA_NAMES = { image: gettext("an image"), video: gettext("a video"), document: gettext("a document") };

/**
 * The preview's contents.
 * @param {Template} template
 * @param {Rendered & { header_file?: string | null }} rendered the server's rendering, or the draft's
 * @param {object} draft
 * @param {Attachment | null} draft.attachment the agent's own header file
 * @param {Record<string, string>} draft.suffixes the dynamic links' suffixes typed so far
 */
export function previewOf(template, rendered, { attachment, suffixes }) {
  const bubble = el("div", { class: "tpl-bubble" });
  const media = template.parameters && template.parameters.media_header;
  if (media) bubble.append(mediaHeader(media, attachment, rendered.header_file));
  else if (rendered.header) bubble.append(el("div", { class: "tpl-header", text: rendered.header }));
  bubble.append(el("div", { class: "tpl-body" }, linkify(rendered.body)));
  if (rendered.footer) bubble.append(el("div", { class: "tpl-footer", text: rendered.footer }));
  const buttons = rendered.buttons || [];
  if (buttons.some((b) => b && b.text) && template.kind !== "list") {
    bubble.append(el("div", { class: "tpl-buttons" }, buttons.map((b, index) => (b && b.text ? button(b, suffixes[String(index)]) : null))));
  }
  if (template.kind === "list") bubble.append(listBlock(template));
  return [el("div", { class: "tpl-kind muted", text: KIND_LABELS[template.kind] || template.kind }), bubble];
}

/** @param {TemplateButton} b @param {string | undefined} suffix */
function button(b, suffix) {
  if (b.type === "url") {
    const url = withSuffix(b.url, suffix || "{{1}}");
    return el("div", { class: "tpl-button tpl-button--link", dataset: { kind: "url" } },
      el("span", { class: "tpl-button-text" }, icon("external"), el("span", { text: b.text })),
      el("span", { class: "tpl-url", text: url }));
  }
  if (b.type === "phone_number") {
    return el("div", { class: "tpl-button tpl-button--link", dataset: { kind: "phone" } },
      el("span", { class: "tpl-button-text" }, icon("phone"), el("span", { text: b.text })),
      el("span", { class: "tpl-url", text: b.phone_number || "" }));
  }
  return el("div", { class: "tpl-button", dataset: { kind: b.type || "reply" } },
    el("span", { class: "tpl-button-text" }, icon("reply"), el("span", { text: b.text })));
}

/** @param {Template} template */
function listBlock(template) {
  return el(
    "div",
    { class: "tpl-list" },
    el("div", { class: "tpl-button", dataset: { kind: "list" } },
      el("span", { class: "tpl-button-text" }, icon("list"), el("span", { text: template.list_button || gettext("Options") }))),
    (template.sections || []).map((section) =>
      el(
        "div",
        { class: "tpl-section" },
        section.title ? el("div", { class: "tpl-section-title", text: section.title }) : null,
        el("ul", { class: "tpl-rows" }, (section.rows || []).map((row) =>
          el("li", { class: "tpl-row" }, el("span", { class: "tpl-row-title", text: row.title || "" }),
            row.description ? el("span", { class: "tpl-row-description muted", text: row.description }) : null))),
      ),
    ),
  );
}

/**
 * @param {string} kind image, video or document
 * @param {Attachment | null} a the agent's own file
 * @param {string | null | undefined} templateFile the template's file
 */
function mediaHeader(kind, a, templateFile) {
  const label = MEDIA_LABELS[kind] || "file";
  const src = a ? safeUrl(a.thumbnail_url || a.url) : safeUrl(templateFile);
  if (!src) {
    return el("div", { class: "tpl-media tpl-media--missing" }, icon(kind === "video" ? "video" : kind === "image" ? "image" : "doc"),
      el("span", { text: `No ${label} yet` }));
  }
  if (kind === "image") return el("div", { class: "tpl-media" }, el("img", { src, alt: a ? `Your image ${a.file_name}` : gettext("The template's image") }));
  if (kind === "video") {
    const video = a ? safeUrl(a.url) : src;
    return el("div", { class: "tpl-media" }, el("video", { src: video, controls: true, preload: "metadata", "aria-label": gettext("Header video") }));
  }
  return el("div", { class: "tpl-media tpl-media--document" }, icon("doc"), el("span", { text: a ? a.file_name : gettext("The template's document") }));
}
