// reports/static/reports/search-params.js: the O6 search form's query string.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { searchParams } from "../../reports/static/reports/search-params.js";

describe("searchParams", () => {
  it("leaves out empty fields and trims the others", () => {
    const params = searchParams([["contact", "  Lena "], ["text", ""], ["state", "closed"]], "Europe/Berlin");
    assert.equal(params.toString(), "contact=Lena&state=closed");
  });
  it("adds the browser's time zone when a date is given", () => {
    const params = searchParams([["date_from", "2026-03-01"]], "Asia/Tokyo");
    assert.equal(params.get("tz"), "Asia/Tokyo");
  });
});
