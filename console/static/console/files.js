// M1b: what kind of file an attachment is (for its icon and the words beside its name), and
// the line of details under it. DOM-free (unit-tested with node --test, tests/js/).

import { humanSize } from "./format.js";
import { gettext } from "./i18n.js";

/** @import { Attachment } from "./types.js" */

/**
 * @typedef {"pdf" | "spreadsheet" | "document" | "presentation" | "archive" | "audio" | "video" | "image" | "text" | "other"} FileType
 */

/** Each type's icon (icons.js) and how the transcript names it. @type {Record<FileType, { icon: string, label: string }>} */
export const FILE_TYPES = {
  pdf: { icon: "filePdf", label: "PDF" },
  spreadsheet: { icon: "fileSheet", label: gettext("Spreadsheet") },
  document: { icon: "fileWord", label: gettext("Document") },
  presentation: { icon: "fileSlides", label: gettext("Presentation") },
  archive: { icon: "fileArchive", label: gettext("Archive") },
  audio: { icon: "fileAudio", label: gettext("Audio") },
  video: { icon: "fileVideo", label: gettext("Video") },
  image: { icon: "fileImage", label: gettext("Image") },
  text: { icon: "fileText", label: gettext("Text") },
  other: { icon: "file", label: gettext("File") },
};

/** @type {Record<string, FileType>} */
const BY_MIME = {
  "application/pdf": "pdf",
  "application/vnd.ms-excel": "spreadsheet",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "spreadsheet",
  "application/vnd.oasis.opendocument.spreadsheet": "spreadsheet",
  "text/csv": "spreadsheet",
  "application/msword": "document",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
  "application/vnd.oasis.opendocument.text": "document",
  "application/rtf": "document",
  "text/rtf": "document",
  "application/vnd.ms-powerpoint": "presentation",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "presentation",
  "application/vnd.oasis.opendocument.presentation": "presentation",
  "application/zip": "archive",
  "application/x-zip-compressed": "archive",
  "application/x-7z-compressed": "archive",
  "application/vnd.rar": "archive",
  "application/x-rar-compressed": "archive",
  "application/gzip": "archive",
  "application/x-tar": "archive",
  "text/plain": "text",
};

/** @type {Record<string, FileType>} */
const BY_EXTENSION = {
  pdf: "pdf",
  xls: "spreadsheet", xlsx: "spreadsheet", xlt: "spreadsheet", ods: "spreadsheet", csv: "spreadsheet",
  doc: "document", docx: "document", dot: "document", odt: "document", rtf: "document",
  ppt: "presentation", pptx: "presentation", pps: "presentation", pot: "presentation", odp: "presentation",
  zip: "archive", "7z": "archive", rar: "archive", gz: "archive", tgz: "archive", tar: "archive",
  txt: "text", text: "text", log: "text", md: "text",
};

/** @type {Record<string, FileType>} */
const BY_KIND = { image: "image", sticker: "image", audio: "audio", video: "video" };

/**
 * The file's type: by the message's kind (a photo, a voice message, a video), else by its
 * MIME type, else by the name's extension (a file sent as ``application/octet-stream``).
 * @param {Partial<Attachment> | null | undefined} attachment
 * @returns {FileType}
 */
export function fileTypeOf(attachment) {
  if (!attachment) return "other";
  const byKind = BY_KIND[attachment.kind || ""];
  if (byKind) return byKind;
  const mime = String(attachment.mime_type || "").split(";")[0].trim().toLowerCase();
  if (BY_MIME[mime]) return BY_MIME[mime];
  for (const [prefix, type] of /** @type {[string, FileType][]} */ ([["image/", "image"], ["audio/", "audio"], ["video/", "video"]])) {
    if (mime.startsWith(prefix)) return type;
  }
  const name = String(attachment.file_name || "");
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  return BY_EXTENSION[extension] || "other";
}

/**
 * The words beside a file's name: its size once known (after the download) and its type
 * ("1.5 MB · PDF", "Image" while the file downloads).
 * @param {Partial<Attachment>} attachment
 */
export function fileDetails(attachment) {
  const size = attachment.size === null || attachment.size === undefined ? "" : humanSize(attachment.size);
  return [size, FILE_TYPES[fileTypeOf(attachment)].label].filter(Boolean).join(" · ");
}
