// format.js: times, durations, sizes, UTF-8 byte counts (W4), names and links in a text (W9).
import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";

import {
  dayOf, debounce, elapsed, humanSize, initialOf, plural, remaining, splitLinks, splitName, surveyWords, toDate,
  utf8Length,
} from "../../console/static/console/format.js";

describe("toDate", () => {
  it("reads an ISO time and refuses what is none", () => {
    assert.equal(toDate("2026-11-27T08:00:00+00:00")?.toISOString(), "2026-11-27T08:00:00.000Z");
    assert.equal(toDate(""), null);
    assert.equal(toDate(null), null);
    assert.equal(toDate("yesterday at noon"), null);
  });
});

describe("dayOf", () => {
  const today = new Date(2026, 10, 27, 15, 0);
  it("says Today and Yesterday, else the date", () => {
    assert.equal(dayOf(new Date(2026, 10, 27, 0, 5), today), "Today");
    assert.equal(dayOf(new Date(2026, 10, 26, 23, 59), today), "Yesterday");
    assert.match(dayOf(new Date(2025, 0, 3), today), /2025/);
    assert.equal(dayOf(null, today), "");
  });
});

describe("humanSize", () => {
  it("counts bytes, then KB, MB and GB with one decimal below 10", () => {
    assert.equal(humanSize(0), "0 B");
    assert.equal(humanSize(1023), "1023 B");
    assert.equal(humanSize(1536), "1.5 KB");
    assert.equal(humanSize(20 * 1024), "20 KB");
    assert.equal(humanSize(5 * 1024 * 1024), "5.0 MB");
    assert.equal(humanSize(3 * 1024 ** 4), "3072 GB");
  });
  it("is empty for what is no size", () => {
    assert.equal(humanSize(undefined), "");
    assert.equal(humanSize(-1), "");
    assert.equal(humanSize("lots"), "");
  });
});

describe("elapsed and remaining", () => {
  it("elapsed reads like a clock", () => {
    assert.equal(elapsed(7000), "0:07");
    assert.equal(elapsed(12 * 60000 + 30000), "12:30");
    assert.equal(elapsed(3600000 + 2 * 60000 + 3000), "1:02:03");
    assert.equal(elapsed(-5000), "0:00");
  });
  it("remaining reads in hours and minutes, minutes, or seconds", () => {
    assert.equal(remaining(23 * 3600000 + 12 * 60000 + 59000), "23 h 12 min");
    assert.equal(remaining(8 * 60000 + 59000), "8 min");
    assert.equal(remaining(40000), "40 s");
    assert.equal(remaining(-1), "0 s");
  });
});

describe("utf8Length (W4: WhatsApp counts bytes, not characters)", () => {
  it("counts ASCII as one byte each", () => {
    assert.equal(utf8Length("Hello"), 5);
    assert.equal(utf8Length(""), 0);
  });
  it("counts accents, CJK and emoji as several bytes", () => {
    assert.equal(utf8Length("é"), 2);
    assert.equal(utf8Length("日本"), 6);
    assert.equal(utf8Length("👍"), 4);
    assert.equal(utf8Length("👍🏽"), 8); // with a skin tone: two code points
    assert.equal(utf8Length("👨‍👩‍👧"), 18); // a family: three emoji joined by two ZWJ
  });
  it("agrees with the limit at its edge", () => {
    assert.equal(utf8Length(`${"a".repeat(4095)}é`), 4097);
  });
});

