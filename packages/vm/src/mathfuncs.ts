/**
 * SQLite's math functions (SQLITE_ENABLE_MATH_FUNCTIONS): ceil, floor, trunc, ln, log, log2,
 * log10, exp, pow/power, mod, sqrt, trig and hyperbolic functions, degrees, radians, pi.
 * Arguments must be numbers or numeric text (anything else gives NULL); results are REAL
 * (ceil/floor/trunc keep INTEGER arguments as they are); NaN results are NULL. The host's
 * Math library is used, so transcendental results may differ from C's libm in the last bit.
 */
import { Real, type SqlValue, makeReal, numericAffinityOfText, toReal } from "./value.js";

export interface MathFunction {
  minArgs: number;
  maxArgs: number;
  fn: (args: SqlValue[]) => SqlValue;
}

/** sqlite3_value_numeric_type(v) is INTEGER or FLOAT: the numeric value, else undefined. */
function num(v: SqlValue): number | bigint | Real | undefined {
  if (typeof v === "number" || typeof v === "bigint" || v instanceof Real) return v;
  if (typeof v === "string") return numericAffinityOfText(v, false);
  return undefined;
}

function dbl(v: number | bigint | Real): number {
  return v instanceof Real ? v.value : Number(v);
}

export const mathFunctions = new Map<string, MathFunction>();

function rounding(f: (x: number) => number): MathFunction["fn"] {
  return ([x]) => {
    const v = num(x);
    if (v === undefined) return null;
    if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) return v;
    return makeReal(f(dbl(v)) + 0);
  };
}

function math1(f: (x: number) => number): MathFunction["fn"] {
  return ([x]) => {
    const v = num(x);
    if (v === undefined) return null;
    return makeReal(f(dbl(v)));
  };
}

function pow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && !Number.isFinite(y)) return 1;
  return Math.pow(x, y);
}

function math2(f: (x: number, y: number) => number): MathFunction["fn"] {
  return ([x, y]) => {
    const a = num(x);
    if (a === undefined) return null;
    const b = num(y);
    if (b === undefined) return null;
    return makeReal(f(dbl(a), dbl(b)));
  };
}

function logFn(kind: "ln" | "log10" | "log2"): MathFunction["fn"] {
  return (args) => {
    const v = num(args[0]);
    if (v === undefined) return null;
    let x = dbl(v);
    if (x <= 0) return null;
    if (args.length === 2) {
      // As SQLite does: the base is the first argument; the second is only converted.
      const b = Math.log(x);
      if (b <= 0) return null;
      x = toReal(args[1]);
      if (x <= 0) return null;
      return makeReal(Math.log(x) / b);
    }
    return makeReal(kind === "log10" ? Math.log10(x) : kind === "log2" ? Math.log2(x) : Math.log(x));
  };
}

const def = (name: string, minArgs: number, maxArgs: number, fn: MathFunction["fn"]): void => {
  mathFunctions.set(name, { minArgs, maxArgs, fn });
};

def("ceil", 1, 1, rounding(Math.ceil));
def("ceiling", 1, 1, rounding(Math.ceil));
def("floor", 1, 1, rounding(Math.floor));
def("trunc", 1, 1, rounding(Math.trunc));
def("ln", 1, 1, logFn("ln"));
def("log", 1, 2, logFn("log10"));
def("log10", 1, 1, logFn("log10"));
def("log2", 1, 1, logFn("log2"));
def("exp", 1, 1, math1(Math.exp));
def("pow", 2, 2, math2(pow));
def("power", 2, 2, math2(pow));
def("mod", 2, 2, math2((x, y) => x % y));
def("acos", 1, 1, math1(Math.acos));
def("asin", 1, 1, math1(Math.asin));
def("atan", 1, 1, math1(Math.atan));
def("atan2", 2, 2, math2(Math.atan2));
def("cos", 1, 1, math1(Math.cos));
def("sin", 1, 1, math1(Math.sin));
def("tan", 1, 1, math1(Math.tan));
def("cosh", 1, 1, math1(Math.cosh));
def("sinh", 1, 1, math1(Math.sinh));
def("tanh", 1, 1, math1(Math.tanh));
def("acosh", 1, 1, math1(Math.acosh));
def("asinh", 1, 1, math1(Math.asinh));
def("atanh", 1, 1, math1(Math.atanh));
def("sqrt", 1, 1, math1(Math.sqrt));
def("radians", 1, 1, math1((x) => x * (Math.PI / 180)));
def("degrees", 1, 1, math1((x) => x * (180 / Math.PI)));
def("pi", 0, 0, () => makeReal(Math.PI));
