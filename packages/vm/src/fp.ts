/**
 * Decimal <-> binary floating-point conversion with SQLite's exact rules.
 *
 * SQLite (3.53+) does not use the C library for these conversions: it has its own
 * binary->decimal routine (`sqlite3Fp2Convert10`, approximate in the 18th digit), its own
 * decimal->binary routine (`sqlite3Fp10Convert2`), a text scanner (`sqlite3AtoF`) that
 * truncates the significand at ~19 digits, and a digit-decoding step (`sqlite3FpDecode`)
 * with a round-trip "shortening" heuristic at 17 digits. Every one of those details is
 * observable in `CAST(x AS TEXT)` / `CAST(t AS REAL)`, so they are ported here bit for bit
 * (64-bit arithmetic done with BigInt, with exact Number fast paths where provably equal).
 */

const M64 = 0xffffffffffffffffn;

/* Powers of ten: the most significant 64 bits of 10^p (and the next 32 for the scale table). */
const BASE: readonly bigint[] = [
  0x8000000000000000n, 0xa000000000000000n, 0xc800000000000000n, 0xfa00000000000000n,
  0x9c40000000000000n, 0xc350000000000000n, 0xf424000000000000n, 0x9896800000000000n,
  0xbebc200000000000n, 0xee6b280000000000n, 0x9502f90000000000n, 0xba43b74000000000n,
  0xe8d4a51000000000n, 0x9184e72a00000000n, 0xb5e620f480000000n, 0xe35fa931a0000000n,
  0x8e1bc9bf04000000n, 0xb1a2bc2ec5000000n, 0xde0b6b3a76400000n, 0x8ac7230489e80000n,
  0xad78ebc5ac620000n, 0xd8d726b7177a8000n, 0x878678326eac9000n, 0xa968163f0a57b400n,
  0xd3c21bcecceda100n, 0x84595161401484a0n, 0xa56fa5b99019a5c8n,
];
const SCALE: readonly bigint[] = [
  0x8049a4ac0c5811aen, 0xcf42894a5dce35ean, 0xa76c582338ed2621n, 0x873e4f75e2224e68n,
  0xda7f5bf590966848n, 0xb080392cc4349decn, 0x8e938662882af53en, 0xe65829b3046b0afan,
  0xba121a4650e4ddebn, 0x964e858c91ba2655n, 0xf2d56790ab41c2a2n, 0xc428d05aa4751e4cn,
  0x9e74d1b791e07e48n, 0xccccccccccccccccn, 0xcecb8f27f4200f3an, 0xa70c3c40a64e6c51n,
  0x86f0ac99b4e8dafdn, 0xda01ee641a708de9n, 0xb01ae745b101e9e4n, 0x8e41ade9fbebc27dn,
  0xe5d3ef282a242e81n, 0xb9a74a0637ce2ee1n, 0x95f83d0a1fb69cd9n, 0xf24a01a73cf2dccfn,
  0xc3b8358109e84f07n, 0x9e19db92b4e31ba9n,
];
const SCALE_LO: readonly number[] = [
  0x205b896d, 0x52064cad, 0xaf2af2b8, 0x5a7744a7, 0xaf39a475, 0xbd8d794e, 0x547eb47b, 0x0cb4a5a3,
  0x92f34d62, 0x3a6a07f9, 0xfae27299, 0xaa97e14c, 0x775ea265, 0xcccccccc, 0x00000000, 0x999090b6,
  0x69a028bb, 0xe80e6f48, 0x5ec05dd0, 0x14588f14, 0x8f1668c9, 0x6d953e2c, 0x4abdaf10, 0xbc633b39,
  0x0a862f81, 0x6c07a2c2,
];

// The 10^p table is filled entry by entry on first use: building all 696 entries with BigInt
// arithmetic at module load cost ~3 ms of every process's start-up.
const POW_HI = new Array<bigint | undefined>(696);
const POW_LO = new Array<bigint>(696);
const POW_FIRST = -348;
const POW_LAST = 347;