describe("names", () => {
  it("initialOf takes the first letter or digit", () => {
    assert.equal(initialOf("  lena"), "L");
    assert.equal(initialOf("+49 152"), "4");
    assert.equal(initialOf("🙂 Émile"), "É");
    assert.equal(initialOf(""), "?");
    assert.equal(initialOf(null), "?");
  });
  it("splitName keeps a distinguishing number whole", () => {
    assert.deepEqual(splitName("Customer …0002"), { head: "Customer", tail: " …0002" });
    assert.deepEqual(splitName("Order 4711"), { head: "Order", tail: " 4711" });
    assert.deepEqual(splitName("Lena Test"), { head: "Lena Test", tail: "" });
    assert.deepEqual(splitName("4711"), { head: "4711", tail: "" }); // nothing before the number
    assert.deepEqual(splitName("Ticket ABCDEFGHIJKLMN12"), { head: "Ticket ABCDEFGHIJKLMN12", tail: "" }); // too long a tail
  });
  it("splitName keeps the digits that tell two customers apart (U2)", () => {
    // a profile name with the number's last digits, in any script
    assert.deepEqual(splitName("Maria …0002"), { head: "Maria", tail: " …0002" });
    assert.deepEqual(splitName("Maria José da Silva …0003"), { head: "Maria José da Silva", tail: " …0003" });
    assert.deepEqual(splitName("مريم …0002"), { head: "مريم", tail: " …0002" });
    // a name that is the number: its last four digits
    assert.deepEqual(splitName("+4915112340002"), { head: "+491511234", tail: "0002" });
    assert.deepEqual(splitName("+44 20 7946 0958"), { head: "+44 20 7946 ", tail: "0958" });
    // a username is unique: nothing to keep
    assert.deepEqual(splitName("@maria.s"), { head: "@maria.s", tail: "" });
  });
  it("plural", () => {
    assert.equal(plural(1, "file"), "1 file");
    assert.equal(plural(0, "file"), "0 files");
    assert.equal(plural(3, "standard response"), "3 standard responses");
  });
});

describe("splitLinks (W9: only http and https become links)", () => {
  it("leaves trailing punctuation out of the link", () => {
    assert.deepEqual(splitLinks("See https://example.com/a?b=1. Thanks"), [
      { text: "See ", url: false },
      { text: "https://example.com/a?b=1", url: true },
      { text: ". Thanks", url: false },
    ]);
    assert.deepEqual(splitLinks("(http://x.test/y)"), [
      { text: "(", url: false },
      { text: "http://x.test/y", url: true },
      { text: ")", url: false },
    ]);
  });
  it("never links another scheme", () => {
    assert.deepEqual(splitLinks("javascript:alert(1) ftp://x.test"), [{ text: "javascript:alert(1) ftp://x.test", url: false }]);
  });
  it("stops at quotes and angle brackets", () => {
    assert.deepEqual(
      splitLinks('<a href="https://evil.test">'),
      [{ text: '<a href="', url: false }, { text: "https://evil.test", url: true }, { text: '">', url: false }],
    );
  });
  it("takes any value", () => {
    assert.deepEqual(splitLinks(null), []);
    assert.deepEqual(splitLinks(42), [{ text: "42", url: false }]);
  });
});

describe("debounce", () => {
  it("calls once, after the last call, with its arguments; cancel drops it", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const calls = mock.fn();
    const soon = debounce(calls, 300);
    soon(1);
    t.mock.timers.tick(200);
    soon(2);
    t.mock.timers.tick(299);
    assert.equal(calls.mock.callCount(), 0);
    t.mock.timers.tick(1);
    assert.deepEqual(calls.mock.calls.map((c) => c.arguments), [[2]]);
    soon(3);
    soon.cancel();
    t.mock.timers.tick(1000);
    assert.equal(calls.mock.callCount(), 1);
  });
});

describe("surveyWords", () => {
  it("shows the answer, its score, whether satisfied, and the comment (B3)", () => {
    const sent = { sent_at: "2026-03-03T11:00:00+00:00" };
    assert.equal(surveyWords(null), "");
    assert.equal(surveyWords({ ...sent, score: null }), "Survey: not answered");
    assert.equal(surveyWords({ ...sent, score: 3, answer: "Good", satisfied: true }), "Survey: Good (3) · satisfied");
    assert.equal(
      surveyWords({ ...sent, score: 1, answer: "Bad", satisfied: false, comment: "Too slow" }),
      "Survey: Bad (1) · not satisfied · “Too slow”",
    );
  });
});
