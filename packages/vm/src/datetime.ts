/**
 * date(), time(), datetime(), julianday(), unixepoch(), strftime(), timediff() - a port of
 * SQLite's date.c. Times are julian day numbers times 86400000 (milliseconds), Gregorian
 * calendar, years 0000-9999 (and negative years down to -4713 from julian day numbers).
 * "localtime"/"utc" use the JavaScript host's time zone.
 */
import { DbError } from "@db/btree";
import { ATOF_DIGITS, ATOF_GARBAGE, atof, formatFloat, lastAtofFlags } from "./fp.js";
import { type SqlValue, Real, makeReal, toReal, toText } from "./value.js";

/** Per-call context for time-dependent functions. */
export interface DateTimeContext {
  /** The statement's current time in ms since the Unix epoch (default: Date.now()). */
  now?: () => number;
  /** Set when evaluating a CHECK constraint, index or generated column: 'now' is an error. */
  pure?: boolean;
  /** Function name, for error messages. */
  name?: string;
}

interface DT {
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

function fresh(): DT {
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

const trunc = Math.trunc;
const MAX_IJD = 464269060799999;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isSpace = (c: string | undefined): boolean =>
  c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";

/** One getDigits field: number of digits, minimum, maximum, separator that must follow ("" = none). */
type Field = [number, number, number, string];

/** Parses fixed-width numbers at z[i..]; returns the values parsed before the first failure. */
function getDigits(z: string, i: number, fields: Field[]): number[] {
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
function parseHhMmSs(z: string, i: number, p: DT): boolean {
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

function computeJD(p: DT): void {
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

function computeFloor(p: DT): void {
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

function clearYMD_HMS_TZ(p: DT): void {
  p.validYMD = false;
  p.validHMS = false;
  p.tz = 0;
}

function notPure(ctx: DateTimeContext): void {
  if (ctx.pure) {
    throw new DbError("DB_ERROR", `non-deterministic use of ${ctx.name ?? "date"}() in an index, CHECK constraint or generated column`);
  }
}

function setDateTimeToCurrent(ctx: DateTimeContext, p: DT): boolean {
  notPure(ctx);
  const ms = ctx.now ? ctx.now() : Date.now();
  p.iJD = trunc(ms) + 210866760000000;
  p.validJD = true;
  p.isUtc = true;
  p.isLocal = false;
  clearYMD_HMS_TZ(p);
  return false;
}

function setRawDateNumber(p: DT, r: number): void {
  p.s = r;
  p.rawS = true;
  if (r >= 0 && r < 5373484.5) {
    p.iJD = trunc(r * 86400000 + 0.5);
    p.validJD = true;
  }
}

/** Whether the whole of s is a number (sqlite3AtoF(...) > 0), leaving the value in atofResult. */
let atofResult = 0;
function isNumber(s: string): boolean {
  atofResult = atof(s);
  const f = lastAtofFlags();
  return (f & (ATOF_DIGITS | ATOF_GARBAGE)) === ATOF_DIGITS;
}

function parseDateOrTime(ctx: DateTimeContext, z: string, p: DT): boolean {
  if (!parseYyyyMmDd(z, p)) return false;
  if (!parseHhMmSs(z, 0, p)) return false;
  const lz = z.toLowerCase();
  if (lz === "now") return setDateTimeToCurrent(ctx, p);
  if (isNumber(z)) {
    setRawDateNumber(p, atofResult);
    return false;
  }
  if (lz === "subsec" || lz === "subsecond") {
    p.useSubsec = true;
    return setDateTimeToCurrent(ctx, p);
  }
  return true;
}

function validJulianDay(iJD: number): boolean {
  return iJD >= 0 && iJD <= MAX_IJD;
}

function computeYMD(p: DT): void {
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

function computeHMS(p: DT): void {
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

function computeYMD_HMS(p: DT): void {
  computeYMD(p);
  computeHMS(p);
}

/** Assuming p is UTC, moves it to local time (the host's time zone). */
function toLocaltime(p: DT): void {
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

const XFORM: { name: string; limit: number; xform: number }[] = [
  { name: "second", limit: Math.fround(4.6427e14), xform: 1 },
  { name: "minute", limit: Math.fround(7.7379e12), xform: 60 },
  { name: "hour", limit: Math.fround(1.2897e11), xform: 3600 },
  { name: "day", limit: Math.fround(5373485.0), xform: 86400 },
  { name: "month", limit: Math.fround(176546.0), xform: 2592000 },
  { name: "year", limit: Math.fround(14713.0), xform: 31536000 },
];

function autoAdjustDate(p: DT): void {
  if (!p.rawS || p.validJD) {
    p.rawS = false;
  } else if (p.s >= -21086676 * 10000 && p.s <= 25340230 * 10000 + 799) {
    const r = p.s * 1000 + 210866760000000;
    clearYMD_HMS_TZ(p);
    p.iJD = trunc(r + 0.5);
    p.validJD = true;
    p.rawS = false;
  }
}

/** Applies one modifier; true on error. */
function parseModifier(ctx: DateTimeContext, z: string, p: DT, idx: number): boolean {
  const lz = z.toLowerCase();
  switch (lz[0]) {
    case "a":
      if (lz === "auto") {
        if (idx > 1) return true;
        autoAdjustDate(p);
        return false;
      }
      return true;
    case "c":
      if (lz === "ceiling") {
        computeJD(p);
        clearYMD_HMS_TZ(p);
        p.nFloor = 0;
        return false;
      }
      return true;
    case "f":
      if (lz === "floor") {
        computeJD(p);
        p.iJD -= p.nFloor * 86400000;
        clearYMD_HMS_TZ(p);
        return false;
      }
      return true;
    case "j":
      if (lz === "julianday") {
        if (idx > 1) return true;
        if (p.validJD && p.rawS) {
          p.rawS = false;
          return false;
        }
      }
      return true;
    case "l":
      if (lz === "localtime") {
        notPure(ctx);
        if (!p.isLocal) toLocaltime(p);
        p.isUtc = false;
        p.isLocal = true;
        return false;
      }
      return true;
    case "u":
      if (lz === "unixepoch" && p.rawS) {
        if (idx > 1) return true;
        const r = p.s * 1000 + 210866760000000;
        if (r >= 0 && r < 464269060800000) {
          clearYMD_HMS_TZ(p);
          p.iJD = trunc(r + 0.5);
          p.validJD = true;
          p.rawS = false;
          return false;
        }
        return true;
      }
      if (lz === "utc") {
        notPure(ctx);
        if (!p.isUtc) {
          computeJD(p);
          const iOrigJD = p.iJD;
          let iGuess = iOrigJD;
          let iErr = 0;
          let cnt = 0;
          do {
            const nw = fresh();
            iGuess -= iErr;
            nw.iJD = iGuess;
            nw.validJD = true;
            toLocaltime(nw);
            computeJD(nw);
            iErr = nw.iJD - iOrigJD;
          } while (iErr && cnt++ < 3);
          Object.assign(p, fresh());
          p.iJD = iGuess;
          p.validJD = true;
          p.isUtc = true;
          p.isLocal = false;
        }
        return false;
      }
      return true;
    case "w": {
      if (lz.startsWith("weekday ") && isNumber(z.slice(8))) {
        const r = atofResult;
        const n = trunc(r);
        if (r >= 0 && r < 7 && n === r) {
          computeYMD_HMS(p);
          p.tz = 0;
          p.validJD = false;
          computeJD(p);
          let Z = trunc((p.iJD + 129600000) / 86400000) % 7;
          if (Z > n) Z -= 7;
          p.iJD += (n - Z) * 86400000;
          clearYMD_HMS_TZ(p);
          return false;
        }
      }
      return true;
    }
    case "s": {
      if (!lz.startsWith("start of ")) {
        if (lz === "subsec" || lz === "subsecond") {
          p.useSubsec = true;
          return false;
        }
        return true;
      }
      if (!p.validJD && !p.validYMD && !p.validHMS) return true;
      const rest = lz.slice(9);
      computeYMD(p);
      p.validHMS = true;
      p.h = p.m = 0;
      p.s = 0;
      p.rawS = false;
      p.tz = 0;
      p.validJD = false;
      if (rest === "month") {
        p.D = 1;
        return false;
      }
      if (rest === "year") {
        p.M = 1;
        p.D = 1;
        return false;
      }
      return rest !== "day";
    }
    case "+":
    case "-":
    case "0":
    case "1":
    case "2":
    case "3":
    case "4":
    case "5":
    case "6":
    case "7":
    case "8":
    case "9":
      return numericModifier(z, p);
    default:
      return true;
  }
}

function numericModifier(zIn: string, p: DT): boolean {
  let z = zIn;
  let n: number;
  for (n = 1; n < z.length; n++) {
    const c = z[n];
    if (c === ":" || isSpace(c)) break;
    if (c === "-") {
      if (n === 5 && getDigits(z, 1, [[4, 0, 14712, ""]]).length === 1) break;
      if (n === 6 && getDigits(z, 1, [[5, 0, 14712, ""]]).length === 1) break;
    }
  }
  if (!isNumber(z.slice(0, n))) return true;
  let r = atofResult;
  const z0 = z[0];
  let z2 = z;
  if (z[n] === "-") {
    if (z0 !== "+" && z0 !== "-") return true;
    let ymd: number[];
    if (n === 5) {
      ymd = getDigits(z, 1, [
        [4, 0, 14712, "-"],
        [2, 0, 12, "-"],
        [2, 0, 31, ""],
      ]);
      if (ymd.length !== 3) return true;
    } else {
      ymd = getDigits(z, 1, [
        [5, 0, 14712, "-"],
        [2, 0, 12, "-"],
        [2, 0, 31, ""],
      ]);
      if (ymd.length !== 3) return true;
      z = z.slice(1);
    }
    const [Y, M] = ymd;
    let D = ymd[2];
    if (M >= 12) return true;
    if (D >= 31) return true;
    computeYMD_HMS(p);
    p.validJD = false;
    if (z0 === "-") {
      p.Y -= Y;
      p.M -= M;
      D = -D;
    } else {
      p.Y += Y;
      p.M += M;
    }
    const x = p.M > 0 ? trunc((p.M - 1) / 12) : trunc((p.M - 12) / 12);
    p.Y += x;
    p.M -= x * 12;
    computeFloor(p);
    computeJD(p);
    p.validHMS = false;
    p.validYMD = false;
    p.iJD += D * 86400000;
    if (z.length <= 11) return false;
    if (
      isSpace(z[11]) &&
      getDigits(z, 12, [
        [2, 0, 24, ":"],
        [2, 0, 59, ""],
      ]).length === 2
    ) {
      z2 = z.slice(12);
      n = 2;
    } else {
      return true;
    }
  }
  if (z2[n] === ":") {
    // (+|-)HH:MM[:SS[.FFF]]
    let k = 0;
    if (!isDigit(z2[0])) k = 1;
    const tx = fresh();
    if (parseHhMmSs(z2, k, tx)) return true;
    computeJD(tx);
    tx.iJD -= 43200000;
    const day = trunc(tx.iJD / 86400000);
    tx.iJD -= day * 86400000;
    if (z0 === "-") tx.iJD = -tx.iJD;
    computeJD(p);
    clearYMD_HMS_TZ(p);
    p.iJD += tx.iJD;
    return false;
  }
  // "+NNN units"
  let rest = z.slice(n);
  let k = 0;
  while (isSpace(rest[k])) k++;
  rest = rest.slice(k);
  let len = rest.length;
  if (len < 3 || len > 10) return true;
  if (rest[len - 1] === "s" || rest[len - 1] === "S") len--;
  const unit = rest.slice(0, len).toLowerCase();
  computeJD(p);
  const rounder = r < 0 ? -0.5 : 0.5;
  p.nFloor = 0;
  let rc = true;
  for (let i = 0; i < XFORM.length; i++) {
    const xf = XFORM[i];
    if (xf.name.length === len && xf.name === unit && r > -xf.limit && r < xf.limit) {
      if (i === 4) {
        computeYMD_HMS(p);
        p.M += trunc(r);
        const x = p.M > 0 ? trunc((p.M - 1) / 12) : trunc((p.M - 12) / 12);
        p.Y += x;
        p.M -= x * 12;
        computeFloor(p);
        p.validJD = false;
        r -= trunc(r);
      } else if (i === 5) {
        const y = trunc(r);
        computeYMD_HMS(p);
        p.Y += y;
        computeFloor(p);
        p.validJD = false;
        r -= trunc(r);
      }
      computeJD(p);
      p.iJD += trunc(r * 1000 * xf.xform + rounder);
      rc = false;
      break;
    }
  }
  clearYMD_HMS_TZ(p);
  return rc;
}

/** Parses the date arguments (time value + modifiers); null if they are not a valid date. */
function isDate(ctx: DateTimeContext, args: readonly SqlValue[]): DT | null {
  const p = fresh();
  if (args.length === 0) {
    setDateTimeToCurrent(ctx, p);
    return p;
  }
  const a0 = args[0];
  if (typeof a0 === "number" || typeof a0 === "bigint" || a0 instanceof Real) {
    setRawDateNumber(p, toReal(a0));
  } else {
    const z = toText(a0);
    if (z === null || parseDateOrTime(ctx, cutAtNul(z), p)) return null;
  }
  for (let i = 1; i < args.length; i++) {
    const z = toText(args[i]);
    if (z === null || z === "" || parseModifier(ctx, cutAtNul(z), p, i)) return null;
  }
  computeJD(p);
  if (p.isError || !validJulianDay(p.iJD)) return null;
  if (args.length === 1 && p.validYMD && p.D > 28) p.validYMD = false;
  return p;
}

function cutAtNul(s: string): string {
  const i = s.indexOf("\0");
  return i < 0 ? s : s.slice(0, i);
}

/** C's "%0<w>d". */
const zpad = (n: number, w: number): string => (n < 0 ? "-" + String(-n).padStart(w - 1, "0") : String(n).padStart(w, "0"));
const pad2 = (n: number): string => zpad(n, 2);
const pad4 = (n: number): string => zpad(n, 4);
const sp2 = (n: number): string => (n < 10 ? " " + n : String(n));

function ymdString(x: DT): string {
  const Y = Math.abs(x.Y);
  const s = `${String(Y % 10000).padStart(4, "0")}-${pad2(x.M)}-${pad2(x.D)}`;
  return x.Y < 0 ? "-" + s : s;
}

function hmsString(x: DT): string {
  let sec: string;
  if (x.useSubsec) {
    const s = trunc(1000 * x.s + 0.5);
    sec = `${trunc(s / 10000) % 10}${trunc(s / 1000) % 10}.${String(s % 1000).padStart(3, "0")}`;
  } else {
    sec = pad2(trunc(x.s));
  }
  return `${pad2(x.h)}:${pad2(x.m)}:${sec}`;
}

/** julianday(time, modifiers...) */
export function juliandayFunc(args: readonly SqlValue[], ctx: DateTimeContext = {}): SqlValue {
  const x = isDate(ctx, args);
  if (!x) return null;
  computeJD(x);
  return makeReal(x.iJD / 86400000);
}

/** unixepoch(time, modifiers...) */
export function unixepochFunc(args: readonly SqlValue[], ctx: DateTimeContext = {}): SqlValue {
  const x = isDate(ctx, args);
  if (!x) return null;
  computeJD(x);
  if (x.useSubsec) return makeReal((x.iJD - 210866760000000) / 1000);
  return trunc(x.iJD / 1000) - 210866760000;
}

/** datetime(time, modifiers...): YYYY-MM-DD HH:MM:SS */
export function datetimeFunc(args: readonly SqlValue[], ctx: DateTimeContext = {}): SqlValue {
  const x = isDate(ctx, args);
  if (!x) return null;
  computeYMD_HMS(x);
  return `${ymdString(x)} ${hmsString(x)}`;
}

/** time(time, modifiers...): HH:MM:SS */
export function timeFunc(args: readonly SqlValue[], ctx: DateTimeContext = {}): SqlValue {
  const x = isDate(ctx, args);
  if (!x) return null;
  computeHMS(x);
  return hmsString(x);
}

/** date(time, modifiers...): YYYY-MM-DD */
export function dateFunc(args: readonly SqlValue[], ctx: DateTimeContext = {}): SqlValue {
  const x = isDate(ctx, args);
  if (!x) return null;
  computeYMD(x);
  return ymdString(x);
}

function daysAfterJan01(d: DT): number {
  const jan01: DT = { ...d };
  jan01.validJD = false;
  jan01.M = 1;
  jan01.D = 1;
  computeJD(jan01);
  return trunc((d.iJD - jan01.iJD + 43200000) / 86400000);
}

const daysAfterMonday = (d: DT): number => trunc((d.iJD + 43200000) / 86400000) % 7;
const daysAfterSunday = (d: DT): number => trunc((d.iJD + 129600000) / 86400000) % 7;

/** strftime(format, time, modifiers...) */
export function strftimeFunc(args: readonly SqlValue[], ctx: DateTimeContext = {}): SqlValue {
  if (args.length === 0) return null;
  const fmtV = toText(args[0]);
  if (fmtV === null) return null;
  const fmt = cutAtNul(fmtV);
  const x = isDate(ctx, args.slice(1));
  if (!x) return null;
  computeJD(x);
  computeYMD_HMS(x);
  let out = "";
  let j = 0;
  let i = 0;
  for (; i < fmt.length; i++) {
    if (fmt[i] !== "%") continue;
    if (j < i) out += fmt.slice(j, i);
    i++;
    j = i + 1;
    const cf = fmt[i];
    switch (cf) {
      case "d":
        out += pad2(x.D);
        break;
      case "e":
        out += sp2(x.D);
        break;
      case "f": {
        let s = x.s;
        if (s > 59.999) s = 59.999;
        out += formatFloat(s, "f", 3, { zeroPad: true, width: 6 });
        break;
      }
      case "F":
        out += `${pad4(x.Y)}-${pad2(x.M)}-${pad2(x.D)}`;
        break;
      case "G":
      case "g": {
        const y: DT = { ...x };
        y.iJD += (3 - daysAfterMonday(x)) * 86400000;
        y.validYMD = false;
        computeYMD(y);
        out += cf === "g" ? pad2(y.Y % 100) : pad4(y.Y);
        break;
      }
      case "H":
        out += pad2(x.h);
        break;
      case "k":
        out += sp2(x.h);
        break;
      case "I":
      case "l": {
        let h = x.h;
        if (h > 12) h -= 12;
        if (h === 0) h = 12;
        out += cf === "I" ? pad2(h) : sp2(h);
        break;
      }
      case "j":
        out += String(daysAfterJan01(x) + 1).padStart(3, "0");
        break;
      case "J":
        out += formatFloat(x.iJD / 86400000, "g", 16);
        break;
      case "m":
        out += pad2(x.M);
        break;
      case "M":
        out += pad2(x.m);
        break;
      case "p":
        out += x.h >= 12 ? "PM" : "AM";
        break;
      case "P":
        out += x.h >= 12 ? "pm" : "am";
        break;
      case "R":
        out += `${pad2(x.h)}:${pad2(x.m)}`;
        break;
      case "s":
        if (x.useSubsec) out += formatFloat((x.iJD - 210866760000000) / 1000, "f", 3);
        else out += String(trunc(x.iJD / 1000) - 210866760000);
        break;
      case "S":
        out += pad2(trunc(x.s));
        break;
      case "T":
        out += `${pad2(x.h)}:${pad2(x.m)}:${pad2(trunc(x.s))}`;
        break;
      case "u":
      case "w": {
        let c = daysAfterSunday(x);
        if (c === 0 && cf === "u") c = 7;
        out += String(c);
        break;
      }
      case "U":
        out += pad2(trunc((daysAfterJan01(x) - daysAfterSunday(x) + 7) / 7));
        break;
      case "V": {
        const y: DT = { ...x };
        y.iJD += (3 - daysAfterMonday(x)) * 86400000;
        y.validYMD = false;
        computeYMD(y);
        out += pad2(trunc(daysAfterJan01(y) / 7) + 1);
        break;
      }
      case "W":
        out += pad2(trunc((daysAfterJan01(x) - daysAfterMonday(x) + 7) / 7));
        break;
      case "Y":
        out += pad4(x.Y);
        break;
      case "%":
        out += "%";
        break;
      default:
        return null;
    }
  }
  if (j < i) out += fmt.slice(j, i);
  return out;
}

/** timediff(a, b): "+YYYY-MM-DD HH:MM:SS.SSS" to add to b to get a. */
export function timediffFunc(args: readonly SqlValue[], ctx: DateTimeContext = {}): SqlValue {
  const d1 = isDate(ctx, [args[0]]);
  if (!d1) return null;
  const d2 = isDate(ctx, [args[1]]);
  if (!d2) return null;
  computeYMD_HMS(d1);
  computeYMD_HMS(d2);
  let sign: string;
  let Y: number;
  let M: number;
  if (d1.iJD >= d2.iJD) {
    sign = "+";
    Y = d1.Y - d2.Y;
    if (Y) {
      d2.Y = d1.Y;
      d2.validJD = false;
      computeJD(d2);
    }
    M = d1.M - d2.M;
    if (M < 0) {
      Y--;
      M += 12;
    }
    if (M !== 0) {
      d2.M = d1.M;
      d2.validJD = false;
      computeJD(d2);
    }
    while (d1.iJD < d2.iJD) {
      M--;
      if (M < 0) {
        M = 11;
        Y--;
      }
      d2.M--;
      if (d2.M < 1) {
        d2.M = 12;
        d2.Y--;
      }
      d2.validJD = false;
      computeJD(d2);
    }
    d1.iJD -= d2.iJD;
    d1.iJD += 1486995408 * 100000;
  } else {
    sign = "-";
    Y = d2.Y - d1.Y;
    if (Y) {
      d2.Y = d1.Y;
      d2.validJD = false;
      computeJD(d2);
    }
    M = d2.M - d1.M;
    if (M < 0) {
      Y--;
      M += 12;
    }
    if (M !== 0) {
      d2.M = d1.M;
      d2.validJD = false;
      computeJD(d2);
    }
    while (d1.iJD > d2.iJD) {
      M--;
      if (M < 0) {
        M = 11;
        Y--;
      }
      d2.M++;
      if (d2.M > 12) {
        d2.M = 1;
        d2.Y++;
      }
      d2.validJD = false;
      computeJD(d2);
    }
    d1.iJD = d2.iJD - d1.iJD;
    d1.iJD += 1486995408 * 100000;
  }
  clearYMD_HMS_TZ(d1);
  computeYMD_HMS(d1);
  const sec = formatFloat(d1.s, "f", 3, { zeroPad: true, width: 6 });
  return `${sign}${pad4(Y)}-${pad2(M)}-${pad2(d1.D - 1)} ${pad2(d1.h)}:${pad2(d1.m)}:${sec}`;
}
