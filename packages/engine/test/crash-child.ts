/**
 * Child process for the SIGKILL test: commits `committed` rows one by one, then opens a
 * transaction with more rows and reports "ready" without committing; the parent kills it.
 */
import { Database } from "../src/index.js";

const [file, committedArg] = process.argv.slice(2);
const committed = Number(committedArg);
const db = new Database(file!);
db.exec("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
const ins = db.prepare("INSERT INTO t(id, v) VALUES (?, ?)");
for (let i = 1; i <= committed; i++) ins.run(i, `committed-${i}`);
db.exec("BEGIN");
for (let i = committed + 1; i <= committed + 500; i++) ins.run(i, `uncommitted-${i}`.repeat(20));
process.stdout.write("ready\n");
setInterval(() => undefined, 1000); // wait to be killed
