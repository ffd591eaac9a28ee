// template-rules.js (U3): what the admin's template editor and preview work out before the
// server judges the template on save.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  DEFAULT_LIMITS,
  buttonProblems,
  ordinal,
  parameterKeys,
  parseJson,
  placeholders,
  rowIdFrom,
  rowProblems,
  sampleText,
  sectionTitleProblem,
} from "../../templates_app/static/templates_app/template-rules.js";

describe("U3: the admin's template editor", () => {
  it("reads a JSON field as its shape, or says it is none", () => {
    assert.deepEqual(parseJson("", []), []);
    assert.deepEqual(parseJson('[{"type": "quick_reply"}]', []), [{ type: "quick_reply" }]);
    assert.equal(parseJson("[{", []), null);
    assert.equal(parseJson("{}", []), null, "an object is not a list");
    assert.equal(parseJson("[]", {}), null, "a list is not an object");
  });
  it("finds the parameters in the server's order, with the labels agents see without one", () => {
    assert.deepEqual(placeholders("{{2}} and {{1}} and {{2}}", false), ["1", "2"]);
    assert.deepEqual(placeholders("{{last}} {{first_name}} {{last}}", true), ["last", "first_name"]);
    const keys = parameterKeys({ headerType: "text", headerText: "Order {{1}}", body: "Hi {{1}}, order {{2}}", named: false });
    assert.deepEqual(keys.map((k) => [k.key, k.fallback]), [
      ["header.1", "Header value"],
      ["body.1", "Body, 1st value"],
      ["body.2", "Body, 2nd value"],
    ]);
    const named = parameterKeys({ headerType: "none", headerText: "Order {{1}}", body: "Hi {{first_name}}", named: true });
    assert.deepEqual(named.map((k) => [k.key, k.fallback]), [["body.first_name", "First name"]]);
    assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal), ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]);
  });
  it("previews each parameter by its label", () => {
    const keys = parameterKeys({ headerType: "none", headerText: "", body: "Hi {{1}}, order {{2}}", named: false });
    assert.equal(sampleText("Hi {{1}}, order {{2}} {{7}}", "body", { "body.2": " Order number " }, keys), "Hi [Body, 1st value], order [Order number] {{7}}");
  });
  it("says on each field what the server would refuse", () => {
    assert.deepEqual(buttonProblems({ type: "quick_reply", text: "" }, "notification", DEFAULT_LIMITS), { text: "Required" });
    assert.deepEqual(buttonProblems({ type: "url", text: "Track", url: "example.com" }, "rich_media", DEFAULT_LIMITS), { url: "A web address starting with https://" });
    assert.deepEqual(buttonProblems({ type: "url", text: "Track", url: "https://x.test/{{1}}/a" }, "rich_media", DEFAULT_LIMITS), { url: "A dynamic address ends with {{1}}" });
    assert.deepEqual(buttonProblems({ type: "phone_number", text: "Call", phone_number: "0301234" }, "notification", DEFAULT_LIMITS), { phone_number: "International form: + and 6 to 19 digits" });
    assert.deepEqual(buttonProblems({ type: "reply", text: "A reply longer than twenty" }, "reply_buttons", DEFAULT_LIMITS), { text: "At most 20 characters (now 26)" });
    assert.deepEqual(rowProblems({ id: "am", title: "Morning" }, DEFAULT_LIMITS, new Set(["am"])), { id: "Another option has this id" });
    assert.deepEqual(rowProblems({ id: "", title: "", description: "x".repeat(73) }, DEFAULT_LIMITS), {
      title: "Required",
      description: "At most 72 characters (now 73)",
      id: "Required",
    });
    assert.equal(sectionTitleProblem({ title: "" }, 1, DEFAULT_LIMITS), "");
    assert.equal(sectionTitleProblem({ title: "" }, 2, DEFAULT_LIMITS), "Required");
  });
  it("gives a new option an id from its title", () => {
    assert.equal(rowIdFrom("Morning slot", new Set()), "morning_slot");
    assert.equal(rowIdFrom("Morning slot", new Set(["morning_slot"])), "morning_slot_2");
    assert.equal(rowIdFrom("!!!", new Set()), "option");
  });
});
