// O6: the search form's query string, without the DOM (unit-tested in tests/js).

/**
 * The query string of the form's fields: empty ones are left out, values trimmed, and the
 * browser's time zone added when a date is given (the dates are the searcher's days).
 * @param {Iterable<[string, unknown]>} fields
 * @param {string} zone
 * @returns {URLSearchParams}
 */
export function searchParams(fields, zone) {
  const params = new URLSearchParams();
  for (const [name, value] of fields) {
    if (typeof value === "string" && value.trim() !== "") params.set(name, value.trim());
  }
  if ((params.has("date_from") || params.has("date_to")) && zone) params.set("tz", zone);
  return params;
}