function refine(g: number, n: number): [bigint, bigint] {
  const s = SCALE[g + 13];
  const sLo = BigInt(SCALE_LO[g + 13]);
  if (n === 0) return [s, sLo];
  const b = BASE[n];
  const r = s * b + ((sLo * b) >> 32n);
  let x = (r >> 64n) & M64;
  let lo = (r >> 32n) & 0xffffffffn;
  if ((x & (1n << 63n)) === 0n) {
    x = ((x << 1n) | (lo >> 31n)) & M64;
    lo = ((lo << 1n) | 1n) & 0xffffffffn;
  }
  return [x, lo];
}

/** Fills the table entry of 10^p (POW_FIRST <= p <= POW_LAST) and returns its high word. */
function fillPow(p: number): bigint {
  let hl: [bigint, bigint];
  if (p < 0) {
    if (p === -1) {
      hl = [SCALE[13], BigInt(SCALE_LO[13])];
    } else {
      let g = Math.trunc(p / 27);
      let n = p % 27;
      if (n !== 0) {
        g--;
        n += 27;
      }
      hl = refine(g, n);
    }
  } else if (p < 27) {
    hl = [BASE[p], 0n];
  } else {
    hl = refine(Math.floor(p / 27), p % 27);
  }
  POW_HI[p - POW_FIRST] = hl[0];
  POW_LO[p - POW_FIRST] = hl[1];
  return hl[0];
}

/** High 64 bits of the normalized 10^p, POW_FIRST <= p <= POW_LAST (`sqlite3Fp10Convert2`'s table). */
export function powHi(p: number): bigint {
  return POW_HI[p - POW_FIRST] ?? fillPow(p);
}

export const pwr10to2 = (p: number): number => (p * 108853) >> 15;
export const pwr2to10 = (p: number): number => (p * 78913) >> 18;

/** Number of significant bits of 0 <= x < 2^64. */
export function bitLength(x: bigint): number {
  const hi = Number(x >> 32n);
  if (hi > 0) return 64 - Math.clz32(hi);
  return 32 - Math.clz32(Number(x));
}

/** `sqlite3Fp10Convert2`: the double SQLite computes for d * 10^p (d > 0, d < 2^64). */
export function fp10Convert2(d: bigint, p: number): number {
  if (p < POW_FIRST) return 0;
  if (p > POW_LAST) return Infinity;
  const b = bitLength(d);
  const lp = pwr10to2(p);
  let e = 53 - b - lp;
  if (e > 1074) {
    if (e >= 1130) return 0;
    e = 1074;
  }
  const s = -(e - (64 - b) + lp + 3);
  let pwr10h = powHi(p);
  let pwr10l = POW_LO[p - POW_FIRST];
  if (pwr10l !== 0n) {
    pwr10h = (pwr10h + 1n) & M64;
    pwr10l = ~pwr10l & 0xffffffffn;
  }
  const x = (d << BigInt(64 - b)) & M64;
  const prod = x * pwr10h;
  let hi = prod >> 64n;
  const mid1 = (prod >> 32n) & 0xffffffffn;
  let sticky = 1n;
  const sb = BigInt(s);
  if ((hi & ((1n << sb) - 1n)) === 0n) {
    const mid2 = ((x * (pwr10l << 32n)) >> 96n) & 0xffffffffn;
    sticky = ((mid1 - mid2) & 0xffffffffn) > 1n ? 1n : 0n;
    if (mid1 < mid2) hi = (hi - 1n) & M64;
  }
  let u = (hi >> sb) | sticky;
  if (u >= (1n << 55n) - 2n) {
    u = (u >> 1n) | (u & 1n);
    e--;
  }
  let m = (u + 1n + ((u >> 2n) & 1n)) >> 2n;
  if (e <= -972) return Infinity;
  if ((m & (1n << 52n)) !== 0n) {
    m = (m & ~(1n << 52n)) | (BigInt(1075 - e) << 52n);
  }
  F64_U64[0] = m;
  return F64[0];
}

const F64_BUF = new ArrayBuffer(8);
const F64 = new Float64Array(F64_BUF);
const F64_U64 = new BigUint64Array(F64_BUF);

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(Number(`1e${i}`));

/**
 * d * 10^p as SQLite computes it. For d < 2^53 and |p| <= 22 both operands are exact doubles
 * and one IEEE operation gives the correctly rounded result, which is what the port gives too
 * (checked by test); everything else goes through the port.
 */
