/**
 * The typed AST produced by the parser (SQLite dialect, https://sqlite.org/lang.html).
 * Every node has a `kind`; identifiers are kept as written, unquoted (case preserved);
 * name lookup is case-insensitive and happens in the compiler.
 */

export interface Pos { line: number; column: number; offset: number }

// ---------- expressions ----------
export type Expr =
  | LiteralExpr
  | ColumnRef
  | ParamExpr
  | UnaryExpr
  | BinaryExpr
  | FunctionCall
  | CastExpr
  | CaseExpr
  | BetweenExpr
  | InListExpr
  | InSelectExpr
  | InTableExpr
  | ExistsExpr
  | SubqueryExpr
  | IsNullExpr
  | LikeExpr
  | CollateExpr
  | RaiseExpr;

export interface LiteralExpr {
  kind: "literal";
  /** `integer` holds a decimal/hex literal text exactly (may exceed 2^53); `real` its text; `blob` hex digits. */
  type: "integer" | "real" | "string" | "blob" | "null" | "true" | "false" | "current_time" | "current_date" | "current_timestamp";
  value: string;
}
export interface ColumnRef {
  kind: "column";
  table?: string;
  schema?: string;
  name: string;
  /** Set by the compiler only (`*` expansion): the position of the column in its source, which may hold the name twice. */
  at?: number;
}
/** `?`, `?NNN`, `:name`...: `index` is the parameter's number, set by the parser (absent only in ASTs built by hand). */
export interface ParamExpr { kind: "param"; index?: number; name?: string }
export interface UnaryExpr { kind: "unary"; op: "-" | "+" | "~" | "NOT"; operand: Expr }
export type BinaryOp =
  | "||" | "*" | "/" | "%" | "+" | "-" | "<<" | ">>" | "&" | "|"
  | "<" | "<=" | ">" | ">=" | "=" | "==" | "!=" | "<>"
  | "IS" | "IS NOT" | "AND" | "OR" | "->" | "->>";
export interface BinaryExpr { kind: "binary"; op: BinaryOp; left: Expr; right: Expr }
export interface FunctionCall {
  kind: "function";
  name: string;
  args: Expr[];
  /** `count(*)` */
  star?: boolean;
  distinct?: boolean;
  filter?: Expr;
  /** `OVER (...)` or `OVER name`: a window function call (compile/window.ts). */
  over?: WindowDef;
  /** Set by the compiler only: json_extract read as JSON by the JSON function around it (expr.ts jsonArgument). */
  asJson?: true;
}
/**
 * A window definition (SQLite lang_windowfunc.html): `base` names a window of the WINDOW clause
 * that this one extends. No `frame` means the default, `RANGE BETWEEN UNBOUNDED PRECEDING AND
 * CURRENT ROW`.
 */
export interface WindowDef {
  base?: string;
  /** `OVER name` without parentheses: exactly the named window, frame included. */
  bare?: boolean;
  partitionBy: Expr[];
  orderBy: OrderingTerm[];
  frame?: WindowFrame;
}
export interface WindowFrame {
  unit: "ROWS" | "RANGE" | "GROUPS";
  start: FrameBound;
  end: FrameBound;
  exclude: "NO OTHERS" | "CURRENT ROW" | "GROUP" | "TIES";
}
export type FrameBound =
  | { kind: "UNBOUNDED PRECEDING" | "CURRENT ROW" | "UNBOUNDED FOLLOWING" }
  | { kind: "PRECEDING" | "FOLLOWING"; offset: Expr };
export interface CastExpr { kind: "cast"; expr: Expr; type: string }
export interface CaseExpr { kind: "case"; base?: Expr; whens: { when: Expr; then: Expr }[]; else?: Expr }
export interface BetweenExpr { kind: "between"; expr: Expr; low: Expr; high: Expr; not: boolean }
export interface InListExpr { kind: "in-list"; expr: Expr; list: Expr[]; not: boolean }
export interface InSelectExpr { kind: "in-select"; expr: Expr; select: Select; not: boolean }
/** `x IN tbl` (SQLite extension: the table's single column) */
export interface InTableExpr { kind: "in-table"; expr: Expr; table: string; not: boolean; /** `x IN schema.tbl` */ schema?: string }
export interface ExistsExpr { kind: "exists"; select: Select; not: boolean }
export interface SubqueryExpr { kind: "subquery"; select: Select }
/** `x IS NULL`, `x ISNULL`, `x NOTNULL`, `x IS NOT NULL`, `x NOT NULL` */
export interface IsNullExpr { kind: "isnull"; expr: Expr; not: boolean }
export interface LikeExpr { kind: "like"; op: "LIKE" | "GLOB" | "REGEXP" | "MATCH"; expr: Expr; pattern: Expr; escape?: Expr; not: boolean }
export interface CollateExpr { kind: "collate"; expr: Expr; collation: string }
export interface RaiseExpr { kind: "raise"; action: "IGNORE" | "ROLLBACK" | "ABORT" | "FAIL"; message?: Expr }

