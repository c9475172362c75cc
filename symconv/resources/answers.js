/* symconv's answer grammar in the browser: the practice page reads, checks and diagnoses answers
 * as `symconv verify` does (symconv/answers/: names.py, parse.py, radicals.py, compare.py,
 * diagnose.py, read.py), with nothing evaluated and nothing typed written as markup.
 *
 * Exact numbers are fractions of BigInts; a polynomial is a Map from a monomial's key (its atoms'
 * keys, sorted) to [atoms, coefficient]. An atom is a symbol (the id the page's data gives every
 * entry of the problem) or, for LP pooling's roots, a radical: a polynomial base raised to a
 * rational exponent that is negative or not whole, in radicals.py's one form.
 *
 * tests/test_practice_js.py runs this file with node on a corpus of right, wrong and hostile
 * entries and answers, and requires the same readings, values, columns and messages as Python's.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.SymconvAnswers = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  // -- exact fractions --------------------------------------------------------------------------
  function gcd(a, b) {
    a = a < 0n ? -a : a; b = b < 0n ? -b : b;
    while (b) { const t = a % b; a = b; b = t; }
    return a;
  }
  function frac(n, d) {
    n = BigInt(n); d = d === undefined ? 1n : BigInt(d);
    if (d === 0n) throw new RangeError("division by zero");
    if (d < 0n) { n = -n; d = -d; }
    const g = gcd(n, d) || 1n;
    return [n / g, d / g];
  }
  const ZERO = frac(0), ONE = frac(1);
  const fadd = (a, b) => frac(a[0] * b[1] + b[0] * a[1], a[1] * b[1]);
  const fsub = (a, b) => frac(a[0] * b[1] - b[0] * a[1], a[1] * b[1]);
  const fmul = (a, b) => frac(a[0] * b[0], a[1] * b[1]);
  const fdiv = (a, b) => frac(a[0] * b[1], a[1] * b[0]);
  const fneg = (a) => [-a[0], a[1]];
  const fabs = (a) => [a[0] < 0n ? -a[0] : a[0], a[1]];
  const fcmp = (a, b) => { const d = a[0] * b[1] - b[0] * a[1]; return d < 0n ? -1 : d > 0n ? 1 : 0; };
  const fzero = (a) => a[0] === 0n;
  const fint = (a) => a[1] === 1n;
  function fpow(a, k) { let r = ONE; for (let i = 0; i < k; i++) r = fmul(r, a); return r; }
  function ftext(a) { return a[1] === 1n ? a[0].toString() : a[0] + "/" + a[1]; }
  function fparse(text) {  // "3", "-1/4" (the page's data)
    const [n, d] = String(text).split("/");
    return frac(BigInt(n), d === undefined ? 1n : BigInt(d));
  }
  function ffloat(a) { return Number(a[0]) / Number(a[1]); }
  function bitLength(n) { if (n < 0n) n = -n; return n === 0n ? 0 : n.toString(2).length; }
  /** The exact value of a decimal numeral: "1.5e-3" is 3/2000. */
  function decimalFraction(written) {
    const match = /^([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(written);
    const whole = match[1] || "", part = match[2] || "", exponent = Number(match[3] || 0);
    let value = frac(BigInt((whole + part) || "0"), 10n ** BigInt(part.length));
    const scale = 10n ** BigInt(Math.abs(exponent));
    return exponent >= 0 ? fmul(value, [scale, 1n]) : fdiv(value, [scale, 1n]);
  }

  // -- polynomials ---------------------------------------------------------------------------------
  // A symbol atom is a number (its id); a radical is {base: poly, exponent: frac, key}.
  function atomKey(atom) { return typeof atom === "number" ? "s" + String(atom).padStart(9, "0") : atom.key; }
  function monomialKey(atoms) { return atoms.map(atomKey).join(","); }
  function sortAtoms(atoms) { return atoms.slice().sort((a, b) => (atomKey(a) < atomKey(b) ? -1 : atomKey(a) > atomKey(b) ? 1 : 0)); }
  function polyOf(terms) {  // [[atoms, frac], ...] -> Map, like terms merged
    const poly = new Map();
    for (const [atoms, c] of terms) accumulate(poly, sortAtoms(atoms), c);
    return poly;
  }
  function accumulate(poly, atoms, c) {
    const key = monomialKey(atoms), found = poly.get(key);
    const total = found ? fadd(found[1], c) : c;
    if (fzero(total)) poly.delete(key); else poly.set(key, [atoms, total]);
  }
  const constant = (c) => (fzero(c) ? new Map() : new Map([["", [[], c]]]));
  const symbolPoly = (id) => new Map([[monomialKey([id]), [[id], ONE]]]);
  function padd(a, b) { const r = new Map(a); for (const [, [atoms, c]] of b) accumulate(r, atoms, c); return r; }
  function pneg(a) { const r = new Map(); for (const [k, [atoms, c]] of a) r.set(k, [atoms, fneg(c)]); return r; }
  function pmul(a, b) {
    const r = new Map();
    for (const [, [m1, c1]] of a) for (const [, [m2, c2]] of b) accumulate(r, sortAtoms(m1.concat(m2)), fmul(c1, c2));
    return r;
  }
  const isNumber = (p) => [...p.values()].every(([atoms]) => atoms.length === 0);
  const numberOf = (p) => (p.size ? [...p.values()][0][1] : ZERO);
  function pequal(a, b) {
    if (a.size !== b.size) return false;
    for (const [k, [, c]] of a) { const o = b.get(k); if (!o || fcmp(o[1], c) !== 0) return false; }
    return true;
  }
  function hasRadical(p) { for (const [, [atoms]] of p) if (atoms.some((a) => typeof a !== "number")) return true; return false; }
  /** A polynomial as the page's data writes it: [[coefficient, [atom, ...]], ...], an atom an id
   * or ["r", base, exponent]. */
  function polyFromData(data) {
    return polyOf(data.map(([c, atoms]) => [atoms.map(atomFromData), fparse(c)]));
  }
  function atomFromData(atom) { return typeof atom === "number" ? atom : radical(polyFromData(atom[1]), fparse(atom[2])); }

  // -- roots (symconv/core/radicals.py) -------------------------------------------------------------
  class RootError extends Error {}
  function polyKey(p) { return "(" + [...p.keys()].sort().map((k) => k + ":" + ftext(p.get(k)[1])).join(";") + ")"; }
  function radical(base, exponent) { return { base, exponent, key: "r" + polyKey(base) + "^" + ftext(exponent) }; }
  function integerRoot(n, q) {  // floor(n^(1/q)), Newton's method in integers
    if (n < 2n) return n;
    let x = 1n << BigInt(Math.ceil(n.toString(2).length / q));
    const Q = BigInt(q);
    for (;;) { const y = ((Q - 1n) * x + n / x ** (Q - 1n)) / Q; if (y >= x) return x; x = y; }
  }
  function exactRoot(value, q) {
    const roots = [integerRoot(value[0], q), integerRoot(value[1], q)];
    return roots[0] ** BigInt(q) === value[0] && roots[1] ** BigInt(q) === value[1] ? frac(roots[0], roots[1]) : null;
  }
  function numberPower(value, exponent) {
    if (fzero(value)) {
      if (exponent[0] < 0n) throw new RootError("division by zero (a zero raised to a negative power)");
      return constant(exponent[0] === 0n ? ONE : ZERO);
    }
    if (fint(exponent)) {
      const k = Number(exponent[0]);
      return constant(k >= 0 ? fpow(value, k) : fdiv(ONE, fpow(value, -k)));
    }
    if (value[0] < 0n) throw new RootError("a root of the negative number " + ftext(value) + " has no real value");
    const root = exactRoot(value, Number(exponent[1]));
    if (root) {
      const k = Number(exponent[0]);
      return constant(k >= 0 ? fpow(root, k) : fdiv(ONE, fpow(root, -k)));
    }
    return new Map([[monomialKey([radical(constant(value), exponent)]), [[radical(constant(value), exponent)], ONE]]]);
  }
  const radicalPoly = (r) => new Map([[monomialKey([r]), [[r], ONE]]]);
  function asPower(atom) {
    if (typeof atom === "number") return [symbolPoly(atom), ONE];
    return [atom.base, atom.exponent];
  }
  function power(base, exponent) {
    if (fint(exponent) && exponent[0] >= 0n) {
      let result = constant(ONE);
      for (let i = 0n; i < exponent[0]; i++) result = pmul(result, base);
      return simplify(result);
    }
    if (!base.size) throw new RootError(exponent[0] < 0n ? "division by zero" : "the power of zero");
    if (isNumber(base)) return numberPower(numberOf(base), exponent);
    if (base.size === 1) {
      const [[atoms, c]] = [...base.values()];
      let result = numberPower(c, exponent);
      for (const atom of atoms) {
        const [inner, innerExponent] = asPower(atom);
        result = pmul(result, radicalPoly(radical(inner, fmul(innerExponent, exponent))));
      }
      return simplify(result);
    }
    for (const [, [atoms]] of base) {
      if (atoms.some((a) => typeof a !== "number")) {
        throw new RootError("a root or division of a sum that itself has a root or a division is not"
          + " accepted; write e.g. X_00/(2*(X_00^2 + X_01^2)^(1/2))");
      }
    }
    let num = 0n, den = 1n;
    for (const [, [, c]] of base) {
      const n = c[0] < 0n ? -c[0] : c[0];
      num = gcd(num, n);
      den = den / gcd(den, c[1]) * c[1];
    }
    const content = frac(num, den);
    const primitive = new Map();
    for (const [k, [atoms, c]] of base) primitive.set(k, [atoms, fdiv(c, content)]);
    return simplify(pmul(numberPower(content, exponent), radicalPoly(radical(primitive, exponent))));
  }
  function simplify(poly) {
    if (!hasRadical(poly)) return poly;
    const parts = [];
    const kept = new Map();
    for (const [key, [atoms, c]] of poly) {
      if (isMerged(atoms)) { kept.set(key, [atoms, c]); continue; }
      const totals = new Map();
      for (const atom of atoms) {
        const [base, exponent] = asPower(atom);
        const k = polyKey(base);
        const entry = totals.get(k) || [base, ZERO];
        totals.set(k, [entry[0], fadd(entry[1], exponent)]);
      }
      let product = constant(c);
      for (const [base, exponent] of totals.values()) {
        if (fint(exponent) && exponent[0] >= 0n) {
          for (let i = 0n; i < exponent[0]; i++) product = pmul(product, base);
        } else if (isNumber(base)) {
          product = pmul(product, numberPower(numberOf(base), exponent));
        } else {
          product = pmul(product, radicalPoly(radical(base, exponent)));
        }
      }
      parts.push(product);
    }
    return parts.reduce(padd, kept);
  }
  function isMerged(atoms) {
    const radicals = atoms.filter((a) => typeof a !== "number");
    if (!radicals.length) return true;
    const bases = radicals.map((a) => polyKey(a.base));
    const symbolBases = new Set(atoms.filter((a) => typeof a === "number").map((a) => polyKey(symbolPoly(a))));
    return new Set(bases).size === bases.length && !bases.some((b) => symbolBases.has(b))
      && radicals.every((a) => a.exponent[1] > 1n || a.exponent[0] < 0n);
  }

  // -- names (symconv/answers/names.py) --------------------------------------------------------------
  const AMBIGUOUS = "ambiguous";
  const MAX_SPLIT_PARTS = 8;
  function canonical(identifier) { return identifier.replace(/[{} ]/g, "").replace(/,/g, "_"); }
  /** The page's name data: spellings (canonical spelling -> entry index, -1 for ambiguous),
   * entries ([id] a symbol, [null, "3"] a number), display names by id, the tensors' prefixes and
   * ranges, and describe() written by Python. */
  class NameTable {
    constructor(data, symbols) {
      this.data = data;
      this.symbols = symbols;
      this.longest = Math.max(0, ...Object.keys(data.spellings).map((s) => s.length));
    }
    lookup(spelling) {
      if (!Object.prototype.hasOwnProperty.call(this.data.spellings, spelling)) return undefined;
      const index = this.data.spellings[spelling];
      if (index < 0) return AMBIGUOUS;
      const entry = this.data.entries[index];
      return entry[0] === null ? { number: fparse(entry[1]) } : { symbol: entry[0] };
    }
    known(spelling) { const e = this.lookup(spelling); return e !== undefined && e !== AMBIGUOUS; }
    split(spelling) {
      const ways = [[[]]];
      for (let end = 1; end <= spelling.length; end++) {
        ways.push([]);
        for (let start = Math.max(0, end - this.longest); start < end; start++) {
          const part = spelling.slice(start, end);
          if (ways[start].length && this.known(part)) {
            for (const way of ways[start]) if (way.length < MAX_SPLIT_PARTS) ways[end].push(way.concat([part]));
          }
        }
        ways[end] = ways[end].slice(0, 2);
      }
      return ways[spelling.length].filter((w) => w.length > 1);
    }
    display(spelling) { const d = this.data.display[spelling]; return d === undefined ? spelling : d; }
    describe() { return this.data.describe; }
    rightForm() { return this.data.right_form; }
    suggestion(spelling) {
      for (const tensor of this.data.tensors) if (spelling.startsWith(tensor.prefix)) return tensor.name + " runs " + tensor.range;
      return "names here: " + this.describe();
    }
  }

  // -- the entry grammar (symconv/answers/parse.py) ----------------------------------------------------
  const LIMITS = { entryChars: 2000, depth: 40, exponent: 8, degree: 16, terms: 20000, digits: 40, coefficientBits: 4096 };
  const SYMPY_NAMES = new Set(["E", "I", "N", "S", "O", "Q", "pi", "oo", "zoo"]);
  const NOT_NUMBERS = new Set(["nan", "inf", "infinity"]);
  const SYMBOL_OPS = { "+": "+", "-": "-", "\u2212": "-", "*": "*", "\u00b7": "*", "\u22c5": "*", "\u00d7": "*", "/": "/", "^": "^", "(": "(", ")": ")", "{": "{", "}": "}" };
  const LATEX_OPS = { cdot: "*", times: "*", ast: "*", frac: "frac", dfrac: "frac", tfrac: "frac" };
  const NUMBER = /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
  const IDENT_SOURCE = "[A-Za-z][A-Za-z0-9]*(?:_(?:[A-Za-z0-9]+|\\{[A-Za-z0-9,\\s]*\\}))*";
  const IDENT = new RegExp(IDENT_SOURCE, "y");
  const SPACING = /\\(?:[,;:! ]|quad|qquad)/y;
  const BRACELESS_DIGIT = /\s*([0-9])/y;

  class EntryError extends Error {
    constructor(message, column, unknownName) {
      super(message + " (at character " + column + ")");
      this.column = column;
      this.unknownName = !!unknownName;
    }
  }
  // Python's str.isspace and str.isprintable, for the same tokens and messages
  function isSpace(c) { return (/\s/.test(c) && c !== "\ufeff") || /[\x1c-\x1f\x85]/.test(c); }
  function isPrintable(c) { return c === " " || !/[\p{C}\p{Z}]/u.test(c); }
  /** Python's repr() of a string, for messages that quote what was written. */
  function pyRepr(text) {
    const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
    let out = quote;
    for (const c of text) {
      if (c === quote || c === "\\") out += "\\" + c;
      else if (c === "\n") out += "\\n";
      else if (c === "\t") out += "\\t";
      else if (c === "\r") out += "\\r";
      else if (!isPrintable(c)) {
        const code = c.codePointAt(0);
        out += code < 0x100 ? "\\x" + code.toString(16).padStart(2, "0")
          : code < 0x10000 ? "\\u" + code.toString(16).padStart(4, "0") : "\\U" + code.toString(16).padStart(8, "0");
      } else out += c;
    }
    return out + quote;
  }
  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  /** Python's text[:n] in code points, for messages. */
  function headOf(text, n) { return Array.from(text).slice(0, n).join(""); }
  function codePoints(text) { return Array.from(text).length; }

  class Tokenizer {
    constructor(text, names, loss, radicals) {
      this.text = text; this.names = names; this.loss = loss; this.radicals = radicals;
      this.tokens = []; this.readings = []; this.inexact = false;
      const d = "(?:\\\\partial\\s*|∂\\s*|d)", l = escapeRegExp(loss);
      this.derivatives = [
        new RegExp("\\\\[dt]?frac\\s*\\{\\s*" + d + l + "\\s*\\}\\s*\\{\\s*" + d + "\\s*(" + IDENT_SOURCE + ")\\s*\\}", "y"),
        new RegExp(d + l + "\\s*/\\s*" + d + "\\s*(" + IDENT_SOURCE + ")", "y"),
      ];
    }
    column(i) { return codePoints(this.text.slice(0, i)) + 1; }  // Python counts code points
    fail(message, i, unknown) { throw new EntryError(message, this.column(i), unknown); }
    run() {
      const text = this.text;
      let i = 0;
      while (i < text.length) {
        const c = text[i];
        if (isSpace(c) || c === "$") { i += 1; continue; }
        const derivative = "\\∂d".includes(c) ? this.derivative(i) : null;
        if (derivative) {
          this.name("d" + this.loss + "_d" + canonical(derivative[1]), derivative[0], i);
          i += derivative[0].length;
        } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] || ""))) {
          i = this.number(i);
        } else if (/[A-Za-z]/.test(c)) {
          IDENT.lastIndex = i;
          const written = IDENT.exec(text)[0];
          i = this.identifier(written, i, i + written.length);
        } else if (text.startsWith("**", i)) {
          this.tokens.push(["op", "^", this.column(i)]);
          i += 2;
        } else if (Object.prototype.hasOwnProperty.call(SYMBOL_OPS, c)) {
          const kind = SYMBOL_OPS[c];
          this.tokens.push("+-*/^".includes(kind) ? ["op", kind, this.column(i)] : [kind, null, this.column(i)]);
          i += 1;
        } else if (c === "\\") {
          i = this.latex(i);
        } else {
          this.fail(this.unexpected(i), i);
        }
      }
      this.tokens.push(["end", null, codePoints(text) + 1]);
      return this.tokens;
    }
    derivative(i) {
      for (const pattern of this.derivatives) {
        pattern.lastIndex = i;
        const match = pattern.exec(this.text);
        if (match) return match;
      }
      return null;
    }
    number(i) {
      NUMBER.lastIndex = i;
      const written = NUMBER.exec(this.text)[0];
      const lower = written.toLowerCase(), e = lower.indexOf("e");
      const mantissa = e < 0 ? lower : lower.slice(0, e), exponent = e < 0 ? "" : lower.slice(e + 1);
      const digits = (mantissa.match(/[0-9]/g) || []).length;
      if (digits > LIMITS.digits) {
        this.fail("a number with " + digits + " digits is over the limit of " + LIMITS.digits
          + "; write it as a fraction or decimal, e.g. 1/3 or 0.3333", i);
      }
      if (exponent && Math.abs(Number(exponent)) > 30) this.fail("the number " + pyRepr(written) + " has an exponent over 30; write it plainly", i);
      const end = i + written.length;
      const follower = this.text.slice(end, end + 1);
      if ("OolI".includes(follower) && follower && this.names.lookup(follower) === undefined) {
        const guess = written + ("Oo".includes(follower) ? "0" : "1");
        throw new EntryError(pyRepr(written + follower) + " looks like a misread number (the letter "
          + pyRepr(follower) + " after a digit); did you mean " + guess + "?", this.column(end));
      }
      if (follower === ".") {
        throw new EntryError("'.' is not allowed here; write decimals as 0.5 (one point per number)", this.column(end));
      }
      if (written.includes(".") || exponent) this.inexact = true;
      this.tokens.push(["num", decimalFraction(written), this.column(i)]);
      return end;
    }
    identifier(written, start, end) {
      const call = this.text.slice(end).replace(/^\s+/, "").startsWith("(");
      if (this.radicals && written === "sqrt" && this.names.lookup(written) === undefined) {
        this.tokens.push(["sqrt", 2, this.column(start)]);
        return end;
      }
      this.name(canonical(written), written, start, call);
      return end;
    }
    name(spelling, written, start, call) {
      const column = this.column(start);
      const entry = this.names.lookup(spelling);
      if (entry === AMBIGUOUS) {
        throw new EntryError(pyRepr(headOf(written, 30)) + " names more than one entry here; write it with"
          + " underscores, e.g. " + this.names.describe(), column);
      }
      if (entry !== undefined) { this.tokens.push(["name", entry, column]); return; }
      const ways = this.names.split(spelling);
      if (ways.length === 1) {
        this.readings.push([written, ways[0]]);
        for (const part of ways[0]) this.tokens.push(["name", this.names.lookup(part), column]);
        return;
      }
      const shown = codePoints(written) <= 30 ? written : headOf(written, 30) + "…";
      if (ways.length > 1) {
        throw new EntryError(pyRepr(shown) + " can be read as " + ways.map((w) => w.join("·")).join(" or ")
          + "; separate the names with * or a space", column);
      }
      throw new EntryError(this.unknown(spelling, shown, call), column, !call);
    }
    unknown(spelling, written, call) {
      if (NOT_NUMBERS.has(written.toLowerCase())) return pyRepr(written) + " is not a number symconv accepts; write a finite number such as 0.5";
      if (call && this.radicals) return "function calls such as " + written + "(...) are not allowed, only sqrt(...); e.g. X_00/(2*sqrt(X_00^2 + X_01^2))";
      if (call) return "function calls such as " + written + "(...) are not allowed; write a polynomial, " + this.names.rightForm();
      if (/^[lIO][0-9]+$/.test(written)) return "unknown name " + pyRepr(written) + ": did you mean the number " + ({ l: "1", I: "1", O: "0" })[written[0]] + written.slice(1) + "?";
      if (SYMPY_NAMES.has(written)) {
        return "unknown name " + pyRepr(written) + ": symconv knows no constants such as E or I, only the problem's names ("
          + this.names.describe() + ") and numbers";
      }
      return "unknown name " + pyRepr(written) + "; " + this.names.suggestion(spelling);
    }
    latex(i) {
      SPACING.lastIndex = i;
      const spacing = SPACING.exec(this.text);
      if (spacing) return i + spacing[0].length;
      const command = /^\\([A-Za-z]+)/.exec(this.text.slice(i, i + 40));
      if (!command) this.fail(this.unexpected(i), i);
      const name = command[1];
      const end = i + command[0].length;
      if (name === "sqrt" && this.radicals) {
        const order = /^\s*\[\s*([2-9])\s*\]/.exec(this.text.slice(end, end + 12));
        this.tokens.push(["sqrt", order ? Number(order[1]) : 2, this.column(i)]);
        return end + (order ? order[0].length : 0);
      }
      if (Object.prototype.hasOwnProperty.call(LATEX_OPS, name)) {
        const kind = LATEX_OPS[name];
        this.tokens.push(kind === "*" ? ["op", kind, this.column(i)] : ["frac", null, this.column(i)]);
        return kind === "*" ? end : this.bracelessArguments(end);
      }
      if (name === "left" || name === "right") {
        const rest = this.text.slice(end).replace(/^\s+/, "");
        const bracket = rest.slice(0, 1);
        if ((name === "left" && bracket === "(") || (name === "right" && bracket === ")")) {
          this.tokens.push([bracket, null, this.column(i)]);
          return this.text.length - rest.length + 1;
        }
        this.fail("only \\left( and \\right) are accepted here, got \\" + name + bracket, i);
      }
      return this.fail("the LaTeX command \\" + name + " is not accepted here; use + - \\cdot \\frac{}{} ( ) ^ and names, " + this.names.rightForm(), i);
    }
    bracelessArguments(at) {
      for (let k = 0; k < 2; k++) {
        BRACELESS_DIGIT.lastIndex = at;
        const digit = BRACELESS_DIGIT.exec(this.text);
        if (!digit) break;
        const column = this.column(at + digit[0].length - 1);
        this.tokens.push(["{", null, column], ["num", frac(Number(digit[1])), column], ["}", null, column]);
        at += digit[0].length;
      }
      return at;
    }
    unexpected(i) {
      const text = this.text;
      for (const [sequence, message] of [["__", "'__' is not allowed"], ["==", "'==' is not allowed"], ["\\\\", "'\\\\' ends a row; it cannot be inside an entry"]]) {
        if (text.startsWith(sequence, i)) return message + "; write only the value, " + this.names.rightForm();
      }
      const c = String.fromCodePoint(text.codePointAt(i));
      if ("<>=".includes(c)) return "comparisons and '=' are not allowed (" + pyRepr(c) + "); write only the value, " + this.names.rightForm();
      if ("[]".includes(c)) return "brackets " + pyRepr(c) + " are not allowed inside an entry; use ( )";
      if (c === ".") return "'.' is not allowed here; write decimals as 0.5";
      if (c === "_") return "'_' must follow a name and come before its index, e.g. B_11";
      const shown = isPrintable(c) ? c : "";
      const code = c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
      return ("unexpected character " + pyRepr(shown) + " (U+" + code + "); write numbers, names and + - * / ^ ( ), " + this.names.rightForm()).replace("'' ", "");
    }
  }

  function node(kind, column, degree, terms, bits, value, children) {
    return { kind, column, degree, terms, bits, value, children: children || [] };
  }
  function numberBits(f) { return bitLength(f[0]) + bitLength(f[1]); }

  class Parser {
    constructor(tokens, radicals, rightForm) {
      this.tokens = tokens; this.radicals = radicals; this.rightForm = rightForm; this.at = 0; this.depth = 0;
    }
    peek() { return this.tokens[this.at]; }
    take() { return this.tokens[this.at++]; }
    isOp(...ops) { const [kind, value] = this.peek(); return kind === "op" && ops.includes(value); }
    expect(kind, what) {
      const token = this.take();
      if (token[0] !== kind) throw new EntryError("expected " + what + " here, found " + this.describe(token), token[2]);
      return token;
    }
    describe(token) {
      const [kind, value] = token;
      if (kind === "end") return "the end of the entry";
      if (kind === "op") return pyRepr(value);
      return ({ num: "a number", name: "a name", frac: "\\frac" })[kind] || pyRepr(kind);
    }
    enter(column) {
      this.depth += 1;
      if (this.depth > LIMITS.depth) {
        throw new EntryError("nested more than " + LIMITS.depth + " levels deep (parentheses, fractions, signs); write it flatter, e.g. 2*(d1 + d3)", column);
      }
    }
    check(n) {
      for (const [size, limit, what] of [[n.degree, LIMITS.degree, "degree"], [n.terms, LIMITS.terms, "number of terms"], [n.bits, LIMITS.coefficientBits, "coefficient size (bits)"]]) {
        if (size > limit) {
          throw new EntryError("this expression is too large: its " + what + " could reach " + grouped(size) + ", over the limit of "
            + grouped(limit) + "; write the expanded sum, e.g. d1*w2 + d2*w1", n.column);
        }
      }
      return n;
    }
    entry() {
      if (this.peek()[0] === "end") throw new EntryError("the entry is empty; write 0 for a zero entry, " + this.rightForm, 1);
      const n = this.sum();
      const token = this.peek();
      if (token[0] !== "end") {
        if (token[0] === ")" || token[0] === "}") {
          throw new EntryError("unbalanced parentheses: " + pyRepr(token[0]) + " without a matching opening one; e.g. 2*(d1 + d3)", token[2]);
        }
        throw new EntryError("unexpected " + this.describe(token) + "; is an operator missing?", token[2]);
      }
      return n;
    }
    sum() {
      const column = this.peek()[2];
      const items = [this.signed()];
      while (this.isOp("+", "-")) {
        const op = this.take();
        const item = this.signed();
        items.push(op[1] === "-" ? this.neg(item) : item);
      }
      if (items.length === 1) return items[0];
      return this.check(node("sum", column, Math.max(...items.map((n) => n.degree)), items.reduce((s, n) => s + n.terms, 0),
        Math.max(...items.map((n) => n.bits)) + items.length.toString(2).length, null, items));
    }
    neg(n) { return node("neg", n.column, n.degree, n.terms, n.bits, null, [n]); }
    signed() {
      let negative = false;
      while (this.isOp("+", "-")) negative = negative !== (this.take()[1] === "-");
      const n = this.product();
      return negative ? this.neg(n) : n;
    }
    product() {
      const column = this.peek()[2];
      const factors = [[this.power(), false]];
      for (;;) {
        const kind = this.peek()[0];
        const divide = this.isOp("/");
        let factor;
        if (divide || this.isOp("*")) { this.take(); factor = this.powerSigned(); }
        else if (["name", "(", "{", "frac", "sqrt"].includes(kind)) factor = this.power();
        else if (kind === "num") throw new EntryError("a number right after another factor; put * or + between them", this.peek()[2]);
        else break;
        factors.push([factor, divide]);
      }
      return factors.length === 1 ? factors[0][0] : this.quotient(factors, column);
    }
    powerSigned() {
      if (this.isOp("+", "-")) {
        this.enter(this.peek()[2]);
        const negative = this.take()[1] === "-";
        const n = this.powerSigned();
        this.depth -= 1;
        return negative ? this.neg(n) : n;
      }
      return this.power();
    }
    quotient(factors, column) {
      for (const [n, divide] of factors) {
        if (divide && n.degree && !this.radicals) {
          throw new EntryError("only division by a number is accepted (a gradient of a convolution is a polynomial); e.g. d1/4", n.column);
        }
      }
      let terms = 1;
      for (const [n, divide] of factors) { terms *= divide ? 1 : n.terms; if (terms > LIMITS.terms) break; }
      return this.check(node("product", column, factors.reduce((s, [n]) => s + n.degree, 0), terms,
        factors.reduce((s, [n]) => s + n.bits, 0), null, factors));
    }
    power() {
      const base = this.atom();
      if (!this.isOp("^")) return base;
      const caret = this.take();
      const exponent = this.exponent(caret[2]);
      if (this.isOp("^")) throw new EntryError("two powers in a row; add parentheses, e.g. (d1^2)^2", this.peek()[2]);
      return this.raised(base, exponent);
    }
    raised(base, exponent) {
      const n = exponent[0] < 0n ? -exponent[0] : exponent[0];
      const whole = Number((n + exponent[1] - 1n) / exponent[1]);
      return this.check(node("power", base.column, base.degree * whole, base.terms ** whole, base.bits * whole, exponent, [base]));
    }
    exponent(column) {
      const close = ({ "(": ")", "{": "}" })[this.peek()[0]];
      if (close) this.take();
      const negative = this.radicals && this.isOp("-") && this.take() !== undefined;
      const token = this.take();
      let value = token[0] === "num" ? token[1] : null;
      if (this.radicals && close && token[0] === "num" && this.isOp("/")) {
        this.take();
        const denominator = this.take();
        value = denominator[0] !== "num" || !fint(denominator[1]) || fzero(denominator[1]) ? null : fdiv(value, denominator[1]);
      }
      const limit = LIMITS.exponent;
      if (token[0] !== "num" || value === null || value[0] < 0n || fcmp(value, frac(limit)) > 0
          || !(value[1] === 1n || (this.radicals && value[1] <= BigInt(limit)))) {
        const allowed = this.radicals
          ? "a whole number or fraction from -" + limit + " to " + limit + ", e.g. d1^2 or (X_00^2 + X_01^2)^(-1/2)"
          : "a whole number from 0 to " + limit + ", e.g. d1^2";
        throw new EntryError("an exponent must be " + allowed, token[0] !== "end" ? token[2] : column);
      }
      if (close) this.expect(close, pyRepr(close));
      return negative ? fneg(value) : value;
    }
    atom() {
      const token = this.take();
      const [kind, value, column] = token;
      if (kind === "num") return node("num", column, 0, 1, numberBits(value), value);
      if (kind === "name") {
        if (value.symbol !== undefined) return node("name", column, 1, 1, 1, value.symbol);
        return node("num", column, 0, 1, numberBits(value.number), value.number);
      }
      if (kind === "(" || kind === "{") {
        this.enter(column);
        const n = this.sum();
        const close = kind === "(" ? ")" : "}";
        if (this.peek()[0] !== close) {
          throw new EntryError("unbalanced parentheses: " + pyRepr(kind) + " at character " + column + " is not closed; e.g. 2*(d1 + d3)", this.peek()[2]);
        }
        this.take();
        this.depth -= 1;
        n.column = column;
        return n;
      }
      if (kind === "sqrt") {
        if (!["(", "{"].includes(this.peek()[0])) throw new EntryError("expected ( or { after the root, e.g. \\sqrt{X_00^2 + X_01^2}", this.peek()[2]);
        return this.raised(this.atom(), frac(1, value));
      }
      if (kind === "frac") {
        this.enter(column);
        const parts = [];
        for (const which of ["numerator", "denominator"]) {
          this.expect("{", "{ after \\frac (\\frac{1}{4})");
          parts.push(this.sum());
          this.expect("}", "} closing the " + which + " of \\frac");
        }
        this.depth -= 1;
        return this.quotient([[parts[0], false], [parts[1], true]], column);
      }
      throw new EntryError("expected a number, a name or '(' here, found " + this.describe(token), column);
    }
  }
  function grouped(n) { return Number.isFinite(n) ? BigInt(Math.round(n)).toLocaleString("en-US") : String(n); }

  function evaluate(n) {
    try { return evaluateNode(n); } catch (error) {
      if (error instanceof RootError) throw new EntryError(error.message, n.column);
      throw error;
    }
  }
  function evaluateNode(n) {
    switch (n.kind) {
      case "num": return constant(n.value);
      case "name": return symbolPoly(n.value);
      case "neg": return pneg(evaluate(n.children[0]));
      case "sum": return simplify(n.children.map(evaluate).reduce(padd, new Map()));
      case "product": {
        let result = constant(ONE);
        for (const [child, divide] of n.children) {
          let value = evaluate(child);
          if (divide) {
            if (!value.size) throw new EntryError("division by zero; divide by a nonzero number, e.g. d1/4", child.column);
            value = isNumber(value) ? constant(fdiv(ONE, numberOf(value))) : power(value, frac(-1));
          }
          result = pmul(result, value);
        }
        return simplify(result);
      }
      default: {  // power
        const base = evaluate(n.children[0]);
        if (n.value[1] === 1n && n.value[0] >= 0n) {
          let result = constant(ONE);
          for (let i = 0n; i < n.value[0]; i++) result = pmul(result, base);
          return result;
        }
        return power(base, n.value);
      }
    }
  }

  /** One entry as an exact polynomial over the problem's entries (parse.py's parse_entry):
   * {value, inexact, readings}; an unreadable entry throws an EntryError with the column. */
  function parseEntry(text, names, options) {
    const loss = (options && options.loss) || "L", radicals = !!(options && options.radicals);
    const length = codePoints(text);
    if (length > LIMITS.entryChars) throw new EntryError("the entry has " + grouped(length) + " characters, over the limit of " + grouped(LIMITS.entryChars), 1);
    const tokenizer = new Tokenizer(text, names, loss, radicals);
    const tokens = tokenizer.run();
    const tree = new Parser(tokens, radicals, names.rightForm()).entry();
    return { value: evaluate(tree), inexact: tokenizer.inexact, readings: tokenizer.readings };
  }

  // -- comparing (compare.py, roots.py) and diagnosing (diagnose.py) -------------------------------------
  const POINTS = 6;
  function close(tolerance, given, expected) {
    return fcmp(fabs(fsub(given, expected)), fadd(tolerance.atol, fmul(tolerance.rtol, fabs(expected)))) <= 0;
  }
  /** Whether ``given`` (a parsed entry) is ``expected`` (a polynomial), and how they differ. */
  function compare(given, expected, tolerance, sampler) {
    if (sampler) return sampler(given, expected, tolerance);
    let correct;
    if (!given.inexact) correct = pequal(given.value, expected);
    else {
      correct = true;
      for (const key of new Set([...given.value.keys(), ...expected.keys()])) {
        const g = given.value.get(key), e = expected.get(key);
        if (!close(tolerance, g ? g[1] : ZERO, e ? e[1] : ZERO)) { correct = false; break; }
      }
    }
    return { correct, expected, differences: () => differences(given, expected, tolerance) };
  }
  function differences(given, expected, tolerance) {
    const missing = [], extra = [], coefficients = [];
    const keys = [...new Set([...given.value.keys(), ...expected.keys()])].sort((a, b) => (!a - !b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const key of keys) {
      const g = given.value.get(key), e = expected.get(key);
      const gc = g ? g[1] : ZERO, ec = e ? e[1] : ZERO, atoms = (g || e)[0];
      if (fcmp(gc, ec) === 0 || (given.inexact && close(tolerance, gc, ec))) continue;
      if (fzero(gc)) missing.push([atoms, ec]);
      else if (fzero(ec)) extra.push([atoms, gc]);
      else coefficients.push([atoms, gc, ec]);
    }
    return { missing, extra, coefficients };
  }
  /** roots.py's comparison, at random points of this page: equal forms are right, forms that
   * differ by a polynomial are wrong, anything else is evaluated at POINTS points. */
  function rootSampler(seed) {
    const points = [];
    let state = BigInt(seed) & 0xffffffffffffn;
    function next() { state = (state * 0x5deece66dn + 0xbn) & 0xffffffffffffn; return Number(state >> 17n); }
    for (let k = 0; k < POINTS; k++) points.push(new Map());
    function value(k, id) {
      if (!points[k].has(id)) points[k].set(id, (1 + (next() % 1048576)) / 1024);
      return points[k].get(id);
    }
    function at(poly, k) {
      let total = 0, size = 0;
      for (const [, [atoms, c]] of poly) {
        let term = ffloat(c);
        for (const atom of atoms) {
          if (typeof atom === "number") term *= value(k, atom);
          else {
            const base = at(atom.base, k)[0];
            if (base <= 0 && atom.exponent[1] > 1n) return [NaN, NaN];
            term *= Math.pow(base, ffloat(atom.exponent));
          }
        }
        total += term; size += Math.abs(term);
      }
      return [total, size];
    }
    return function (given, expected, tolerance) {
      if (!given.inexact && pequal(given.value, expected)) return { correct: true, expected, sampled: false };
      const difference = padd(given.value, pneg(expected));
      if (!given.inexact && !hasRadical(difference)) return { correct: false, expected, sampled: false };
      for (let k = 0; k < POINTS; k++) {
        let agree;
        if (given.inexact) {
          const g = at(given.value, k)[0], e = at(expected, k)[0];
          agree = Math.abs(g - e) <= ffloat(tolerance.atol) + ffloat(tolerance.rtol) * Math.abs(e);
        } else {
          const [total, size] = at(difference, k);
          agree = Math.abs(total) <= 1e-9 * Math.max(size, 1e-300);
        }
        if (!agree) return { correct: false, expected, sampled: true };
      }
      return { correct: true, expected, sampled: true };
    };
  }
  function bestComparison(given, forms, tolerance, sampler) {
    const results = forms.map((form) => compare(given, form, tolerance, sampler));
    const right = results.find((r) => r.correct);
    if (right) return right;
    if (!results[0].differences) return results[0];
    const count = (r) => { const d = r.differences(); return d.missing.length + d.extra.length + d.coefficients.length; };
    return results.reduce((best, r) => (count(r) < count(best) ? r : best));
  }
  /** The mistake that explains the answer best (diagnose.py): the whole answer, or at least two
   * of the wrong entries and two thirds of them. ``given``: parsed entries (null: unreadable). */
  function diagnose(given, comparisons, mistakes, tolerance, sampler) {
    const wrong = [], right = [];
    comparisons.forEach((c, i) => (c.correct ? right : wrong).push(i));
    if (!wrong.length) return null;
    let best = null;
    for (const mistake of mistakes) {
      const matches = (i) => given[i] !== null && compare(given[i], mistake.values[i], tolerance, sampler).correct;
      const explained = wrong.filter(matches).length;
      const whole = explained === wrong.length && right.every(matches);
      if (whole || (explained >= 2 && 3 * explained >= 2 * wrong.length)) {
        if (best === null || (whole && !best.whole) || (whole === best.whole && explained > best.explained)) {
          best = { mistake, explained, wrong: wrong.length, whole };
        }
      }
    }
    return best;
  }

  // -- how the feedback writes terms (feedback.py) -----------------------------------------------------
  function decimalText(f) {
    let d = f[1], twos = 0, fives = 0;
    while (d % 2n === 0n) { d /= 2n; twos++; }
    while (d % 5n === 0n) { d /= 5n; fives++; }
    if (d !== 1n) return null;
    const digits = Math.max(twos, fives);
    const n = f[0] < 0n ? -f[0] : f[0];
    const text = (n * 10n ** BigInt(digits) / f[1]).toString().padStart(digits + 1, "0");
    const whole = text.slice(0, text.length - digits) || "0", part = text.slice(text.length - digits);
    return (f[0] < 0n ? "-" : "") + whole + (part ? "." + part : "");
  }
  function monomialText(atoms, symbols) {
    const parts = [];
    for (let i = 0; i < atoms.length;) {
      let j = i;
      while (j < atoms.length && atomKey(atoms[j]) === atomKey(atoms[i])) j++;
      const name = typeof atoms[i] === "number" ? symbols[atoms[i]] : "(root)";
      parts.push(j - i === 1 ? name : name + "^" + (j - i));
      i = j;
    }
    return parts.join("·");
  }
  function termText(atoms, c, symbols) {
    const sign = c[0] < 0n ? "\u2212" : "", a = fabs(c), has = atoms.length > 0;
    const coefficient = has && fcmp(a, ONE) === 0 ? "" : ftext(a) + (has ? "·" : "");
    return sign + coefficient + monomialText(atoms, symbols);
  }
  /** ``missing B_13; extra d2·w3; coefficient of d1·w2 is 3, expected 1`` (feedback.py's). */
  function differencesText(d, symbols, decimals) {
    const parts = [];
    if (d.missing.length) parts.push("missing " + d.missing.map(([m, c]) => termText(m, c, symbols)).join(", "));
    if (d.extra.length) parts.push("extra " + d.extra.map(([m, c]) => termText(m, c, symbols)).join(", "));
    for (const [m, g, e] of d.coefficients) {
      const written = decimals ? decimalText(g) : null;
      parts.push("coefficient of " + (monomialText(m, symbols) || "the constant") + " is " + (written || ftext(g)) + ", expected " + ftext(e));
    }
    return parts.join("; ");
  }

  // -- whole answers as pasted (read.py), read into rows of entry texts -------------------------------------
  const LABEL = /^[ \t]*(?:Out\s*\[\s*\d+\s*\]\s*:|[A-Za-z∂\\][^=\n|(\[,;]{0,60}?[ \t]{0,8}:?=(?!=))/;
  const PROMPT = /^[ \t]*(?:>>>|In\s*\[\s*\d+\s*\]\s*:)[^\n]*/;
  const WRAPPER = /^(?:(?:np|numpy)\.)?array\s*\(|^(?:torch\.)?tensor\s*\(|^(?:(?:sympy|sp)\.)?(?:Immutable)?Matrix\s*\(/;
  const KEYWORDS = /^(?:\s*,\s*[A-Za-z_]\w*\s*=\s*(?:<[^<>\n]{0,80}>|\([^()\n]{0,80}\)|'[^'\n]{0,80}'|"[^"\n]{0,80}"|[\w.+-]{1,80}))*\s*(?:,\s*)?\)\s*$/;
  const BINARY_START = ["+", "*", "/", "^", ")", "}", "·", "×", "\\cdot", "\\times"];
  const BINARY_END = ["+", "-", "−", "*", "/", "^", "(", "{", "·", "×", "\\cdot", "\\times"];
  class ReadError extends Error {}
  function depthSplit(text, separators) {
    const parts = [];
    let depth = 0, start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === "(" || c === "{") depth++;
      else if (c === ")" || c === "}") depth--;
      else if (depth === 0 && separators.includes(c)) { parts.push(text.slice(start, i)); start = i + 1; }
    }
    parts.push(text.slice(start));
    return parts;
  }
  function spaceEntries(line) {
    const entries = [];
    for (const chunk of depthSplit(line, " \t\n")) {
      if (!chunk) continue;
      const last = entries[entries.length - 1];
      if (last !== undefined && (BINARY_END.some((e) => last.endsWith(e)) || BINARY_START.some((s) => chunk.startsWith(s)) || chunk === "-" || chunk === "−")) {
        entries[entries.length - 1] = last + " " + chunk;
      } else entries.push(chunk);
    }
    return entries;
  }
  function outsideGroups(text) {
    let depth = 0, kept = "";
    for (const c of text) {
      if (c === "(" || c === "{") depth++;
      else if (c === ")" || c === "}") depth--;
      else if (depth === 0) kept += c;
    }
    return kept;
  }
  function withoutQuotes(text) {
    let out = "", quote = null, escaped = false;
    for (const c of text) {
      if (quote) {
        if (escaped) { escaped = false; out += "_"; } else if (c === "\\") { escaped = true; out += "_"; } else if (c === quote) { quote = null; out += c; } else out += "_".repeat(c.length);
      } else { if (c === "'" || c === '"') quote = c; out += c; }
    }
    return out;
  }
  function unquote(text) {
    if (text.length >= 2 && (text[0] === "'" || text[0] === '"') && text[text.length - 1] === text[0]) return text.slice(1, -1).replace(/\\([\\'"])/g, "$1");
    return text.split(/\s+/).filter(Boolean).join(" ");
  }
  /** The entries of a pasted answer as rows of texts, in the formats `symconv verify` reads
   * (read.py): LaTeX matrices, Markdown tables, lists (JSON, Python, NumPy, MATLAB, inside
   * array(…), tensor(…), Matrix(…)), grids; labels and prompts skipped. Throws ReadError. */
  function readAnswer(text) {
    if (!text.trim()) throw new ReadError("the answer is empty");
    const begin = /\\begin\s*\{\s*(bmatrix|pmatrix|matrix|array)\s*\}/.exec(text);
    if (begin) {
      let start = begin.index + begin[0].length;
      if (begin[1] === "array") { const spec = /^\s*\{[^{}]*\}/.exec(text.slice(start)); start += spec ? spec[0].length : 0; }
      const end = new RegExp("\\\\end\\s*\\{\\s*" + begin[1] + "\\s*\\}").exec(text.slice(start));
      if (!end) throw new ReadError("\\begin{" + begin[1] + "} has no \\end{" + begin[1] + "}");
      return grid(text.slice(start, start + end.index).replace(/\\hline|\\hdashline|\\cline\s*\{[^{}]*\}/g, " "), "\t,&");
    }
    const lines = text.split("\n");
    if (lines.some((line) => line.trimStart().startsWith("|"))) return markdown(lines);
    let body = text.replace(/^(?:[ \t]*\n|[ \t]*(?:>>>|In\s*\[\s*\d+\s*\]\s*:)[^\n]*\n?)*/, "");
    const label = LABEL.exec(body);
    if (label && !/\s[-+*]\s/.test(label[0])) body = body.slice(label[0].length);
    body = body.trimStart();
    const wrapper = WRAPPER.exec(body);
    if (wrapper) {
      const inner = body.slice(wrapper[0].length).trimStart();
      const close = matching(withoutQuotes(inner), 0);
      if (!inner.startsWith("[") || close < 0 || !KEYWORDS.test(inner.slice(close + 1))) throw new ReadError("the list inside " + wrapper[0] + "…) cannot be read");
      body = inner.slice(0, close + 1);
    }
    if (body.startsWith("[")) return lists(body);
    return grid(body, body.includes(";") ? ";\t" : null);
  }
  function matching(plain, opening) {
    let depth = 0;
    for (let i = opening; i < plain.length; i++) {
      if (plain[i] === "[") depth++;
      else if (plain[i] === "]" && --depth === 0) return i;
    }
    return -1;
  }
  function grid(body, separators) {
    if (separators === null && /[\t,&]/.test(body)) separators = "\t,&";
    const rows = [];
    for (const line of body.split("\n")) {
      for (const piece of line.split("\\\\")) {
        if (!piece.trim()) continue;
        let texts;
        if (separators) {
          texts = depthSplit(piece, separators).map((t) => t.trim());
          if (texts.length && texts[texts.length - 1] === "" && separators.includes(piece.trimEnd().slice(-1))) texts.pop();
        } else texts = spaceEntries(piece);
        rows.push(texts);
      }
    }
    if (!rows.length) throw new ReadError("no rows found");
    return rows;
  }
  function markdown(lines) {
    const rows = [];
    let started = false, header = false;
    for (const line of lines) {
      const stripped = line.trim();
      if (!stripped.startsWith("|")) { if (started) break; continue; }
      started = true;
      const inner = stripped.endsWith("|") && stripped.length > 1 ? stripped.slice(1, -1) : stripped.slice(1);
      const texts = depthSplit(inner, "|").map((t) => t.trim());
      if (texts.every((t) => /^\s*:?-+:?\s*$/.test(t))) { header = rows.length === 1; continue; }
      if (texts.some(Boolean)) rows.push(texts);
    }
    rows.header = header;
    return rows;
  }
  function lists(body) {
    const plain = withoutQuotes(body);
    const rows = [];
    function cells(start, end) {
      const inner = body.slice(start, end), innerPlain = plain.slice(start, end);
      const outside = outsideGroups(innerPlain);
      let parts;
      if (outside.includes(",")) {
        parts = [];
        let at = 0;
        for (const part of depthSplit(innerPlain, ",")) { parts.push(inner.slice(at, at + part.length)); at += part.length + 1; }
        if (parts.length > 1 && !parts[parts.length - 1].trim()) parts.pop();
      } else {
        parts = spaceEntries(inner);
      }
      return parts.map((p) => unquote(p.trim()));
    }
    function walk(start, end, depth) {
      if (depth > 6) throw new ReadError("lists nested too deeply");
      const innerPlain = plain.slice(start + 1, end);
      if (!innerPlain.includes("[")) {
        if (depth === 1 && innerPlain.includes(";")) {  // MATLAB
          let at = start + 1;
          for (const part of depthSplit(innerPlain, ";")) { if (part.trim()) rows.push(cells(at, at + part.length)); at += part.length + 1; }
          return;
        }
        rows.push(cells(start + 1, end));
        return;
      }
      let at = start + 1;
      for (;;) {
        while (at < end && /[\s,]/.test(plain[at])) at++;
        if (at >= end) return;
        if (plain[at] !== "[") throw new ReadError("rows must be lists [..] separated by commas");
        const close = matching(plain, at);
        if (close < 0) throw new ReadError("the brackets do not match");
        walk(at, close, depth + 1);
        at = close + 1;
      }
    }
    const close = matching(plain, 0);
    if (close < 0) throw new ReadError("the brackets do not match");
    if (plain.slice(close + 1).trim()) throw new ReadError("text after the closing ']' of the list");
    walk(0, close, 1);
    return json(body, rows);
  }
  /** A list that is JSON, as read.py reads it: strings decoded, numbers as written, anything
   * else (null, true, an object) refused, and so are NaN and Infinity. */
  function json(body, rows) {
    const cells = [].concat.apply([], rows);
    if (cells.some((cell) => /^-?(NaN|Infinity)$/.test(cell))) throw new ReadError("NaN and Infinity are not numbers symconv accepts");
    let data;
    try { data = JSON.parse(body); } catch (error) { return rows; }
    const leaves = [], depths = new Set();
    (function walk(node, depth) {
      if (Array.isArray(node)) node.forEach((child) => walk(child, depth + 1));
      else { leaves.push(node); depths.add(depth); }
    })(data, 0);
    if (depths.size !== 1) throw new ReadError("the lists are nested unevenly");
    if (leaves.some((leaf) => typeof leaf !== "string" && typeof leaf !== "number")) throw new ReadError("write a number or a string");
    let at = 0;
    return rows.map((row) => row.map((cell) => { const leaf = leaves[at++]; return typeof leaf === "string" ? leaf : cell; }));
  }

  return {
    frac, fparse, ftext, polyFromData, polyOf, pequal, hasRadical, NameTable, parseEntry, EntryError,
    compare, bestComparison, diagnose, differencesText, rootSampler, readAnswer, ReadError, termText,
    LIMITS,
  };
});