export function decimalToDouble(d: number | bigint, p: number): number {
  if (typeof d === "number") {
    if (d === 0) return 0;
    if (p >= 0 && p <= 22) {
      const r = d * POW10[p];
      if (d <= 9007199254740991 && Number.isFinite(r)) return r;
    } else if (p < 0 && p >= -22 && d <= 9007199254740991) {
      return d / POW10[-p];
    }
    return fp10Convert2(BigInt(d), p);
  }
  if (d === 0n) return 0;
  return fp10Convert2(d, p);
}

/* ------------------------------------------------------------------------------------------ */
/* Text -> double (sqlite3AtoF)                                                                */
/* ------------------------------------------------------------------------------------------ */

/** Flags of the last `atof` call (SQLite's mState): */
export const ATOF_DIGITS = 1; // at least one digit
export const ATOF_FRACT = 2; // decimal point or a valid exponent
export const ATOF_ZERO = 4; // the significand was zero
export const ATOF_TRUNC = 8; // significant digits were dropped
/** Set when something other than trailing whitespace follows the number. */
export const ATOF_GARBAGE = 16;

let atofFlags = 0;
/** Flags (ATOF_*) describing the text scanned by the most recent `atof` call. */
export function lastAtofFlags(): number {
  return atofFlags;
}

/** sqlite3Isspace: space, \t, \n, \v, \f, \r. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const U64_LIMIT = 1844674407370955160n; // (2^64 - 1 - 9) / 10

/**
 * Scans the longest numeric prefix of `z` the way sqlite3AtoF does and returns its value
 * (0 if there is none). A NUL character ends the text, as in SQLite. Sets `lastAtofFlags()`.
 * The string is "a number" iff `(flags & (ATOF_DIGITS|ATOF_GARBAGE)) === ATOF_DIGITS`.
 */
export function atof(z: string): number {
  const n = z.length;
  let i = 0;
  let c = n > 0 ? z.charCodeAt(0) : 0;
  let neg = false;
  let sNum = 0; // significand while it stays below 2^53
  let sBig = 0n; // significand once it may exceed 2^53
  let big = false;
  let d = 0;
  let mState = 0;

  for (;;) {
    if (c >= 48 && c <= 57) break;
    if (c === 45 || c === 43) {
      neg = c === 45;
      i++;
      c = i < n ? z.charCodeAt(i) : 0;
      break;
    }
    if (isSpace(c)) {
      do {
        i++;
        c = i < n ? z.charCodeAt(i) : 0;
      } while (isSpace(c));
      continue;
    }
    break;
  }

  if (c >= 48 && c <= 57) {
    mState = 1;
    sNum = c - 48;
    i++;
    c = i < n ? z.charCodeAt(i) : 0;
    while (c >= 48 && c <= 57) {
      if (big) {
        sBig = sBig * 10n + BigInt(c - 48);
      } else {
        sNum = sNum * 10 + (c - 48);
        if (sNum > 900719925474099) {
          big = true;
          sBig = BigInt(sNum);
        }
      }
      i++;
      c = i < n ? z.charCodeAt(i) : 0;
      if (big && sBig >= U64_LIMIT) {
        mState = 9;
        while (c >= 48 && c <= 57) {
          i++;
          d++;
          c = i < n ? z.charCodeAt(i) : 0;
        }
        break;
      }
    }
  }

  if (c === 46) {
    i++;
    c = i < n ? z.charCodeAt(i) : 0;
    if (c >= 48 && c <= 57) {
      mState |= 1;
      do {
        if (!big) {
          sNum = sNum * 10 + (c - 48);
          if (sNum > 900719925474099) {
            big = true;
            sBig = BigInt(sNum);
          }
          d--;
        } else if (sBig < U64_LIMIT) {
          sBig = sBig * 10n + BigInt(c - 48);
          d--;
        } else {
          mState = 11;
        }
        i++;
        c = i < n ? z.charCodeAt(i) : 0;
      } while (c >= 48 && c <= 57);
    } else if (mState === 0) {
      atofFlags = ATOF_GARBAGE;
      return 0;
    }
    mState |= 2;
  } else if (mState === 0) {
    atofFlags = ATOF_GARBAGE;
    return 0;
  }

  if (c === 101 || c === 69) {
    const save = i;
    i++;
    c = i < n ? z.charCodeAt(i) : 0;
    let esign = 1;
    if (c === 45) {
      esign = -1;
      i++;
    } else if (c === 43) {
      i++;
    }
    c = i < n ? z.charCodeAt(i) : 0;
    if (c >= 48 && c <= 57) {
      let exp = 0;
      while (c >= 48 && c <= 57) {
        exp = exp < 10000 ? exp * 10 + (c - 48) : 10000;
        i++;
        c = i < n ? z.charCodeAt(i) : 0;
      }
      mState |= 2;
      d += esign * exp;
    } else {
      // SQLite backs up one character; anything left over is garbage either way.
      i = Math.max(save, i - 1);
      c = z.charCodeAt(i);
    }
  }

  let result: number;
  if (big ? sBig === 0n : sNum === 0) {
    result = 0;
    mState |= 4;
  } else {
    result = big ? fp10Convert2(sBig, d) : decimalToDouble(sNum, d);
  }
  if (neg) result = -result;

  if (i < n && c !== 0 && isSpace(c)) {
    do {
      i++;
      c = i < n ? z.charCodeAt(i) : 0;
    } while (isSpace(c));
  }
  atofFlags = i >= n || c === 0 ? mState : mState | ATOF_GARBAGE;
  return result;
}