// ---------- SELECT ----------
export interface Select {
  kind: "select";
  with?: { recursive: boolean; ctes: CommonTableExpr[] };
  /** First core, then compound operators applied left to right. */
  core: SelectCore;
  compound: { op: "UNION" | "UNION ALL" | "INTERSECT" | "EXCEPT"; core: SelectCore }[];
  orderBy: OrderingTerm[];
  limit?: Expr;
  offset?: Expr;
}
/** `materialized`: AS MATERIALIZED, which keeps WHERE terms out of it (no push-down). */
export interface CommonTableExpr { name: string; columns?: string[]; select: Select; materialized?: boolean }
export type SelectCore = SelectSimple | ValuesCore;
export interface SelectSimple {
  kind: "core";
  distinct: boolean;
  columns: ResultColumn[];
  from?: FromItem;
  where?: Expr;
  groupBy: Expr[];
  having?: Expr;
  /** `WINDOW name AS (...), ...` */
  windows?: { name: string; def: WindowDef }[];
}
export interface ValuesCore { kind: "values"; rows: Expr[][] }
export type ResultColumn =
  | { kind: "star" }
  | { kind: "table-star"; table: string }
  | { kind: "expr"; expr: Expr; alias?: string; /** source text of the expression, for the column name */ text: string };
export interface OrderingTerm { expr: Expr; desc: boolean; nulls?: "FIRST" | "LAST"; collation?: string }

/** FROM clause as a left-deep join tree. */
export type FromItem = TableRef | SubqueryRef | TableFunctionRef | JoinItem;
/** A table-valued function in FROM: `json_each(x)`, `pragma_table_info('t')` (compile/table-function.ts). */
export interface TableFunctionRef { kind: "function"; name: string; args: Expr[]; alias?: string }
export interface TableRef { kind: "table"; schema?: string; name: string; alias?: string; indexedBy?: string; notIndexed?: boolean }
export interface SubqueryRef {
  kind: "subquery";
  select: Select;
  alias?: string;
  /** Set by the compiler only (compile/window.ts): the window functions computed over `select`'s rows. */
  window?: import("./compile/window.js").WindowPass;
  /** A parenthesized join (`a LEFT JOIN (b JOIN c ON ...) ON ...`): `SELECT *` of it, whose columns keep their tables' names. */
  nestedJoin?: true;
}
export interface JoinItem {
  kind: "join";
  /** "," is a comma join (same as INNER without constraint). */
  op: "," | "INNER" | "LEFT" | "RIGHT" | "FULL" | "CROSS";
  natural: boolean;
  left: FromItem;
  right: TableRef | SubqueryRef;
  on?: Expr;
  using?: string[];
}

// ---------- statements ----------
export type Statement =
  | Select
  | Insert
  | Update
  | Delete
  | CreateTable
  | CreateIndex
  | CreateView
  | CreateTrigger
  | Drop
  | Begin
  | Commit
  | Rollback
  | Savepoint
  | Release
  | Pragma
  | Explain
  | Vacuum
  | Analyze
  | Reindex
  | AlterTable;

export type ConflictAction = "ROLLBACK" | "ABORT" | "FAIL" | "IGNORE" | "REPLACE";

export interface Insert {
  kind: "insert";
  with?: { recursive: boolean; ctes: CommonTableExpr[] };
  /** INSERT OR <action>; REPLACE INTO is `orAction: "REPLACE"`. */
  orAction?: ConflictAction;
  table: string;
  schema?: string;
  alias?: string;
  columns?: string[];
  /** VALUES rows, a SELECT, or DEFAULT VALUES. */
  source: { kind: "values"; rows: Expr[][] } | { kind: "select"; select: Select } | { kind: "default" };
  /** `target`: the conflict target's terms as names (or their text); `targetExprs`: the terms as parsed. */
  upsert?: { target?: string[]; targetExprs?: Expr[]; targetWhere?: Expr; action: "NOTHING" | { set: SetClause[]; where?: Expr } }[];
  returning?: ResultColumn[];
}
export interface SetClause { columns: string[]; value: Expr }
export interface Update {
  kind: "update";
  with?: { recursive: boolean; ctes: CommonTableExpr[] };
  orAction?: ConflictAction;
  table: string;
  schema?: string;
  alias?: string;
  set: SetClause[];
  from?: FromItem;
  where?: Expr;
  returning?: ResultColumn[];
}
export interface Delete {
  kind: "delete";
  with?: { recursive: boolean; ctes: CommonTableExpr[] };
  table: string;
  schema?: string;
  alias?: string;
  where?: Expr;
  returning?: ResultColumn[];
}

