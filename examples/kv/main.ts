/**
 * @db/btree as an ordered key-value store (the example of packages/btree/README.md).
 * Run: pnpm --filter @db/example-kv start [file]   (default file: ./example-kv.db)
 */
import { KvStore } from "@db/btree";

const path = process.argv[2] ?? "example-kv.db";
const text = (b: Uint8Array) => new TextDecoder().decode(b);

// Open (or create) the store. Keys and values are bytes; strings are stored as UTF-8.
const store = KvStore.open(path);

// Single operations commit on their own (durably: fsync before returning).
store.put("fruit:apple", "red");
store.put("fruit:banana", "yellow");

// A write transaction commits all of its changes at once, or none if the callback throws.
store.write((tx) => {
  tx.put("fruit:cherry", "dark red");
  tx.put("fruit:fig", "purple");
  tx.put("veg:carrot", "orange");
  tx.delete("fruit:banana");
});

console.log("apple is", text(store.get("fruit:apple")!));
console.log("banana:", store.get("fruit:banana")); // null: deleted

// Range iteration streams from a cursor: bounds (gt/gte/lt/lte or prefix), limit, reverse.
for (const [key, value] of store.range({ prefix: "fruit:" })) {
  console.log(" ", text(key), "=", text(value));
}
const lastTwo = [...store.range({ lt: "veg:", reverse: true, limit: 2 })].map(([k]) => text(k));
console.log("last two before veg:", lastTwo.join(", "));

// Integers as 8-byte big-endian keys sort numerically; load() bulk-loads sorted input.
const int = (i: number) => {
  const k = new Uint8Array(8);
  new DataView(k.buffer).setBigUint64(0, BigInt(i));
  return k;
};
const numbers = KvStore.open(":memory:");
numbers.load((function* () {
  for (let i = 0; i < 100_000; i++) yield [int(i), `value ${i}`] as const;
})());
const window = [...numbers.range({ gte: int(41_998), lt: int(42_001) })].map(([, v]) => text(v));
console.log("count:", numbers.count(), "window:", window.join(" | "));

// A read transaction sees one consistent state.
const summary = numbers.read((tx) => `${text(tx.get(int(0))!)} .. ${text(tx.get(int(99_999))!)}`);
console.log("read txn:", summary);
numbers.close();

console.log("integrity:", store.checkIntegrity().length === 0 ? "ok" : store.checkIntegrity());
store.close();
