// templates.js (T2-T4) and responses.js (T1): what the Notification editor and the
// "/shortcut" suggestions work out before the server answers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { byCategory, matchResponses, shortcutToken } from "../../console/static/console/responses.js";
import {
  articleOf,
  buttonLabel,
  emptyValues,
  fill,
  missing,
  parametersOf,
  slotContext,
  slotLabel,
  withSuffix,
} from "../../console/static/console/templates.js";

/** @import { StandardResponse } from "../../console/static/console/types.js" */

describe("T2-T4: a template's parameters", () => {
  const slots = { header: [1], body: [1, 2], buttons: [{ index: 0, text: "Track", url: "https://shop.test/{{1}}" }] };
  it("starts with every slot empty", () => {
    assert.deepEqual(emptyValues(slots), { header: [""], body: ["", ""], buttons: { 0: "" } });
    assert.deepEqual(emptyValues({}), { header: [], body: [], buttons: {} });
  });
  it("names the slots still empty", () => {
    const values = { header: ["Hi"], body: ["", "x"], buttons: { 0: "" } };
    assert.deepEqual(missing(slots, values), ["Body, 1st value", "Link “Track”"]);
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
  it("G1: a location header's place, coupon and one-time codes, an optional flow token", () => {
    const pulled = {
      body: [1],
      location: true,
      buttons: [
        { index: 0, kind: "copy_code" },
        { index: 1, kind: "otp", text: "Autofill" },
        { index: 2, kind: "flow", text: "Book", optional: true },
      ],
    };
    const values = emptyValues(pulled);
    assert.deepEqual(values.location, { latitude: "", longitude: "", name: "", address: "" });
    assert.deepEqual(missing(pulled, values), ["Body value", "Coupon code", "One-time code “Autofill”", "Latitude", "Longitude"]);
    Object.assign(values, { body: ["Sam"], buttons: { 0: "SPRING25", 1: "482913", 2: "" } });
    Object.assign(values.location ?? {}, { latitude: " 52.52", longitude: "13.405", name: "Locker 12" });
    assert.deepEqual(missing(pulled, values), []);
    assert.deepEqual(parametersOf(pulled, values), {
      body: ["Sam"],
      buttons: { 0: "SPRING25", 1: "482913", 2: "" },
      location: { latitude: "52.52", longitude: "13.405", name: "Locker 12" },
    });
    assert.equal(buttonLabel({ kind: "flow", text: "Book" }), "Flow token “Book” (optional)");
    assert.equal(buttonLabel({ kind: "url", text: "Track" }), "Link “Track”");
  });
  it("G1: labels named parameters by their names and fills them by name", () => {
    const named = { named: true, header: ["order_id"], body: ["first_name", "order_id"] };
    assert.deepEqual(missing(named, { header: [""], body: ["Lena", ""], buttons: {} }), ["Order id", "Order id"]);
    assert.equal(slotLabel(named, "body", 0), "First name");
    assert.equal(slotLabel({ body: [1, 2] }, "body", 1), "Body, 2nd value");
    assert.equal(fill("Hi {{first_name}}, order {{ order_id }}", ["Lena"], named.body), "Hi Lena, order {{ order_id }}");
    assert.equal(fill("Hi {{first_name}} {{1}}", ["Lena"]), "Hi {{first_name}} Lena");
  });
  it("U3: labels each parameter as the server says, with the text around it", () => {
    const labelled = {
      header: [1],
      body: [1, 2],
      labels: {
        header: [{ key: "header.1", label: "Order number", context: "Order {{1}}" }],
        body: [
          { key: "body.1", label: "Customer's first name", context: "Hi {{1}}, your order…" },
          { key: "body.2", label: "Body, 2nd value", context: "…your order {{2}} is on its way" },
        ],
      },
    };
    assert.deepEqual(missing(labelled, { header: [""], body: ["", ""], buttons: {} }), [
      "Order number",
      "Customer's first name",
      "Body, 2nd value",
    ]);
    assert.equal(slotContext(labelled, "body", 1), "…your order {{2}} is on its way");
    assert.equal(slotContext({ body: [1] }, "body", 0), "");
    for (const label of missing({ header: [1], body: [1, 2, 3, 11, 12, 21] }, emptyValues({ header: [1], body: [1, 2, 3, 11, 12, 21] }))) {
      assert.doesNotMatch(label, /\{\{/, "never “Body {{2}}”");
    }
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
