// i18n.js (U4): the console's texts through Django's catalogue, English without it.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import { fmt, fmtParts, gettext, locale, ngettext } from "../../console/static/console/i18n.js";

/** The globals the catalogue script defines, as a test sets them. */
const page = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (globalThis));

afterEach(() => {
  delete page.gettext;
  delete page.ngettext;
  delete page.document;
});

describe("without the catalogue (node, or a catalogue that failed to load)", () => {
  it("keeps the English text, singular for one and plural otherwise", () => {
    assert.equal(gettext("Ready"), "Ready");
    assert.equal(ngettext("%(count)s file", "%(count)s files", 1), "%(count)s file");
    assert.equal(ngettext("%(count)s file", "%(count)s files", 0), "%(count)s files");
    assert.equal(locale(), undefined);
  });
});

describe("with the catalogue", () => {
  it("translates through the page's gettext and ngettext", () => {
    page.gettext = (/** @type {string} */ text) => (text === "Ready" ? "Bereit" : text);
    page.ngettext = (/** @type {string} */ one, /** @type {string} */ many, /** @type {number} */ n) =>
      n === 1 ? `${one}!` : `${many}!`;
    assert.equal(gettext("Ready"), "Bereit");
    assert.equal(ngettext("a", "b", 2), "b!");
  });

  it("takes the page's language for dates", () => {
    page.document = { documentElement: { lang: "pt-br" } };
    assert.equal(locale(), "pt-br");
  });
});

describe("fmt", () => {
  it("fills named placeholders in any order and leaves unknown ones", () => {
    assert.equal(fmt("%(b)s vor %(a)s", { a: 1, b: "x" }), "x vor 1");
    assert.equal(fmt("%(missing)s", {}), "%(missing)s");
  });
});

describe("fmtParts", () => {
  it("splits a text around its placeholders, the values in their place", () => {
    const node = { tag: "time" };
    assert.deepEqual(fmtParts("dropped %(time)s ago", { time: node }), ["dropped ", node, " ago"]);
    assert.deepEqual(fmtParts("vor %(time)s", { time: node }), ["vor ", node]);
  });
});
