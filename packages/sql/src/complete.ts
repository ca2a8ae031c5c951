/**
 * `isComplete(sql)`: a port of sqlite3_complete() (SQLite's complete.c). The shell uses it to
 * decide whether the text typed so far ends a statement.
 *
 * True when `sql` ends with a `;` that terminates a statement: the `;` is outside strings,
 * quoted identifiers and comments (trailing whitespace and comments after it are fine), and a
 * `CREATE [TEMP] TRIGGER ... BEGIN ... END;` is only complete after its `END;`.
 * Unterminated strings, identifiers and block comments make the text incomplete. The text is
 * not otherwise validated.
 */
import { isIdChar } from "./tokenizer.js";

/** Token classes of complete.c. */
const Tk = { Semi: 0, Ws: 1, Other: 2, Explain: 3, Create: 4, Temp: 5, Trigger: 6, End: 7 } as const;
type Tk = (typeof Tk)[keyof typeof Tk];

/**
 * State machine of complete.c. States: 0 INVALID (only whitespace so far), 1 START (just after a
 * `;`), 2 NORMAL, 3 EXPLAIN, 4 CREATE, 5 TRIGGER (inside a trigger), 6 SEMI (a `;` inside a
 * trigger), 7 END (`END` after such a `;`).
 */
// prettier-ignore
const TRANS: readonly (readonly number[])[] = [
  /*               SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END */
  /* 0 INVALID */ [1,   0, 2,    3,      4,     2,   2,      2],
  /* 1 START   */ [1,   1, 2,    3,      4,     2,   2,      2],
  /* 2 NORMAL  */ [1,   2, 2,    2,      2,     2,   2,      2],
  /* 3 EXPLAIN */ [1,   3, 3,    2,      4,     2,   2,      2],
  /* 4 CREATE  */ [1,   4, 2,    2,      2,     4,   5,      2],
  /* 5 TRIGGER */ [6,   5, 5,    5,      5,     5,   5,      5],
  /* 6 SEMI    */ [6,   6, 5,    5,      5,     5,   5,      7],
  /* 7 END     */ [1,   7, 5,    5,      5,     5,   5,      5],
];

export function isComplete(sql: string): boolean {
  let state = 0;
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    let token: Tk;
    switch (c) {
      case 59: // ;
        token = Tk.Semi;
        i++;
        break;
      case 32:
      case 13:
      case 9:
      case 10:
      case 12:
        token = Tk.Ws;
        i++;
        break;
      case 47: {
        // /* comment */
        if (sql.charCodeAt(i + 1) !== 42) {
          token = Tk.Other;
          i++;
          break;
        }
        const close = sql.indexOf("*/", i + 2);
        if (close < 0) return false;
        i = close + 2;
        token = Tk.Ws;
        break;
      }
      case 45: {
        // -- comment
        if (sql.charCodeAt(i + 1) !== 45) {
          token = Tk.Other;
          i++;
          break;
        }
        const nl = sql.indexOf("\n", i + 2);
        if (nl < 0) return state === 1;
        i = nl + 1;
        token = Tk.Ws;
        break;
      }
      case 91: {
        // [identifier]
        const close = sql.indexOf("]", i + 1);
        if (close < 0) return false;
        i = close + 1;
        token = Tk.Other;
        break;
      }
      case 96: // `identifier`
      case 34: // "identifier"
      case 39: {
        // 'string' (a doubled quote is two adjacent quoted runs: same effect)
        const close = sql.indexOf(sql[i], i + 1);
        if (close < 0) return false;
        i = close + 1;
        token = Tk.Other;
        break;
      }
      default: {
        if (!isIdChar(c)) {
          token = Tk.Other;
          i++;
          break;
        }
        let j = i + 1;
        while (j < n && isIdChar(sql.charCodeAt(j))) j++;
        token = keywordToken(sql, i, j);
        i = j;
      }
    }
    state = TRANS[state][token];
  }
  return state === 1;
}

/** Classifies a word as complete.c does. */
function keywordToken(sql: string, start: number, end: number): Tk {
  const len = end - start;
  if (len < 3 || len > 9) return Tk.Other;
  const w = sql.slice(start, end).toUpperCase();
  switch (w) {
    case "CREATE":
      return Tk.Create;
    case "TRIGGER":
      return Tk.Trigger;
    case "TEMP":
    case "TEMPORARY":
      return Tk.Temp;
    case "END":
      return Tk.End;
    case "EXPLAIN":
      return Tk.Explain;
    default:
      return Tk.Other;
  }
}
