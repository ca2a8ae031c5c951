/** encodeKeyString: the Map-key form of encodeKey used by grouping, DISTINCT and IN sets. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Real, encodeKey, encodeKeyString, type SqlValue } from "../src/index.js";

const value: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double({ noNaN: true }).map((x) => (Number.isInteger(x) ? new Real(x) : x)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((b) => b < -(2n ** 53n) || b > 2n ** 53n),
  fc.string({ unit: "grapheme" }),
  fc.uint8Array({ maxLength: 40 }),
);

describe("encodeKeyString", () => {
  it("is encodeKey's bytes, one char per byte", () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 5 }), fc.array(fc.boolean(), { maxLength: 5 }), (vals, desc) => {
        expect(encodeKeyString(vals, desc)).toBe(Buffer.from(encodeKey(vals, desc)).toString("latin1"));
      }),
    );
  });
  it("honours collations and long keys", () => {
    const long = ["x".repeat(5000), "ABC"];
    expect(encodeKeyString(long, undefined, ["BINARY", "NOCASE"])).toBe(Buffer.from(encodeKey(long, undefined, ["BINARY", "NOCASE"])).toString("latin1"));
    expect(encodeKeyString(["abc"], undefined, ["NOCASE"])).toBe(encodeKeyString(["ABC"], undefined, ["NOCASE"]));
  });
  it("leaves encodeKey's own results alone", () => {
    const k = encodeKey([1, "a"]);
    const copy = k.slice();
    encodeKeyString(["something else entirely", 12345]);
    expect(k).toEqual(copy);
  });
});
