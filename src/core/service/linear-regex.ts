/**
 * Regular expressions for search, matched in linear time (a Pike VM over a Thompson NFA).
 *
 * Why not RegExp: V8's backtracking engine takes exponential time on patterns like `^(\w|\w)*!$`
 * against a 30-character name, and a single `re.test()` cannot be interrupted — it froze `serve`'s
 * request loop (and would freeze a desktop window's trace worker) until SIGKILL. A time budget
 * around `RegExp` needs a thread per search plus a copy of every name; instead, search only needs
 * "does this name match", which an NFA answers in O(name length × pattern size) with no
 * backtracking. The syntax is the part of JavaScript's that users type into a search box:
 * literals, `.`, classes `[a-z]`, `\d \w \s` (and negations), groups `( )` `(?: )` `(?<n> )`,
 * `|`, `* + ? {n} {n,} {n,m}` (lazy forms accepted: they change which match, not whether), `^ $`
 * and `\b \B`. Backreferences and lookaround have no linear-time algorithm and are refused with a
 * message saying so. Matching is case-insensitive, as search has always been.
 */

export class RegexSyntaxError extends Error {}

/** Program size cap: `a{1000}{1000}` would otherwise expand to a million instructions. */
const MAX_PROGRAM = 20_000;

type CharTest = (c: number) => boolean;

type Node =
  | { k: 'char'; test: CharTest }
  | { k: 'seq'; items: Node[] }
  | { k: 'alt'; options: Node[] }
  | { k: 'rep'; node: Node; min: number; max: number }
  | { k: 'bol' }
  | { k: 'eol' }
  | { k: 'wordb'; negate: boolean };

const isWordCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigitCode = (c: number) => c >= 48 && c <= 57;
// JavaScript's \s: WhiteSpace and LineTerminator code points.
const SPACE = new Set([9, 10, 11, 12, 13, 32, 160, 5760, 8232, 8233, 8239, 8287, 12288, 65279]);
const isSpaceCode = (c: number) => SPACE.has(c) || (c >= 8192 && c <= 8202);

const lowerOf = (c: number) => String.fromCharCode(c).toLowerCase().charCodeAt(0);
const upperOf = (c: number) => String.fromCharCode(c).toUpperCase().charCodeAt(0);

