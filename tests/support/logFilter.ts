// Cloud Logging's query language, the part our log-based metrics use, evaluated against log
// entries: so that a test can prove each metric's filter matches the lines our functions write
// and no others. Supported: comparisons (= != < <= > >= and the "has" operator `:`, with `:*`
// for "the field exists"), AND, OR, NOT (and `-`), juxtaposition as AND, parentheses, dotted
// field paths, quoted and bare values, severity names in their order. Anything else is an error,
// never a silent non-match.

export interface LogEntry {
  severity: string;
  jsonPayload: Record<string, unknown>;
  resource: { type: string; labels: Record<string, string> };
}

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node }
  | { kind: 'cmp'; field: string[]; op: '=' | '!=' | '<' | '<=' | '>' | '>=' | ':'; value: string; quoted: boolean };

const SEVERITIES = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'];

type Token = { t: 'word' | 'string' | 'op' | '(' | ')'; v: string };

function tokenize(filter: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ t: c, v: c });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < filter.length && filter[j] !== '"') {
        if (filter[j] === '\\') j++;
        s += filter[j] ?? '';
        j++;
      }
      if (j >= filter.length) throw new Error(`Unterminated string in filter: ${filter}`);
      out.push({ t: 'string', v: s });
      i = j + 1;
    } else if ('=!<>:'.includes(c)) {
      const two = filter.slice(i, i + 2);
      const op = ['!=', '<=', '>='].includes(two) ? two : c;
      if (op === '!') throw new Error(`Unknown operator at ${i} in filter: ${filter}`);
      out.push({ t: 'op', v: op });
      i += op.length;
    } else {
      let j = i;
      while (j < filter.length && !/[\s()"=!<>:]/.test(filter[j]!)) j++;
      out.push({ t: 'word', v: filter.slice(i, j) });
      i = j;
    }
  }
  return out;
}

export function parseFilter(filter: string): Node {
  const tokens = tokenize(filter);
  let pos = 0;
  const peek = () => tokens[pos];
  const isKeyword = (k: string) => peek()?.t === 'word' && peek()!.v === k;

  function primary(): Node {
    const tok = peek();
    if (!tok) throw new Error(`Filter ends too early: ${filter}`);
    if (tok.t === '(') {
      pos++;
      const inner = or();
      if (peek()?.t !== ')') throw new Error(`Missing ) in filter: ${filter}`);
      pos++;
      return inner;
    }
    if (isKeyword('NOT')) {
      pos++;
      return { kind: 'not', inner: primary() };
    }
    if (tok.t === 'word' && tok.v.startsWith('-') && tok.v.length > 1) {
      tokens[pos] = { t: 'word', v: tok.v.slice(1) };
      return { kind: 'not', inner: primary() };
    }
    if (tok.t !== 'word') throw new Error(`Expected a field at "${tok.v}" in filter: ${filter}`);
    pos++;
    const op = peek();
    if (op?.t !== 'op') throw new Error(`Bare terms are not used in our filters ("${tok.v}"): ${filter}`);
    pos++;
    const value = peek();
    if (!value || (value.t !== 'word' && value.t !== 'string')) throw new Error(`Expected a value after ${tok.v}${op.v} in filter: ${filter}`);
    pos++;
    return { kind: 'cmp', field: tok.v.split('.'), op: op.v as Extract<Node, { kind: 'cmp' }>['op'], value: value.v, quoted: value.t === 'string' };
  }

  function and(): Node {
    let left = primary();
    while (peek() && peek()!.t !== ')' && !isKeyword('OR')) {
      if (isKeyword('AND')) pos++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  }

  function or(): Node {
    let left = and();
    while (isKeyword('OR')) {
      pos++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  }

  const tree = or();
  if (pos !== tokens.length) throw new Error(`Unexpected "${tokens[pos]!.v}" in filter: ${filter}`);
  return tree;
}

function valueAt(entry: LogEntry, path: string[]): unknown {
  let v: unknown = entry;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function compare(actual: unknown, node: Extract<Node, { kind: 'cmp' }>, isSeverity: boolean): boolean {
  if (node.op === ':' && node.value === '*' && !node.quoted) return actual !== undefined && actual !== null;
  if (actual === undefined || actual === null) return false;
  if (isSeverity) {
    const a = SEVERITIES.indexOf(String(actual).toUpperCase());
    const b = SEVERITIES.indexOf(node.value.toUpperCase());
    if (b < 0) throw new Error(`Unknown severity ${node.value}`);
    return order(a - b, node.op);
  }
  if (typeof actual === 'boolean') {
    if (node.value !== 'true' && node.value !== 'false') return false;
    const eq = actual === (node.value === 'true');
    return node.op === '=' || node.op === ':' ? eq : node.op === '!=' ? !eq : false;
  }
  if (typeof actual === 'number') {
    const b = Number(node.value);
    if (!Number.isFinite(b)) return false;
    return node.op === ':' ? actual === b : order(actual - b, node.op);
  }
  const a = String(actual);
  if (node.op === ':') return a.toLowerCase().includes(node.value.toLowerCase());
  return order(a < node.value ? -1 : a > node.value ? 1 : 0, node.op);
}

function order(diff: number, op: Extract<Node, { kind: 'cmp' }>['op']): boolean {
  switch (op) {
    case '=': case ':': return diff === 0;
    case '!=': return diff !== 0;
    case '<': return diff < 0;
    case '<=': return diff <= 0;
    case '>': return diff > 0;
    case '>=': return diff >= 0;
  }
}

function evaluate(node: Node, entry: LogEntry): boolean {
  switch (node.kind) {
    case 'and': return evaluate(node.left, entry) && evaluate(node.right, entry);
    case 'or': return evaluate(node.left, entry) || evaluate(node.right, entry);
    case 'not': return !evaluate(node.inner, entry);
    case 'cmp': {
      const actual = valueAt(entry, node.field);
      // A != on a missing field is true in Cloud Logging only when the field exists; keep it strict.
      if (node.op === '!=' && (actual === undefined || actual === null)) return false;
      return compare(actual, node, node.field.length === 1 && node.field[0] === 'severity');
    }
  }
}

export function matches(filter: string, entry: LogEntry): boolean {
  return evaluate(parseFilter(filter), entry);
}
