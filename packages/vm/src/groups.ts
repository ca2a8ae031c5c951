/**
 * Hash aggregation: rows are folded into groups keyed by the GROUP BY values; groups are
 * read back in key order (as SQLite, which groups through a sorter, returns them).
 */
import { aggregateFunctions, type AggregateFunction } from "./aggregates.js";
import { compareValues } from "./compare.js";
import { encodeKey } from "./key.js";
import type { SqlValue } from "./value.js";
import { DbError } from "@db/btree";

export interface AggDef {
  name: string;
  distinct: boolean;
  /** count(*) */
  star: boolean;
}

export class AggSlot {
  private readonly impl: AggregateFunction<unknown> | null;
  private state: unknown;
  private seen: Set<string> | null;
  private count = 0;

  constructor(readonly def: AggDef) {
    if (def.star) {
      this.impl = null;
    } else {
      const impl = aggregateFunctions.get(def.name.toLowerCase());
      if (!impl) throw new DbError("DB_ERROR", `no such function: ${def.name}`);
      this.impl = impl;
    }
    this.state = this.impl?.init();
    this.seen = def.distinct ? new Set() : null;
  }

  step(args: SqlValue[]): void {
    if (this.impl === null) {
      this.count++;
      return;
    }
    if (this.seen !== null) {
      if (args[0] === null) return;
      const k = Buffer.from(encodeKey(args)).toString("latin1");
      if (this.seen.has(k)) return;
      this.seen.add(k);
    }
    this.impl.step(this.state, args);
  }

  final(): SqlValue {
    if (this.impl === null) return this.count;
    return this.impl.final(this.state);
  }
}

export interface Group {
  keys: SqlValue[];
  aggs: AggSlot[];
  bare: SqlValue[];
}

export class GroupTable {
  private groups = new Map<string, Group>();
  private order: Group[] | null = null;
  private pos = -1;
  current: Group | null = null;

  constructor(readonly aggDefs: AggDef[]) {}

  /** Finds or creates the group of `keys` and makes it current. */
  step(keys: SqlValue[]): Group {
    // No GROUP BY: one group for every row.
    if (keys.length === 0 && this.current !== null && this.groups.size === 1) return this.current;
    const k = keys.length === 0 ? "" : Buffer.from(encodeKey(keys)).toString("latin1");
    let g = this.groups.get(k);
    if (!g) {
      g = { keys, aggs: this.aggDefs.map((d) => new AggSlot(d)), bare: [] };
      this.groups.set(k, g);
      this.order = null;
    }
    this.current = g;
    return g;
  }

  /** Positions on the first group in key order; with `ensureOne`, an empty input yields one empty group. */
  rewind(ensureOne: boolean): boolean {
    if (ensureOne && this.groups.size === 0) this.step([]);
    if (this.order === null) {
      this.order = [...this.groups.values()];
      this.order.sort((a, b) => {
        for (let i = 0; i < a.keys.length; i++) {
          const c = compareValues(a.keys[i] ?? null, b.keys[i] ?? null);
          if (c !== 0) return c;
        }
        return 0;
      });
    }
    this.pos = 0;
    this.current = this.order[0] ?? null;
    return this.current !== null;
  }

  next(): boolean {
    this.pos++;
    this.current = this.order?.[this.pos] ?? null;
    return this.current !== null;
  }

  clear(): void {
    this.groups.clear();
    this.order = null;
    this.pos = -1;
    this.current = null;
  }
}
