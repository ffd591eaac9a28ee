// M2: the files an agent attached, waiting above the composer for Send: each uploaded at
// once (checked by the server), with its preview, size, caption and a way to remove it, in
// the order attached. The composer sends them (composer.js).

import { el, uuid } from "./dom.js";
import { humanSize } from "./format.js";
import { icon } from "./icons.js";
import { fmt, gettext, ngettext } from "./i18n.js";

/** @import { Attachment } from "./types.js" */
/** @import { TabRefs } from "./tab-refs.js" */

/**
 * A file the agent attached.
 * @typedef {object} Staged
 * @property {File} file
 * @property {string} ref its client_ref
 * @property {Attachment | null} attachment once uploaded
 * @property {string | null} previewUrl a local image's object URL
 * @property {Promise<Attachment>} ready the upload
 * @property {HTMLElement} node
 * @property {HTMLElement} thumb
 * @property {HTMLElement} size
 * @property {HTMLElement} status
 * @property {HTMLInputElement} caption
 */

/**
 * What the waiting files ask of the composer.
 * @typedef {object} StagedHost
 * @property {(file: File) => Promise<Attachment>} upload
 * @property {() => void} changed the list changed (Send may change)
 * @property {(error: unknown) => void} failed an upload was refused
 * @property {() => void} sendNow Enter in a caption
 * @property {() => boolean} sending a send is on its way (its first file cannot be removed)
 */

export class StagedFiles {
  /** @param {TabRefs} refs @param {StagedHost} host */
  constructor(refs, host) {
    this.refs = refs;
    this.host = host;
    /** @type {Staged[]} */
    this.items = [];
  }

  /** A file joins the ones waiting (after any already there), its upload started. @param {File} file */
  add(file) {
    const item = this.build(file);
    item.ready.catch(() => {}); // reported when it failed; a send waiting on it reports it again
    this.items.push(item);
    this.render();
    return item;
  }

  /** @param {File} file @returns {Staged} */
  build(file) {
    const name = file.name || "file";
    const caption = el("input", {
      type: "text",
      maxlength: "1024",
      placeholder: gettext("Add a caption (optional)"),
      "aria-label": fmt(gettext("Caption for %(name)s"), { name }),
      onkeydown: (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          this.host.sendNow();
        }
      },
    });
    const thumb = el("div", { class: "preview-thumb" });
    const size = el("div", { class: "preview-size" });
    const status = el("div", { class: "preview-status", role: "status" });
    const remove = el("button", {
      type: "button",
      class: "chip-remove",
      title: fmt(gettext("Remove %(name)s: it will not be sent"), { name }),
      "aria-label": `Remove ${name}`,
    }, icon("close"));
    const node = el(
      "li",
      { class: "staged-item", dataset: { fileName: name } },
      thumb,
      el(
        "div",
        { class: "preview-info" },
        el("div", { class: "preview-name", text: name }),
        size,
        status,
        el("label", { class: "preview-caption" }, gettext("Caption"), caption),
      ),
      remove,
    );
    /** @type {Staged} */
    const item = {
      file, ref: uuid(), attachment: null, previewUrl: null, node, thumb, size, status, caption,
      ready: this.host.upload(file).then(
        (attachment) => {
          item.attachment = attachment;
          this.renderItem(item);
          return attachment;
        },
        (error) => {
          this.unstage(item);
          this.host.failed(error);
          throw error;
        },
      ),
    };
    remove.addEventListener("click", () => this.remove(item));
    this.renderItem(item);
    return item;
  }

  /** Its preview (the server's thumbnail, a local image, or an icon), size and state. @param {Staged} item */
  renderItem(item) {
    const { file, attachment } = item;
    item.size.textContent = [humanSize((attachment && attachment.size) || file.size), attachment ? attachment.kind : ""]
      .filter(Boolean)
      .join(" · ");
    item.status.textContent = attachment ? "" : gettext("uploading…");
    const thumb = attachment && attachment.thumbnail_url;
    if (thumb) {
      item.thumb.replaceChildren(el("img", { src: thumb, alt: gettext("Preview") }));
    } else if (file.type && file.type.startsWith("image/")) {
      if (!item.previewUrl) item.previewUrl = URL.createObjectURL(file);
      item.thumb.replaceChildren(el("img", { src: item.previewUrl, alt: gettext("Preview") }));
    } else {
      const kind = (attachment && attachment.kind) || "";
      item.thumb.replaceChildren(icon(kind === "audio" ? "audio" : kind === "video" ? "video" : "doc"));
    }
  }

  render() {
    const { preview, stagedList } = this.refs;
    preview.hidden = this.items.length === 0;
    stagedList.replaceChildren(...this.items.map((item) => item.node));
    stagedList.setAttribute("aria-label", fmt(ngettext("%(count)s file to send", "%(count)s files to send", this.items.length), { count: this.items.length }));
    this.host.changed();
  }

  /** It is sent, failed to upload, or removed. @param {Staged} item */
  unstage(item) {
    const index = this.items.indexOf(item);
    if (index < 0) return;
    this.items.splice(index, 1);
    if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
    this.render();
  }

  /** The agent removes one (not the one on its way); the focus goes to the next. @param {Staged} item */
  remove(item) {
    const index = this.items.indexOf(item);
    if (index < 0 || (this.host.sending() && index === 0)) return;
    this.unstage(item);
    const next = this.refs.stagedList.querySelectorAll(".chip-remove")[Math.min(index, this.items.length - 1)];
    if (next instanceof HTMLElement) next.focus();
    else if (!this.refs.text.disabled) this.refs.text.focus();
  }

  /** Every waiting file goes, but the one on its way (Cancel, a closed window, read only). */
  clear() {
    const sending = this.host.sending();
    for (const item of [...this.items]) if (!(sending && item === this.items[0])) this.unstage(item);
  }
}