/** Case-insensitive wrapper: a code unit matches when it or its other case does. */
const folded =
  (t: CharTest): CharTest =>
  (c) =>
    t(c) || t(lowerOf(c)) || t(upperOf(c));

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const n = this.alternation();
    if (this.i < this.src.length) throw new RegexSyntaxError(`unmatched ")" at position ${this.i}`);
    return n;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.peek() === '|') {
      this.i++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0] : { k: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') items.push(this.quantified());
    return { k: 'seq', items };
  }

  private quantified(): Node {
    const atom = this.atom();
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
        if (!m) return atom; // a literal "{", as JavaScript reads it without the u flag
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min) throw new RegexSyntaxError(`numbers out of order in {${m[1]},${m[3]}}`);
        this.i += m[0].length - 1;
      } else return atom;
      this.i++;
      if (this.peek() === '?') this.i++; // lazy: same set of matching names
      if (atom.k === 'bol' || atom.k === 'eol' || atom.k === 'wordb') throw new RegexSyntaxError('nothing to repeat');
      return this.repeatOf(atom, min, max);
    }
  }

  private repeatOf(node: Node, min: number, max: number): Node {
    return { k: 'rep', node, min, max };
  }

  private atom(): Node {
    const c = this.src[this.i++];
    switch (c) {
      case '(': {
        if (this.src.startsWith('?:', this.i)) this.i += 2;
        else if (/^\?<[A-Za-z_$][\w$]*>/.test(this.src.slice(this.i))) this.i = this.src.indexOf('>', this.i) + 1;
        else if (this.peek() === '?')
          throw new RegexSyntaxError('lookahead and lookbehind ((?= (?! (?<= (?<!) are not supported in search');
        const inner = this.alternation();
        if (this.src[this.i++] !== ')') throw new RegexSyntaxError('missing )');
        return inner;
      }
      case '[': {
        // Case folding applies to the class's members, before a ^ negates it (as RegExp's i flag does).
        const { test, negate } = this.classBody();
        const f = folded(test);
        return { k: 'char', test: negate ? (x) => !f(x) : f };
      }
      case '.':
        return { k: 'char', test: (x) => x !== 10 && x !== 13 && x !== 8232 && x !== 8233 };
      case '^':
        return { k: 'bol' };
      case '$':
        return { k: 'eol' };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError('nothing to repeat');
      case ')':
        throw new RegexSyntaxError('unmatched )');
      default: {
        const code = c.charCodeAt(0);
        return { k: 'char', test: folded((x) => x === code) };
      }
    }
  }

  private escape(): Node {
    const c = this.src[this.i++];
    if (c === undefined) throw new RegexSyntaxError('\\ at end of pattern');
    if (c === 'b' || c === 'B') return { k: 'wordb', negate: c === 'B' };
    if (/[1-9]/.test(c) || (c === 'k' && this.peek() === '<'))
      throw new RegexSyntaxError('backreferences (\\1, \\k<name>) are not supported in search');
    return { k: 'char', test: folded(this.escapeTest(c)) };
  }

  /** Test for the escape whose letter was just read (shared by atoms and classes). */
  private escapeTest(c: string): CharTest {
    switch (c) {
      case 'd':
        return isDigitCode;
      case 'D':
        return (x) => !isDigitCode(x);
      case 'w':
        return isWordCode;
      case 'W':
        return (x) => !isWordCode(x);
      case 's':
        return isSpaceCode;
      case 'S':
        return (x) => !isSpaceCode(x);
      default: {
        const code = this.singleEscape(c);
        return (x) => x === code;
      }
    }
  }

  /** The code unit a one-character escape stands for: \n, \x41, \u00e9, \. (identity). */
  private singleEscape(c: string): number {
    const simple: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11, '0': 0 };
    if (c in simple) return simple[c];
    if (c === 'x' || c === 'u') {
      const len = c === 'x' ? 2 : 4;
      const hex = this.src.slice(this.i, this.i + len);
      if (hex.length === len && /^[0-9a-fA-F]+$/.test(hex)) {
        this.i += len;
        return parseInt(hex, 16);
      }
    }
    return c.charCodeAt(0);
  }

  private classBody(): { test: CharTest; negate: boolean } {
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    const parts: CharTest[] = [];
    let first = true;
    for (;;) {
      if (this.i >= this.src.length) throw new RegexSyntaxError('missing ]');
      let c = this.src[this.i++];
      if (c === ']' && !first) break;
      first = false;
      let lo: number;
      if (c === '\\') {
        c = this.src[this.i++];
        if (c === undefined) throw new RegexSyntaxError('\\ at end of pattern');
        if ('dDwWsS'.includes(c)) {
          parts.push(this.escapeTest(c));
          continue;
        }
        lo = c === 'b' ? 8 : this.singleEscape(c); // [\b] is backspace
      } else lo = c.charCodeAt(0);
      if (this.peek() === '-' && this.src[this.i + 1] !== undefined && this.src[this.i + 1] !== ']') {
        this.i++;
        let hc = this.src[this.i++];
        let hi: number;
        if (hc === '\\') {
          hc = this.src[this.i++];
          if (hc === undefined || 'dDwWsS'.includes(hc)) throw new RegexSyntaxError('invalid range in character class');
          hi = hc === 'b' ? 8 : this.singleEscape(hc);
        } else hi = hc.charCodeAt(0);
        if (hi < lo) throw new RegexSyntaxError('range out of order in character class');
        parts.push((x) => x >= lo && x <= hi);
      } else {
        const code = lo;
        parts.push((x) => x === code);
      }
    }
    return { test: (x) => parts.some((p) => p(x)), negate };
  }
}

// --- compilation to a Pike VM program -----------------------------------------------------------

type Inst =
  | { op: 'char'; test: CharTest }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'bol' }
  | { op: 'eol' }
  | { op: 'wordb'; negate: boolean }
  | { op: 'match' };

