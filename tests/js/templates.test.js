// templates.js (T2-T4) and responses.js (T1): what the Notification editor and the
// "/shortcut" suggestions work out before the server answers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { byCategory, matchResponses, shortcutToken } from "../../console/static/console/responses.js";
import { articleOf, emptyValues, fill, missing, parametersOf, withSuffix } from "../../console/static/console/templates.js";

/** @import { StandardResponse } from "../../console/static/console/types.js" */

describe("T2-T4: a template's parameters", () => {
  const slots = { header: [1], body: [1, 2], buttons: [{ index: 0, text: "Track", url: "https://shop.test/{{1}}" }] };
  it("starts with every slot empty", () => {
    assert.deepEqual(emptyValues(slots), { header: [""], body: ["", ""], buttons: { 0: "" } });
    assert.deepEqual(emptyValues({}), { header: [], body: [], buttons: {} });
  });
  it("names the slots still empty", () => {
    const values = { header: ["Hi"], body: ["", "x"], buttons: { 0: "" } };
    assert.deepEqual(missing(slots, values), ["Body {{1}}", "Link “Track”"]);
  });
  it("sends only the parts the template has", () => {
    const values = { header: ["H"], body: ["a", "b"], buttons: { 0: "ord-1" } };
    assert.deepEqual(parametersOf(slots, values), { header: ["H"], body: ["a", "b"], buttons: { 0: "ord-1" } });
    assert.deepEqual(parametersOf({ body: [1] }, { header: [], body: ["a"], buttons: {} }), { body: ["a"] });
    const sent = parametersOf(slots, values);
    values.body[0] = "changed";
    assert.equal(sent.body?.[0], "a", "a copy, not the editor's own list");
  });
  it("shows what is typed so far, {{n}} where nothing is", () => {
    assert.equal(fill("Hello {{1}}, your order {{ 2 }} ships", ["Lena"]), "Hello Lena, your order {{ 2 }} ships");
    assert.equal(fill(undefined, []), "");
  });
  it("puts a link's suffix at its end only", () => {
    assert.equal(withSuffix("https://shop.test/t/{{1}}", "ord-1"), "https://shop.test/t/ord-1");
    assert.equal(withSuffix("https://shop.test/{{1}}/x", "ord-1"), "https://shop.test/{{1}}/x");
  });
  it("a or an", () => {
    assert.deepEqual([articleOf("image"), articleOf("video"), articleOf("document")], ["an", "a", "a"]);
  });
});

describe("T1: /shortcuts", () => {
  it("finds the token before the caret, at the start or after a space", () => {
    assert.deepEqual(shortcutToken("/gre", 4), { query: "gre", start: 0, end: 4 });
    assert.deepEqual(shortcutToken("Hello /th", 9), { query: "th", start: 6, end: 9 });
    assert.deepEqual(shortcutToken("Hello /", 7), { query: "", start: 6, end: 7 });
    assert.equal(shortcutToken("a/b", 3), null); // a slash inside a word is no shortcut
    assert.equal(shortcutToken("/greet me", 9), null); // the caret is past it
    assert.deepEqual(shortcutToken("/grüße", 6), { query: "grüße", start: 0, end: 6 });
  });
  /** @type {StandardResponse[]} */
  const library = [
    { id: 1, name: "Greeting", shortcut: "hi", category: "Start" },
    { id: 2, name: "Hint about shipping", shortcut: "ship", category: "Orders" },
    { id: 3, name: "Hours", category: "" },
    { id: 4, name: "Thanks", shortcut: "HIGH", category: "Start" },
  ];
  it("matches shortcuts first, then names, case-insensitively, at most max", () => {
    assert.deepEqual(matchResponses(library, "hi", 8).map((r) => r.id), [1, 4, 2]);
    assert.deepEqual(matchResponses(library, "H", 2).map((r) => r.id), [1, 4]);
    assert.deepEqual(matchResponses(library, "", 8).map((r) => r.id), [1, 2, 4]); // every shortcut, no names
  });
  it("groups by category, Other for none", () => {
    assert.deepEqual([...byCategory(library)].map(([name, items]) => [name, items.map((r) => r.id)]),
      [["Start", [1, 4]], ["Orders", [2]], ["Other", [3]]]);
  });
});
