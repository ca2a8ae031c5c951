/**
 * Double -> decimal text with SQLite's exact rules: sqlite3FpDecode (digits, with the
 * round-trip shortening SQLite applies at 17 digits), printf's %f/%e/%g rendering, and
 * REAL -> TEXT ("%!.17g"). See fp.ts for the conversion routines they build on.
 */
import { bitLength, powHi, decimalToDouble, pwr10to2, pwr2to10 } from "./fp.js";

const F64_BUF = new ArrayBuffer(8);
const F64 = new Float64Array(F64_BUF);
const F64_U64 = new BigUint64Array(F64_BUF);
const F64_U32 = new Uint32Array(F64_BUF);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/* ------------------------------------------------------------------------------------------ */
/* Double -> decimal digits (sqlite3FpDecode)                                                  */
/* ------------------------------------------------------------------------------------------ */

export interface FpDecoded {
  /** "+" or "-" */
  sign: string;
  /** Significant digits, no trailing zeros (at least one digit unless special). */
  z: string;
  /** Position of the decimal point: the value is 0.z * 10^iDP. */
  iDP: number;
  /** 0 normal, 1 infinity, 2 NaN. */
  isSpecial: number;
}

function fp2Convert10(m: bigint, e: number, n: number): [bigint, number] {
  const p = n - 1 - pwr2to10(e + 63);
  let h = (m * powHi(p)) >> 64n;
  let d: bigint;
  if (n === 18) {
    h >>= BigInt(-(e + pwr10to2(p) + 2));
    d = (h + ((h << 1n) & 2n)) >> 1n;
  } else {
    d = h >> BigInt(-(e + pwr10to2(p) + 1));
  }
  return [d, -p];
}

/**
 * sqlite3FpDecode: decimal digits of `r`. iRound > 0 rounds to that many significant
 * digits (at most mxRound); iRound <= 0 rounds to -iRound digits after the decimal point.
 */
export function fpDecode(r: number, iRound: number, mxRound: number): FpDecoded {
  let sign = "+";
  if (r < 0) {
    sign = "-";
    r = -r;
  } else if (r === 0) {
    return { sign: "+", z: "0", iDP: 1, isSpecial: 0 };
  }
  if (Number.isNaN(r)) return { sign, z: "", iDP: 0, isSpecial: 2 };
  if (r === Infinity) return { sign, z: "", iDP: 0, isSpecial: 1 };

  F64[0] = r;
  const hiWord = LITTLE_ENDIAN ? F64_U32[1] : F64_U32[0];
  let e = (hiWord >>> 20) & 0x7ff;
  let v = F64_U64[0] & 0x000fffffffffffffn;
  if (e === 0) {
    const nn = 64 - bitLength(v);
    v <<= BigInt(nn);
    e = -1074 - nn;
  } else {
    v = (v << 11n) | (1n << 63n);
    e -= 1086;
  }
  const [dv, exp] = fp2Convert10(v, e, iRound <= 0 || iRound >= 18 ? 18 : iRound + 1);
  const digits = dv.toString();
  // z[] holds the digits with two spare slots in front (a rounding digit and a carry).
  const z: number[] = new Array(digits.length + 2);
  z[0] = 48;
  z[1] = 48;
  for (let k = 0; k < digits.length; k++) z[k + 2] = digits.charCodeAt(k);
  let start = 2;
  let n = digits.length;
  let iDP = n + exp;
  if (iRound <= 0) {
    iRound = iDP - iRound;
    if (iRound === 0 && z[start] >= 53) {
      iRound = 1;
      start--;
      z[start] = 48;
      n++;
      iDP++;
    }
  }
  if (iRound > 0 && (iRound < n || n > mxRound)) {
    if (iRound > mxRound) iRound = mxRound;
    if (iRound === 17) {
      // At 17 digits SQLite tries a shorter form that converts back to the same double.
      if (z[start + 15] === 57 && z[start + 14] === 57) {
        let jj = 14;
        while (jj > 0 && z[start + jj - 1] === 57) jj--;
        let v2 = 0; // at most 14 digits: exact as a number
        for (let k = 0; k < jj; k++) v2 = v2 * 10 + (z[start + k] - 48);
        if (r === decimalToDouble(v2 + 1, exp + n - jj)) iRound = jj + 1;
      } else if (iDP >= n || (z[start + 15] === 48 && z[start + 14] === 48 && z[start + 13] === 48)) {
        let jj = 13;
        while (z[start + jj - 1] === 48) jj--;
        let v2 = 0;
        for (let k = 0; k < jj; k++) v2 = v2 * 10 + (z[start + k] - 48);
        if (r === decimalToDouble(v2, exp + n - jj)) iRound = jj + 1;
      }
    }
    n = iRound;
    if (z[start + iRound] >= 53) {
      let j = iRound - 1;
      for (;;) {
        z[start + j]++;
        if (z[start + j] <= 57) break;
        z[start + j] = 48;
        if (j === 0) {
          start--;
          z[start] = 49;
          n++;
          iDP++;
          break;
        }
        j--;
      }
    }
  }
  while (n > 1 && z[start + n - 1] === 48) n--;
  let out = "";
  for (let k = 0; k < n; k++) out += String.fromCharCode(z[start + k] ?? 48);
  return { sign, z: out, iDP, isSpecial: 0 };
}

