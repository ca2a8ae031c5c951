/**
 * Date/time modifiers ('+1 day', 'start of month', 'weekday N', 'unixepoch', 'localtime', ...)
 * and the parsing of a date function's arguments (isDate in SQLite's date.c).
 */
import {
  type DT,
  type DateTimeContext,
  clearYMD_HMS_TZ,
  computeFloor,
  computeJD,
  computeYMD,
  computeYMD_HMS,
  cutAtNul,
  fresh,
  getDigits,
  isDigit,
  isSpace,
  notPure,
  numberValue,
  parseDateOrTime,
  parseHhMmSs,
  setDateTimeToCurrent,
  setRawDateNumber,
  toLocaltime,
  trunc,
  validJulianDay,
} from "./datecore.js";
import { type SqlValue, Real, toReal, toText } from "./value.js";

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
      const wd = lz.startsWith("weekday ") ? numberValue(z.slice(8)) : undefined;
      if (wd !== undefined) {
        const r = wd;
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
  const rv = numberValue(z.slice(0, n));
  if (rv === undefined) return true;
  let r = rv;
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
export function isDate(ctx: DateTimeContext, args: readonly SqlValue[]): DT | null {
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

