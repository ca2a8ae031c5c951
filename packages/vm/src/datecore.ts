/**
 * The core of SQLite's date.c: the DateTime record (julian day number times 86400000, or
 * Y-M-D and h:m:s fields), parsing of time values and the conversions between the forms.
 * Modifiers are in datemod.ts, the SQL functions in datetime.ts.
 */
import { DbError } from "@db/btree";
import { ATOF_DIGITS, ATOF_GARBAGE, atof, lastAtofFlags } from "./fp.js";

/** Per-call context for time-dependent functions. */
export interface DateTimeContext {
  /** The statement's current time in ms since the Unix epoch (default: Date.now()). */
  now?: () => number;
  /** Set when evaluating a CHECK constraint, index or generated column ("an index", ...): 'now' is an error. */
  pure?: string;
  /** Function name, for error messages. */
  name?: string;
}

export interface DT {
  iJD: number;
  Y: number;
  M: number;
  D: number;
  h: number;
  m: number;
  tz: number;
  s: number;
  validJD: boolean;
  validYMD: boolean;
  validHMS: boolean;
  nFloor: number;
  rawS: boolean;
  isError: boolean;
  useSubsec: boolean;
  isUtc: boolean;
  isLocal: boolean;
}

export function fresh(): DT {
  return {
    iJD: 0,
    Y: 0,
    M: 0,
    D: 0,
    h: 0,
    m: 0,
    tz: 0,
    s: 0,
    validJD: false,
    validYMD: false,
    validHMS: false,
    nFloor: 0,
    rawS: false,
    isError: false,
    useSubsec: false,
    isUtc: false,
    isLocal: false,
  };
}

export const trunc = Math.trunc;
const MAX_IJD = 464269060799999;

export const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
export const isSpace = (c: string | undefined): boolean =>
  c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";

/** One getDigits field: number of digits, minimum, maximum, separator that must follow ("" = none). */
type Field = [number, number, number, string];

/** Parses fixed-width numbers at z[i..]; returns the values parsed before the first failure. */
export function getDigits(z: string, i: number, fields: Field[]): number[] {
  const out: number[] = [];
  for (const [nDig, min, max, sep] of fields) {
    let val = 0;
    for (let k = 0; k < nDig; k++) {
      const c = z[i];
      if (!isDigit(c)) return out;
      val = val * 10 + (c.charCodeAt(0) - 48);
      i++;
    }
    if (val < min || val > max || (sep !== "" && z[i] !== sep)) return out;
    out.push(val);
    i++;
  }
  return out;
}

/** True if z (from i on) is NOT a well-formed timezone suffix (or nothing). */
function parseTimezone(z: string, i: number, p: DT): boolean {
  while (isSpace(z[i])) i++;
  p.tz = 0;
  const c = z[i];
  let sgn: number;
  if (c === "-") sgn = -1;
  else if (c === "+") sgn = 1;
  else if (c === "Z" || c === "z") {
    i++;
    p.isLocal = false;
    p.isUtc = true;
    while (isSpace(z[i])) i++;
    return i < z.length;
  } else {
    return c !== undefined;
  }
  i++;
  const d = getDigits(z, i, [
    [2, 0, 14, ":"],
    [2, 0, 59, ""],
  ]);
  if (d.length !== 2) return true;
  i += 5;
  p.tz = sgn * (d[1] + d[0] * 60);
  if (p.tz === 0) {
    p.isLocal = false;
    p.isUtc = true;
  }
  while (isSpace(z[i])) i++;
  return i < z.length;
}

/** HH:MM[:SS[.FFF]][timezone]; true on error. */
export function parseHhMmSs(z: string, i: number, p: DT): boolean {
  const hm = getDigits(z, i, [
    [2, 0, 24, ":"],
    [2, 0, 59, ""],
  ]);
  if (hm.length !== 2) return true;
  i += 5;
  let s = 0;
  let ms = 0;
  if (z[i] === ":") {
    i++;
    const sv = getDigits(z, i, [[2, 0, 59, ""]]);
    if (sv.length !== 1) return true;
    s = sv[0];
    i += 2;
    if (z[i] === "." && isDigit(z[i + 1])) {
      let scale = 1;
      i++;
      while (isDigit(z[i])) {
        ms = ms * 10 + (z.charCodeAt(i) - 48);
        scale *= 10;
        i++;
      }
      ms /= scale;
      if (ms > 0.999) ms = 0.999;
    }
  }
  // 24:00 is accepted as midnight at the end of the day, but only exactly 24:00[:00].
  if (hm[0] === 24 && (hm[1] !== 0 || s !== 0 || ms !== 0)) return true;
  p.validJD = false;
  p.rawS = false;
  p.validHMS = true;
  p.h = hm[0];
  p.m = hm[1];
  p.s = s + ms;
  return parseTimezone(z, i, p);
}

