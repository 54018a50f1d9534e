import type { SqlValue } from './db';

/**
 * What the page reader needs from a table's CREATE TABLE statement (sqlite_schema.sql): its columns
 * in order, which one is the rowid (an INTEGER PRIMARY KEY is stored as NULL in the record and read
 * from the cell's rowid), each column's default (old rows of a table grown by ALTER TABLE ADD COLUMN
 * have fewer values than the schema: SQLite reads the rest as the default) and which columns are not
 * stored at all (VIRTUAL generated columns). SQLite keeps this text normalised enough to read with a
 * tokenizer: it rewrites it on ALTER TABLE RENAME/ADD/DROP COLUMN.
 */
export interface ColumnDef {
  name: string;
  affinity: 'integer' | 'real' | 'numeric' | 'text' | 'blob';
  defaultValue: SqlValue;
  /**
   * A generated column (GENERATED ALWAYS AS): VIRTUAL ones are not stored at all and STORED ones not
   * where a plain column would be, so the page reader reads neither.
   */
  virtual: boolean;
}

export interface TableDef {
  columns: ColumnDef[];
  /** Index of the INTEGER PRIMARY KEY column (an alias of the rowid), or -1. */
  rowidColumn: number;
  withoutRowid: boolean;
}

type Tok = { t: 'id' | 'str' | 'num' | 'blob' | 'punct'; v: string; quoted: boolean };

export class SchemaSqlError extends Error {}

function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === '"' || c === '`' || c === "'" || c === '[') {
      const close = c === '[' ? ']' : c;
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new SchemaSqlError('unterminated quote in CREATE TABLE');
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) {
            v += close;
            j += 2;
            continue;
          }
          break;
        }
        v += sql[j++];
      }
      i = j + 1;
      const prev = out[out.length - 1];
      if (c === "'" && prev && prev.t === 'id' && !prev.quoted && /^x$/i.test(prev.v) && prev.v.length === 1) {
        out[out.length - 1] = { t: 'blob', v, quoted: true };
      } else out.push({ t: c === "'" ? 'str' : 'id', v, quoted: true });
    } else if (/[0-9.]/.test(c) && /[0-9]/.test(c === '.' ? (sql[i + 1] ?? '') : c)) {
      const m = /^(0x[0-9a-f]+|[0-9]*\.?[0-9]*(e[+-]?[0-9]+)?)/i.exec(sql.slice(i, i + 400))!;
      out.push({ t: 'num', v: m[0], quoted: false });
      i += m[0].length;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j])) j++;
      out.push({ t: 'id', v: sql.slice(i, j), quoted: false });
      i = j;
    } else {
      out.push({ t: 'punct', v: c, quoted: false });
      i++;
    }
  }
  return out;
}

const kw = (tok: Tok | undefined, word: string) => tok !== undefined && tok.t === 'id' && !tok.quoted && tok.v.toUpperCase() === word;
const TABLE_CONSTRAINTS = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'];
const COLUMN_CONSTRAINTS = [
  'CONSTRAINT',
  'PRIMARY',
  'NOT',
  'NULL',
  'UNIQUE',
  'CHECK',
  'DEFAULT',
  'COLLATE',
  'REFERENCES',
  'GENERATED',
  'AS',
];

/** SQLite's column affinity rules (https://www.sqlite.org/datatype3.html §3.1), in their order. */
function affinityOf(type: string): ColumnDef['affinity'] {
  const t = type.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
  if (t.includes('BLOB') || t === '') return 'blob';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'real';
  return 'numeric';
}

/** A literal DEFAULT (ADD COLUMN allows only constants), with the column's affinity applied as SQLite does on read. */
function defaultOf(toks: Tok[], at: number, affinity: ColumnDef['affinity']): SqlValue {
  let k = at;
  let sign = 1;
  if (toks[k]?.t === 'punct' && (toks[k].v === '-' || toks[k].v === '+')) {
    if (toks[k].v === '-') sign = -1;
    k++;
  }
  const tok = toks[k];
  if (!tok) return null;
  if (tok.t === 'num') return sign * Number(tok.v);
  if (tok.t === 'blob') {
    const b = new Uint8Array(tok.v.length >> 1);
    for (let i = 0; i < b.length; i++) b[i] = parseInt(tok.v.slice(2 * i, 2 * i + 2), 16);
    return b;
  }
  if (tok.t === 'str') {
    if (affinity !== 'text' && affinity !== 'blob' && tok.v.trim() !== '' && Number.isFinite(Number(tok.v))) return Number(tok.v);
    return tok.v;
  }
  if (kw(tok, 'TRUE')) return 1;
  if (kw(tok, 'FALSE')) return 0;
  return null;
}

