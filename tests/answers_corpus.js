// Reads {names, shifted, symbols, loss, radicals, entries, answers} on standard input, parses every
// entry and reads every whole answer with symconv/resources/answers.js, and writes the results as
// JSON (tests/test_practice_js.py compares them with Python's).
"use strict";
const A = require(process.argv[2]);
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const corpus = JSON.parse(input);
  const results = corpus.problems.map((problem) => {
    const names = new A.NameTable(problem.names, problem.symbols);
    const entries = problem.entries.map((text) => {
      try {
        const parsed = A.parseEntry(text, names, { loss: problem.loss, radicals: problem.radicals });
        return { value: polyData(parsed.value), inexact: parsed.inexact,
                 readings: parsed.readings.map(([written, parts]) => [written, parts]) };
      } catch (error) {
        if (!(error instanceof A.EntryError)) return { crash: String(error && error.stack) };
        return { error: error.message, column: error.column, unknown: error.unknownName };
      }
    });
    return { entries };
  });
  const answers = corpus.answers.map((text) => {
    try { return { rows: A.readAnswer(text), header: !!A.readAnswer(text).header }; } catch (error) {
      if (!(error instanceof A.ReadError)) return { crash: String(error && error.stack) };
      return { error: error.message };
    }
  });
  process.stdout.write(JSON.stringify({ results, answers }));
});
function polyData(poly) {
  return Array.from(poly.values()).map(([atoms, c]) => [A.ftext(c), atoms.map(atomData)]);
}
function atomData(atom) {
  return typeof atom === "number" ? atom : ["r", polyData(atom.base), A.ftext(atom.exponent)];
}