/* ------------------------------------------------------------------------------------------ */
/* printf-style rendering of a double (%f %e %g with SQLite's flags)                           */
/* ------------------------------------------------------------------------------------------ */

export interface FloatFormatOptions {
  /** '+' or ' ' prefix for non-negative values, or "" */
  prefix?: string;
  /** '#' flag */
  alternateForm?: boolean;
  /** '!' flag */
  altForm2?: boolean;
  /** '0' flag */
  zeroPad?: boolean;
  /** '-' flag */
  leftJustify?: boolean;
  /** ',' flag */
  thousands?: boolean;
  width?: number;
}

/**
 * Renders `realvalue` as SQLite's printf does for conversion `conv` ("f", "e", "E", "g", "G")
 * with the given precision (-1 = default 6).
 */
export function formatFloat(
  realvalue: number,
  conv: string,
  precision: number,
  opts: FloatFormatOptions = {},
): string {
  let xtype = conv === "f" || conv === "F" ? "f" : conv === "e" || conv === "E" ? "e" : "g";
  const upper = conv === "E" || conv === "G";
  const flagPrefix = opts.prefix ?? "";
  const altForm2 = opts.altForm2 ?? false;
  const alternateForm = opts.alternateForm ?? false;
  const zeroPad = opts.zeroPad ?? false;
  const width = opts.width ?? 0;
  if (precision < 0) precision = 6;
  let iRound: number;
  if (xtype === "f") {
    iRound = -precision;
  } else if (xtype === "g") {
    if (precision === 0) precision = 1;
    iRound = precision;
  } else {
    iRound = precision + 1;
  }
  const s = fpDecode(realvalue, iRound, altForm2 ? 20 : 16);
  let body: string;
  let prefix = "";
  if (s.isSpecial) {
    if (s.isSpecial === 2) {
      body = zeroPad ? "null" : "NaN";
      return pad(body, width, opts.leftJustify ?? false);
    } else if (zeroPad) {
      s.z = "9";
      s.iDP = 1000;
    } else {
      body = s.sign === "-" ? "-Inf" : flagPrefix ? flagPrefix + "Inf" : "Inf";
      return pad(body, width, opts.leftJustify ?? false);
    }
  }
  if (s.sign === "-") {
    prefix = alternateForm && !flagPrefix && xtype === "f" && s.iDP <= iRound ? "" : "-";
  } else {
    prefix = flagPrefix;
  }
  let exp = s.iDP - 1;
  let flagRtz: boolean;
  if (xtype === "g") {
    precision--;
    flagRtz = !alternateForm;
    if (exp < -4 || exp > precision) {
      xtype = "e";
    } else {
      precision = precision - exp;
      xtype = "f";
    }
  } else {
    flagRtz = altForm2;
  }
  let e2 = xtype === "e" ? 0 : s.iDP - 1;
  const flagDp = precision > 0 || alternateForm || altForm2;
  const parts: string[] = [];
  if (prefix) parts.push(prefix);
  let j = 0;
  const sz = s.z;
  const sn = sz.length;
  if (e2 < 0) {
    parts.push("0");
  } else if (opts.thousands) {
    let t = "";
    for (; e2 >= 0; e2--) {
      t += j < sn ? sz[j++] : "0";
      if (e2 % 3 === 0 && e2 > 1) t += ",";
    }
    parts.push(t);
  } else {
    j = e2 + 1;
    if (j > sn) j = sn;
    parts.push(sz.slice(0, j));
    e2 -= j;
    if (e2 >= 0) {
      parts.push("0".repeat(e2 + 1));
      e2 = -1;
    }
  }
  let out = parts.join("");
  if (flagDp) out += ".";
  if (e2 < -1 && precision > 0) {
    let nn = -1 - e2;
    if (nn > precision) nn = precision;
    out += "0".repeat(nn);
    precision -= nn;
  }
  if (precision > 0) {
    let nn = sn - j;
    if (nn > precision) nn = precision;
    if (nn > 0) {
      out += sz.slice(j, j + nn);
      precision -= nn;
    }
    if (precision > 0 && !flagRtz) out += "0".repeat(precision);
  }
  if (flagRtz && flagDp) {
    let k = out.length;
    while (out.charCodeAt(k - 1) === 48) k--;
    out = out.slice(0, k);
    if (out.charCodeAt(out.length - 1) === 46) {
      out = altForm2 ? out + "0" : out.slice(0, -1);
    }
  }
  if (xtype === "e") {
    exp = s.iDP - 1;
    out += upper ? "E" : "e";
    if (exp < 0) {
      out += "-";
      exp = -exp;
    } else {
      out += "+";
    }
    if (exp >= 100) {
      out += String.fromCharCode(48 + Math.floor(exp / 100));
      exp %= 100;
    }
    out += String.fromCharCode(48 + Math.floor(exp / 10), 48 + (exp % 10));
  }
  if (out.length < width) {
    const nPad = width - out.length;
    if (opts.leftJustify) {
      out += " ".repeat(nPad);
    } else if (!zeroPad) {
      out = " ".repeat(nPad) + out;
    } else {
      const adj = prefix ? 1 : 0;
      out = out.slice(0, adj) + "0".repeat(nPad) + out.slice(adj);
    }
  }
  return out;
}

function pad(s: string, width: number, left: boolean): string {
  if (s.length >= width) return s;
  return left ? s + " ".repeat(width - s.length) : " ".repeat(width - s.length) + s;
}

const realTextCache = new Map<number, string>();

/**
 * REAL -> TEXT exactly as SQLite renders it (`"%!.17g"`, e.g. 1.0 -> "1.0", 0.1 -> "0.1",
 * 1e20 -> "1.0e+20", 1.0/3 -> "0.33333333333333332", -0.0 -> "0.0", Infinity -> "Inf").
 */
export function realToText(r: number): string {
  if (r === Infinity) return "Inf";
  if (r === -Infinity) return "-Inf";
  if (r === 0) return "0.0";
  if (Number.isInteger(r) && r > -1e15 && r < 1e15) return r + ".0";
  const hit = realTextCache.get(r);
  if (hit !== undefined) return hit;
  const t = formatFloat(r, "g", 17, { altForm2: true });
  if (realTextCache.size >= 4096) realTextCache.clear();
  realTextCache.set(r, t);
  return t;
}