function datetimeError(p: DT): void {
  Object.assign(p, fresh());
  p.isError = true;
}

export function computeJD(p: DT): void {
  if (p.validJD) return;
  let Y: number;
  let M: number;
  let D: number;
  if (p.validYMD) {
    Y = p.Y;
    M = p.M;
    D = p.D;
  } else {
    Y = 2000;
    M = 1;
    D = 1;
  }
  if (Y < -4713 || Y > 9999 || p.rawS) {
    datetimeError(p);
    return;
  }
  if (M <= 2) {
    Y--;
    M += 12;
  }
  const A = trunc((Y + 4800) / 100);
  const B = 38 - A + trunc(A / 4);
  const X1 = trunc((36525 * (Y + 4716)) / 100);
  const X2 = trunc((306001 * (M + 1)) / 10000);
  p.iJD = trunc((X1 + X2 + D + B - 1524.5) * 86400000);
  p.validJD = true;
  if (p.validHMS) {
    p.iJD += p.h * 3600000 + p.m * 60000 + trunc(p.s * 1000 + 0.5);
    if (p.tz) {
      p.iJD -= p.tz * 60000;
      p.validYMD = false;
      p.validHMS = false;
      p.tz = 0;
      p.isUtc = true;
      p.isLocal = false;
    } else if (p.h === 24) {
      // 24:00 of one day is 00:00 of the next: re-derive the fields from iJD.
      p.validYMD = false;
      p.validHMS = false;
    }
  }
}

export function computeFloor(p: DT): void {
  if (p.D <= 28) p.nFloor = 0;
  else if ((1 << p.M) & 0x15aa) p.nFloor = 0;
  else if (p.M !== 2) p.nFloor = p.D === 31 ? 1 : 0;
  else if (p.Y % 4 !== 0 || (p.Y % 100 === 0 && p.Y % 400 !== 0)) p.nFloor = p.D - 28;
  else p.nFloor = p.D - 29;
}

function parseYyyyMmDd(z: string, p: DT): boolean {
  let i = 0;
  let neg = false;
  if (z[0] === "-") {
    i++;
    neg = true;
  }
  const ymd = getDigits(z, i, [
    [4, 0, 14712, "-"],
    [2, 1, 12, "-"],
    [2, 1, 31, ""],
  ]);
  if (ymd.length !== 3) return true;
  i += 10;
  while (isSpace(z[i]) || z[i] === "T") i++;
  if (!parseHhMmSs(z, i, p)) {
    // got the time
  } else if (i >= z.length) {
    p.validHMS = false;
  } else {
    return true;
  }
  p.validJD = false;
  p.validYMD = true;
  p.Y = neg ? -ymd[0] : ymd[0];
  p.M = ymd[1];
  p.D = ymd[2];
  computeFloor(p);
  if (p.tz || (p.validHMS && p.h === 24)) computeJD(p);
  return false;
}

export function clearYMD_HMS_TZ(p: DT): void {
  p.validYMD = false;
  p.validHMS = false;
  p.tz = 0;
}

export function notPure(ctx: DateTimeContext): void {
  if (ctx.pure) {
    throw new DbError("DB_ERROR", `non-deterministic use of ${ctx.name ?? "date"}() in ${ctx.pure}`);
  }
}

export function setDateTimeToCurrent(ctx: DateTimeContext, p: DT): boolean {
  notPure(ctx);
  const ms = ctx.now ? ctx.now() : Date.now();
  p.iJD = trunc(ms) + 210866760000000;
  p.validJD = true;
  p.isUtc = true;
  p.isLocal = false;
  clearYMD_HMS_TZ(p);
  return false;
}