function compile(root: Node): Inst[] {
  const prog: Inst[] = [];
  const emit = (inst: Inst) => {
    if (prog.length >= MAX_PROGRAM)
      throw new RegexSyntaxError('pattern too large once its repeats are expanded; use fewer or smaller {n,m}');
    prog.push(inst);
    return prog.length - 1;
  };
  const gen = (n: Node): void => {
    switch (n.k) {
      case 'char':
        emit({ op: 'char', test: n.test });
        return;
      case 'bol':
        emit({ op: 'bol' });
        return;
      case 'eol':
        emit({ op: 'eol' });
        return;
      case 'wordb':
        emit({ op: 'wordb', negate: n.negate });
        return;
      case 'seq':
        for (const it of n.items) gen(it);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let k = 0; k < n.options.length; k++) {
          if (k < n.options.length - 1) {
            const split = emit({ op: 'split', x: 0, y: 0 });
            (prog[split] as { x: number }).x = prog.length;
            gen(n.options[k]);
            jumps.push(emit({ op: 'jmp', x: 0 }));
            (prog[split] as { y: number }).y = prog.length;
          } else gen(n.options[k]);
        }
        for (const j of jumps) (prog[j] as { x: number }).x = prog.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < n.min; k++) gen(n.node);
        if (n.max === Infinity) {
          const split = emit({ op: 'split', x: 0, y: 0 });
          (prog[split] as { x: number }).x = prog.length;
          gen(n.node);
          emit({ op: 'jmp', x: split });
          (prog[split] as { y: number }).y = prog.length;
        } else {
          const splits: number[] = [];
          for (let k = n.min; k < n.max; k++) {
            splits.push(emit({ op: 'split', x: prog.length + 1, y: 0 }));
            gen(n.node);
          }
          for (const s of splits) (prog[s] as { y: number }).y = prog.length;
        }
        return;
      }
    }
  };
  gen(root);
  emit({ op: 'match' });
  return prog;
}

export interface LinearRegex {
  /** Whether `s` contains a match (RegExp.prototype.test semantics, case-insensitive). */
  test(s: string): boolean;
}

/** Compiles `pattern`; throws RegexSyntaxError (one line, no stack) on syntax it does not take. */
export function compileLinearRegex(pattern: string): LinearRegex {
  const prog = compile(new Parser(pattern).parse());
  const n = prog.length;
  // Sparse sets of program counters (the classic Pike VM lists), reused across calls.
  let clist = new Int32Array(n);
  let nlist = new Int32Array(n);
  const onList = new Int32Array(n).fill(-1);
  let stamp = 0;

  return {
    test(s: string): boolean {
      const len = s.length;
      let ccount = 0;
      let ncount = 0;
      const isWordAt = (p: number) => p >= 0 && p < len && isWordCode(s.charCodeAt(p));
      // Follows jumps, splits and zero-width assertions from pc at position pos; adds char/match states.
      const stack: number[] = [];
      const add = (list: Int32Array, count: number, pc0: number, pos: number): number => {
        stack.length = 0;
        stack.push(pc0);
        while (stack.length) {
          const pc = stack.pop()!;
          if (onList[pc] === stamp) continue;
          onList[pc] = stamp;
          const inst = prog[pc];
          switch (inst.op) {
            case 'jmp':
              stack.push(inst.x);
              break;
            case 'split':
              stack.push(inst.y, inst.x);
              break;
            case 'bol':
              if (pos === 0) stack.push(pc + 1);
              break;
            case 'eol':
              if (pos === len) stack.push(pc + 1);
              break;
            case 'wordb':
              if ((isWordAt(pos - 1) !== isWordAt(pos)) !== inst.negate) stack.push(pc + 1);
              break;
            case 'match':
              return -1;
            case 'char':
              list[count++] = pc;
              break;
          }
        }
        return count;
      };
      stamp++;
      let r = add(clist, 0, 0, 0);
      if (r === -1) return true;
      ccount = r;
      for (let pos = 0; pos < len; pos++) {
        const c = s.charCodeAt(pos);
        stamp++;
        ncount = 0;
        for (let k = 0; k < ccount; k++) {
          const inst = prog[clist[k]] as { op: 'char'; test: CharTest };
          if (!inst.test(c)) continue;
          r = add(nlist, ncount, clist[k] + 1, pos + 1);
          if (r === -1) return true;
          ncount = r;
        }
        // Unanchored search: a new thread starts at every position (a leading ^ ends it at once).
        r = add(nlist, ncount, 0, pos + 1);
        if (r === -1) return true;
        ncount = r;
        [clist, nlist] = [nlist, clist];
        ccount = ncount;
      }
      return false;
    },
  };
}