export interface ColumnDef {
  name: string;
  /** Declared type as written, e.g. "NVARCHAR(160)", "NUMERIC(10,2)"; "" when absent. */
  type: string;
  constraints: ColumnConstraint[];
}
export type ColumnConstraint =
  | { kind: "primary-key"; name?: string; desc: boolean; autoincrement: boolean; onConflict?: ConflictAction }
  | { kind: "not-null"; name?: string; onConflict?: ConflictAction }
  | { kind: "null"; name?: string }
  | { kind: "unique"; name?: string; onConflict?: ConflictAction }
  | { kind: "check"; name?: string; expr: Expr; /** The expression as written: an unnamed CHECK's name in errors. */ text: string }
  | { kind: "default"; name?: string; expr: Expr }
  | { kind: "collate"; name?: string; collation: string }
  | { kind: "references"; name?: string; fk: ForeignKeyClause }
  | { kind: "generated"; name?: string; expr: Expr; stored: boolean };
export interface ForeignKeyClause {
  table: string;
  columns: string[];
  /** The raw trailing actions, e.g. ["ON DELETE NO ACTION", "ON UPDATE CASCADE", "DEFERRABLE INITIALLY DEFERRED"]. */
  actions: string[];
}
export interface IndexedColumn { expr: Expr; /** set when expr is a bare column name */ name?: string; desc: boolean; collation?: string }
export type TableConstraint =
  | { kind: "primary-key"; name?: string; columns: IndexedColumn[]; onConflict?: ConflictAction; /** `PRIMARY KEY (a AUTOINCREMENT)` */ autoincrement?: boolean }
  | { kind: "unique"; name?: string; columns: IndexedColumn[]; onConflict?: ConflictAction }
  | { kind: "check"; name?: string; expr: Expr; /** The expression as written: an unnamed CHECK's name in errors. */ text: string }
  | { kind: "foreign-key"; name?: string; columns: string[]; fk: ForeignKeyClause };
export interface CreateTable {
  kind: "create-table";
  temporary: boolean;
  ifNotExists: boolean;
  schema?: string;
  name: string;
  columns: ColumnDef[];
  constraints: TableConstraint[];
  withoutRowid: boolean;
  strict: boolean;
  /** CREATE TABLE ... AS SELECT */
  asSelect?: Select;
}
export interface CreateIndex {
  kind: "create-index";
  unique: boolean;
  ifNotExists: boolean;
  schema?: string;
  name: string;
  table: string;
  columns: IndexedColumn[];
  where?: Expr;
}
export interface CreateView {
  kind: "create-view";
  temporary: boolean;
  ifNotExists: boolean;
  schema?: string;
  name: string;
  columns?: string[];
  select: Select;
}
export interface CreateTrigger {
  kind: "create-trigger";
  temporary: boolean;
  ifNotExists: boolean;
  schema?: string;
  name: string;
  timing: "BEFORE" | "AFTER" | "INSTEAD OF";
  event: "DELETE" | "INSERT" | "UPDATE";
  updateOf?: string[];
  table: string;
  forEachRow: boolean;
  when?: Expr;
  body: (Insert | Update | Delete | Select)[];
}
export interface Drop { kind: "drop"; object: "table" | "index" | "view" | "trigger"; ifExists: boolean; schema?: string; name: string }
export interface Begin { kind: "begin"; mode?: "DEFERRED" | "IMMEDIATE" | "EXCLUSIVE" }
export interface Commit { kind: "commit" }
export interface Rollback { kind: "rollback"; savepoint?: string }
export interface Savepoint { kind: "savepoint"; name: string }
export interface Release { kind: "release"; name: string }
/** `PRAGMA name`, `PRAGMA name = value`, `PRAGMA name(value)`; value is an identifier, number or string as text. */
export interface Pragma { kind: "pragma"; schema?: string; name: string; value?: string; form?: "assign" | "call" }
export interface Explain { kind: "explain"; queryPlan: boolean; statement: Statement }
export interface Vacuum { kind: "vacuum"; schema?: string; into?: string }
export interface Analyze { kind: "analyze"; target?: string }
export interface Reindex { kind: "reindex"; target?: string }
/** `schema` is set for `ALTER TABLE schema.table ...`. */
export type AlterTable =
  | { kind: "alter-table"; action: "rename-table"; schema?: string; table: string; newName: string }
  | { kind: "alter-table"; action: "rename-column"; schema?: string; table: string; column: string; newName: string }
  | { kind: "alter-table"; action: "add-column"; schema?: string; table: string; column: ColumnDef }
  | { kind: "alter-table"; action: "drop-column"; schema?: string; table: string; column: string };

/** One parsed statement with its source text (as written, without the trailing `;`). */
export interface ParsedStatement {
  statement: Statement;
  text: string;
  pos: Pos;
  /** Parameters: the highest number, and the name of each named one by number (set by the parser). */
  params?: { count: number; names: (string | null)[] };
}