export function setRawDateNumber(p: DT, r: number): void {
  p.s = r;
  p.rawS = true;
  if (r >= 0 && r < 5373484.5) {
    p.iJD = trunc(r * 86400000 + 0.5);
    p.validJD = true;
  }
}

/** The value of s if the whole of it is a number (sqlite3AtoF(...) > 0), else undefined. */
export function numberValue(s: string): number | undefined {
  const r = atof(s);
  const f = lastAtofFlags();
  return (f & (ATOF_DIGITS | ATOF_GARBAGE)) === ATOF_DIGITS ? r : undefined;
}

export function parseDateOrTime(ctx: DateTimeContext, z: string, p: DT): boolean {
  if (!parseYyyyMmDd(z, p)) return false;
  if (!parseHhMmSs(z, 0, p)) return false;
  const lz = z.toLowerCase();
  if (lz === "now") return setDateTimeToCurrent(ctx, p);
  const r = numberValue(z);
  if (r !== undefined) {
    setRawDateNumber(p, r);
    return false;
  }
  if (lz === "subsec" || lz === "subsecond") {
    p.useSubsec = true;
    return setDateTimeToCurrent(ctx, p);
  }
  return true;
}

export function validJulianDay(iJD: number): boolean {
  return iJD >= 0 && iJD <= MAX_IJD;
}

export function computeYMD(p: DT): void {
  if (p.validYMD) return;
  if (!p.validJD) {
    p.Y = 2000;
    p.M = 1;
    p.D = 1;
  } else if (!validJulianDay(p.iJD)) {
    datetimeError(p);
    return;
  } else {
    const Z = trunc((p.iJD + 43200000) / 86400000);
    const alpha = trunc((Z + 32044.75) / 36524.25) - 52;
    const A = Z + 1 + alpha - trunc((alpha + 100) / 4) + 25;
    const B = A + 1524;
    const C = trunc((B - 122.1) / 365.25);
    const D = trunc((36525 * (C & 32767)) / 100);
    const E = trunc((B - D) / 30.6001);
    const X1 = trunc(30.6001 * E);
    p.D = B - D - X1;
    p.M = E < 14 ? E - 1 : E - 13;
    p.Y = p.M > 2 ? C - 4716 : C - 4715;
  }
  p.validYMD = true;
}

export function computeHMS(p: DT): void {
  if (p.validHMS) return;
  computeJD(p);
  const dayMs = trunc((p.iJD + 43200000) % 86400000);
  p.s = (dayMs % 60000) / 1000;
  const dayMin = trunc(dayMs / 60000);
  p.m = dayMin % 60;
  p.h = trunc(dayMin / 60);
  p.rawS = false;
  p.validHMS = true;
}

export function computeYMD_HMS(p: DT): void {
  computeYMD(p);
  computeHMS(p);
}

/** Assuming p is UTC, moves it to local time (the host's time zone). */
export function toLocaltime(p: DT): void {
  computeJD(p);
  let iYearDiff = 0;
  let t: number;
  if (p.iJD < 2108667600 * 100000 || p.iJD > 2130141456 * 100000) {
    const x: DT = { ...p };
    computeYMD_HMS(x);
    iYearDiff = 2000 + (x.Y % 4) - x.Y;
    x.Y += iYearDiff;
    x.validJD = false;
    computeJD(x);
    t = trunc(x.iJD / 1000) - 21086676 * 10000;
  } else {
    t = trunc(p.iJD / 1000) - 21086676 * 10000;
  }
  const d = new Date(t * 1000);
  if (Number.isNaN(d.getTime())) throw new DbError("DB_ERROR", "local time unavailable");
  p.Y = d.getFullYear() - iYearDiff;
  p.M = d.getMonth() + 1;
  p.D = d.getDate();
  p.h = d.getHours();
  p.m = d.getMinutes();
  p.s = d.getSeconds() + (p.iJD % 1000) * 0.001;
  p.validYMD = true;
  p.validHMS = true;
  p.validJD = false;
  p.rawS = false;
  p.tz = 0;
  p.isError = false;
}

export function cutAtNul(s: string): string {
  const i = s.indexOf("\0");
  return i < 0 ? s : s.slice(0, i);
}