/* ------------------------------------------------------------------------------------------ */
/* Text -> int64 (sqlite3Atoi64)                                                               */
/* ------------------------------------------------------------------------------------------ */

export const MAX_INT64 = 9223372036854775807n;
export const MIN_INT64 = -9223372036854775808n;

let atoiRc = 0;
/**
 * Result code of the most recent `atoi64` call: -1 no digits at all, 0 success, 1 extra
 * non-space text after the integer, 2 too large (saturated) , 3 exactly 9223372036854775808.
 */
export function lastAtoiRc(): number {
  return atoiRc;
}

/**
 * sqlite3Atoi64: the integer prefix of `z` (decimal only), saturated to the int64 range.
 * Leading/trailing whitespace is skipped; the whole string length counts (NULs are text).
 */
export function atoi64(z: string): number | bigint {
  const n = z.length;
  let i = 0;
  while (i < n && isSpace(z.charCodeAt(i))) i++;
  let neg = false;
  if (i < n) {
    const c = z.charCodeAt(i);
    if (c === 45) {
      neg = true;
      i++;
    } else if (c === 43) {
      i++;
    }
  }
  const start = i;
  while (i < n && z.charCodeAt(i) === 48) i++;
  const digStart = i;
  while (i < n) {
    const c = z.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  const nDig = i - digStart;
  let rc = 0;
  if (nDig === 0 && start === i) {
    rc = -1;
  } else if (i < n) {
    for (let j = i; j < n; j++) {
      if (!isSpace(z.charCodeAt(j))) {
        rc = 1;
        break;
      }
    }
  }
  if (nDig === 0) {
    atoiRc = rc;
    return 0;
  }
  if (nDig <= 15) {
    const v = Number(z.slice(digStart, i));
    atoiRc = rc;
    return neg ? (v === 0 ? 0 : -v) : v;
  }
  if (nDig > 19) {
    atoiRc = 2;
    return neg ? MIN_INT64 : MAX_INT64;
  }
  const u = BigInt(z.slice(digStart, i));
  if (u < 9223372036854775808n) {
    atoiRc = rc;
    return normalizeBigInt(neg ? -u : u);
  }
  if (u === 9223372036854775808n) {
    atoiRc = neg ? rc : 3;
    return neg ? MIN_INT64 : MAX_INT64;
  }
  atoiRc = 2;
  return neg ? MIN_INT64 : MAX_INT64;
}

/** A bigint inside the safe-integer range becomes a number (the SqlValue invariant). */
export function normalizeBigInt(b: bigint): number | bigint {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

// Rendering (sqlite3FpDecode, printf's %f/%e/%g, REAL -> TEXT) lives in fpformat.ts.
