/**
 * date(), time(), datetime(), julianday(), unixepoch(), strftime(), timediff() - a port of
 * SQLite's date.c. Times are julian day numbers times 86400000 (milliseconds), Gregorian
 * calendar, years 0000-9999 (and negative years down to -4713 from julian day numbers).
 * "localtime"/"utc" use the JavaScript host's time zone.
 */
import { type DT, type DateTimeContext, computeHMS, computeJD, computeYMD, computeYMD_HMS, clearYMD_HMS_TZ, cutAtNul, trunc } from "./datecore.js";
import { isDate } from "./datemod.js";
import { formatFloat } from "./fpformat.js";
import { type SqlValue, makeReal, toText } from "./value.js";

export type { DateTimeContext } from "./datecore.js";

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
