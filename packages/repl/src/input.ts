/**
 * Where input lines come from (a stream, an iterable, the terminal through node:readline)
 * and the cheap lexical checks made on them before the parser's `isComplete`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { StringDecoder } from "node:string_decoder";

/** node:readline on the terminal, with history kept in ~/.db_history (or $DB_HISTORY). */
export function terminalSession(input: { readonly pending: boolean; clear(): void }, prompt: string) {
  const historyFile = process.env.DB_HISTORY ?? join(homedir(), ".db_history");
  let history: string[] = [];
  try {
    history = readFileSync(historyFile, "utf8").split("\n").filter(Boolean).reverse();
  } catch {
    // no history yet
  }
  const rl: Interface = createInterface({
    input: process.stdin, output: process.stdout, terminal: true, history, historySize: 1000, removeHistoryDuplicates: true,
  });
  let interrupted = false;
  rl.on("SIGINT", () => {
    // Ctrl-C drops the pending input; on an empty prompt, twice in a row leaves.
    if (rl.line === "" && !input.pending) {
      if (interrupted) return rl.close();
      interrupted = true;
      process.stdout.write('\n(To exit, press Ctrl+C again or Ctrl+D or type ".exit")\n');
    } else {
      rl.write(null, { ctrl: true, name: "e" });
      rl.write(null, { ctrl: true, name: "u" });
      input.clear();
      process.stdout.write("^C\n");
    }
    rl.setPrompt(prompt);
    rl.prompt();
  });
  rl.on("line", () => (interrupted = false));
  return {
    lines: rl as AsyncIterable<string>,
    prompt(p: string) {
      rl.setPrompt(p);
      rl.prompt();
    },
    close() {
      try {
        const h = (rl as unknown as { history: string[] }).history;
        writeFileSync(historyFile, [...h].reverse().join("\n") + "\n");
      } catch {
        // history is a convenience
      }
      rl.close();
    },
  };
}

/** Lines of the input, without their "\n" or "\r\n". */
export async function* readLines(stdin: NodeJS.ReadableStream | AsyncIterable<string>): AsyncGenerator<string> {
  if (typeof (stdin as NodeJS.ReadableStream).pipe !== "function") {
    // Not a stream: each string is one or more whole lines.
    for await (const chunk of stdin as AsyncIterable<string>) {
      for (const line of chunk.replace(/\r?\n$/, "").split("\n")) yield stripCR(line);
    }
    return;
  }
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of stdin as AsyncIterable<string | Buffer>) {
    rest += typeof chunk === "string" ? chunk : decoder.write(chunk);
    const lines = rest.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) yield stripCR(line);
  }
  rest += decoder.end();
  if (rest !== "") yield stripCR(rest);
}

export function stripCR(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * Whether a line can end a statement, checked before the costlier `isComplete` of all the
 * text gathered: it has a ";" followed by blanks only, or comments make that uncertain.
 */
export function mayEndStatement(line: string): boolean {
  const semi = line.lastIndexOf(";");
  if (semi < 0) return line.includes("*/");
  return /^\s*$/.test(line.slice(semi + 1)) || line.includes("--") || line.includes("/*") || line.includes("*/");
}

/** True when `sql` holds only whitespace and complete comments (sqlite3's _all_whitespace). */
export function isBlank(sql: string): boolean {
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (/\s/.test(c)) continue;
    if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) return false;
      i = end + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i + 2);
      if (end < 0) return true;
      i = end;
    } else {
      return false;
    }
  }
  return true;
}
