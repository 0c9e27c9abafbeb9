// isoText: Date.toISOString's text, the last one kept for writes made in the same millisecond.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isoText } from "../src/core/clock.js";

describe("isoText", () => {
  it("is toISOString's text for every time, the same string for the same millisecond", () => {
    const times = [0, 1, 1, 1_700_000_000_123, 1_700_000_000_123, 1_700_000_000_124, 0, -1];
    for (const t of times) assert.equal(isoText(new Date(t)), new Date(t).toISOString());
    assert.equal(isoText(new Date(5)), isoText(new Date(5)));
  });

  it("refuses an invalid date as toISOString does", () => {
    assert.throws(() => isoText(new Date(NaN)), RangeError);
    assert.equal(isoText(new Date(7)), new Date(7).toISOString());
  });
});
