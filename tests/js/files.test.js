// files.js: M1b, the type of every file (its icon) and the details beside its name.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { FILE_TYPES, fileDetails, fileTypeOf } from "../../console/static/console/files.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation";

describe("fileTypeOf", () => {
  it("names a document by its MIME type", () => {
    /** @param {string} mime_type */
    const doc = (mime_type) => fileTypeOf({ id: 1, kind: "document", mime_type, file_name: "x" });
    assert.equal(doc("application/pdf"), "pdf");
    assert.equal(doc(XLSX), "spreadsheet");
    assert.equal(doc("application/vnd.ms-excel"), "spreadsheet");
    assert.equal(doc("text/csv"), "spreadsheet");
    assert.equal(doc(DOCX), "document");
    assert.equal(doc("application/msword"), "document");
    assert.equal(doc(PPTX), "presentation");
    assert.equal(doc("application/zip"), "archive");
    assert.equal(doc("text/plain; charset=utf-8"), "text");
    assert.equal(doc("application/x-unknown"), "other");
  });
  it("falls back to the name's extension for an unnamed type", () => {
    /** @param {string} file_name */
    const named = (file_name) => fileTypeOf({ id: 1, kind: "document", mime_type: "application/octet-stream", file_name });
    assert.equal(named("Quote 2026.PDF"), "pdf");
    assert.equal(named("budget.ods"), "spreadsheet");
    assert.equal(named("backup.tar.gz"), "archive");
    assert.equal(named(".hidden"), "other"); // a dot file has no extension
    assert.equal(named("README"), "other");
  });
  it("names photos, stickers, voice messages and videos by their kind", () => {
    assert.equal(fileTypeOf({ id: 1, kind: "image", mime_type: "image/jpeg" }), "image");
    assert.equal(fileTypeOf({ id: 1, kind: "sticker", mime_type: "image/webp" }), "image");
    assert.equal(fileTypeOf({ id: 1, kind: "audio", mime_type: "audio/ogg; codecs=opus", voice: true }), "audio");
    assert.equal(fileTypeOf({ id: 1, kind: "video", mime_type: "video/mp4" }), "video");
    // a photo sent as a document is still shown as an image
    assert.equal(fileTypeOf({ id: 1, kind: "document", mime_type: "image/png" }), "image");
    assert.equal(fileTypeOf(null), "other");
  });
  it("has an icon and a label for every type", () => {
    for (const [type, { icon, label }] of Object.entries(FILE_TYPES)) assert.ok(icon && label, type);
  });
});

describe("fileDetails", () => {
  it("says the size once downloaded, and the type", () => {
    assert.equal(fileDetails({ id: 1, kind: "document", mime_type: "application/pdf", size: 1536 }), "1.5 KB · PDF");
    assert.equal(fileDetails({ id: 1, kind: "image", mime_type: "image/jpeg", size: 812 }), "812 B · Image");
    assert.equal(fileDetails({ id: 1, kind: "audio", mime_type: "audio/ogg", size: null }), "Audio");
    assert.equal(fileDetails({ id: 1, kind: "document", mime_type: XLSX, size: 0 }), "0 B · Spreadsheet");
  });
});
