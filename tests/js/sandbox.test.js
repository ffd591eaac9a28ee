// The sandbox phone's chat model (sandbox/static/sandbox/model.js).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { contactsOf, contentOf, derived, kindOf, sorted, stableJson, summary } from "../../sandbox/static/sandbox/model.js";

/** @import { PhoneMessage } from "../../sandbox/static/sandbox/types.js" */

/** @param {Partial<PhoneMessage>} fields @returns {PhoneMessage} */
const message = (fields) => ({ id: 1, wamid: "w1", direction: "customer", type: "text", content: {}, timestamp: "2026-11-27T12:00:00Z", ...fields });

describe("the phone's chat", () => {
  it("compares messages by value: keys in another order (jsonb's) are the same bubble", () => {
    const asSent = { type: "list", body: { text: "Pick" }, action: { button: "Slots", sections: [{ title: "T", rows: [{ id: "a", title: "A" }] }] } };
    const readBack = { body: { text: "Pick" }, type: "list", action: { sections: [{ rows: [{ title: "A", id: "a" }], title: "T" }], button: "Slots" } };
    assert.equal(stableJson(["interactive", asSent, null]), stableJson(["interactive", readBack, null]));
    assert.notEqual(stableJson([asSent]), stableJson([{ ...asSent, body: { text: "Pick one" } }]));
    const rows = [{ id: "a" }, { id: "b" }];
    assert.notEqual(stableJson(rows), stableJson([...rows].reverse())); // order in a list is content
    assert.equal(stableJson([null, 1, "x", false]), JSON.stringify([null, 1, "x", false]));
  });
  it("orders by time, then id", () => {
    const list = [message({ id: 3, timestamp: "2026-11-27T12:00:01Z" }), message({ id: 2 }), message({ id: 1 })];
    assert.deepEqual(sorted(list).map((m) => m.id), [1, 2, 3]);
  });
  it("summarises each type", () => {
    assert.equal(summary(message({ content: { body: "Hi" } })), "Hi");
    assert.equal(summary(message({ type: "image", content: { caption: "dent" } })), "📷 dent");
    assert.equal(summary(message({ type: "document", content: { filename: "a.pdf" } })), "📄 a.pdf");
    assert.equal(summary(message({ type: "contacts", content: [{ name: { formatted_name: "Ann" } }] })), "👤 Ann");
    assert.equal(summary(message({ type: "interactive", content: { body: { text: "Pick one" } } })), "Pick one");
    assert.equal(summary(message({ type: "interactive", content: { list_reply: { id: "r", title: "Row" } } })), "Row");
    assert.equal(summary(message({ type: "template", rendered: { body: "Your order" } })), "Your order");
    assert.equal(summary(null), "Message");
  });
  it("reads content and contacts whatever the shape", () => {
    assert.deepEqual(contentOf(message({ content: null })), {});
    assert.deepEqual(contentOf(message({ type: "contacts", content: [{}] })), {});
    assert.deepEqual(contactsOf(message({ content: { body: "x" } })), []);
  });
  it("the latest reaction per side wins, a failed one does not count", () => {
    const ordered = [
      message({ id: 1, wamid: "biz", direction: "business" }),
      message({ id: 2, type: "reaction", content: { message_id: "biz", emoji: "👍" } }),
      message({ id: 3, type: "reaction", content: { message_id: "biz", emoji: "❤️" } }),
      message({ id: 4, type: "reaction", content: { message_id: "biz", emoji: "😢" }, error: { code: 1 } }),
    ];
    assert.equal(derived(ordered).reactions.get("customer:biz"), "❤️");
  });
  it("remembers what a reply chose: a button's id, a list row's id, a quick reply's index", () => {
    const template = message({ id: 1, wamid: "tpl", direction: "business", type: "template",
      rendered: { buttons: [{ type: "url", text: "Site" }, { type: "quick_reply", text: "Stop", payload: "STOP" }] } });
    const ordered = [
      template,
      message({ id: 2, wamid: "q", type: "button", context_wamid: "tpl", content: { text: "Stop", payload: "STOP" } }),
      message({ id: 3, wamid: "b", type: "interactive", context_wamid: "menu", content: { button_reply: { id: "yes", title: "Yes" } } }),
    ];
    const { chosen, byWamid } = derived(ordered);
    assert.equal(chosen.get("tpl"), 1);
    assert.equal(chosen.get("menu"), "yes");
    assert.equal(byWamid.get("tpl"), template);
  });
  it("sends JPEG and PNG as images, other images as documents", () => {
    assert.deepEqual(["image/jpeg", "image/png", "image/gif", "video/mp4", "audio/ogg", "application/pdf"].map(kindOf),
      ["image", "image", "document", "video", "audio", "document"]);
  });
});