/** Parses a CREATE TABLE statement as sqlite_schema stores it. Throws SchemaSqlError on anything else. */
export function parseCreateTable(sql: string): TableDef {
  const toks = tokenize(sql);
  const open = toks.findIndex((t) => t.t === 'punct' && t.v === '(');
  if (!kw(toks[0], 'CREATE') || open < 0) throw new SchemaSqlError('not a CREATE TABLE statement');
  const items: Tok[][] = [[]];
  let depth = 0;
  let k = open + 1;
  for (; k < toks.length; k++) {
    const t = toks[k];
    if (t.t === 'punct' && t.v === '(') depth++;
    if (t.t === 'punct' && t.v === ')') {
      if (depth === 0) break;
      depth--;
    }
    if (depth === 0 && t.t === 'punct' && t.v === ',') items.push([]);
    else items[items.length - 1].push(t);
  }
  if (k >= toks.length) throw new SchemaSqlError('CREATE TABLE without its closing parenthesis');
  const rest = toks.slice(k + 1);
  const withoutRowid = rest.some((t, i) => kw(t, 'WITHOUT') && kw(rest[i + 1], 'ROWID'));
  const columns: ColumnDef[] = [];
  const pk: { col: number; aliasable: boolean }[] = [];
  let tablePk: string[] | null = null;
  for (const item of items) {
    if (item.length === 0) throw new SchemaSqlError('an empty column definition');
    if (!item[0].quoted && TABLE_CONSTRAINTS.some((w) => kw(item[0], w))) {
      const p = item.findIndex((t) => kw(t, 'PRIMARY'));
      if (p >= 0 && kw(item[p + 1], 'KEY') && item[p + 2]?.v === '(') {
        tablePk = [];
        let d = 0;
        let expectName = true;
        for (const t of item.slice(p + 3)) {
          if (t.t === 'punct' && t.v === '(') d++;
          else if (t.t === 'punct' && t.v === ')') {
            if (d === 0) break;
            d--;
          } else if (d === 0 && t.t === 'punct' && t.v === ',') expectName = true;
          else if (d === 0 && expectName && t.t === 'id') {
            tablePk.push(t.v);
            expectName = false;
          }
        }
      }
      continue;
    }
    const name = item[0].v;
    let j = 1;
    const typeParts: string[] = [];
    while (j < item.length && item[j].t === 'id' && !(!item[j].quoted && COLUMN_CONSTRAINTS.some((w) => kw(item[j], w))))
      typeParts.push(item[j++].v);
    if (item[j]?.t === 'punct' && item[j].v === '(') {
      // A type's size: VARCHAR(10), DECIMAL(10, 2).
      while (j < item.length && !(item[j].t === 'punct' && item[j].v === ')')) j++;
      j++;
    }
    const type = typeParts.join(' ');
    const affinity = affinityOf(type);
    let defaultValue: SqlValue = null;
    let virtual = false;
    for (let i = j; i < item.length; i++) {
      if (kw(item[i], 'PRIMARY') && kw(item[i + 1], 'KEY')) {
        // "INTEGER PRIMARY KEY DESC" is SQLite's documented exception: not a rowid alias.
        pk.push({ col: columns.length, aliasable: type.toUpperCase() === 'INTEGER' && !kw(item[i + 2], 'DESC') });
      } else if (kw(item[i], 'DEFAULT')) defaultValue = defaultOf(item, i + 1, affinity);
      else if (kw(item[i], 'AS') && item[i + 1]?.v === '(') {
        let d = 0;
        let e = i + 1;
        for (; e < item.length; e++) {
          if (item[e].t === 'punct' && item[e].v === '(') d++;
          else if (item[e].t === 'punct' && item[e].v === ')' && --d === 0) break;
        }
        virtual = true;
        i = e;
      }
    }
    columns.push({ name, affinity, defaultValue, virtual });
  }
  let rowidColumn = -1;
  if (!withoutRowid) {
    if (pk.length === 1 && !tablePk && pk[0].aliasable) rowidColumn = pk[0].col;
    else if (tablePk && tablePk.length === 1 && pk.length === 0) {
      const c = columns.findIndex((col) => col.name.toLowerCase() === tablePk[0].toLowerCase());
      // In a table constraint, PRIMARY KEY(x DESC) still makes x the rowid; only the type must be INTEGER.
      if (c >= 0 && /^INTEGER$/i.test(typeOfColumn(items, c))) rowidColumn = c;
    }
  }
  return { columns, rowidColumn, withoutRowid };
}

function typeOfColumn(items: Tok[][], col: number): string {
  const defs = items.filter((it) => it.length && !(!it[0].quoted && TABLE_CONSTRAINTS.some((w) => kw(it[0], w))));
  const item = defs[col];
  const parts: string[] = [];
  for (let j = 1; j < item.length && item[j].t === 'id' && !(!item[j].quoted && COLUMN_CONSTRAINTS.some((w) => kw(item[j], w))); j++)
    parts.push(item[j].v);
  return parts.join(' ');
}
