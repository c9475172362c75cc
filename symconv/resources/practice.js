/* The practice page (symconv/render/practice.py): shows one variant, checks the inputs with
 * answers.js as `symconv verify` checks an answer, names the likely mistake, reveals chain rules
 * and the worked solution, keeps the student's progress in local storage. Answers are read as
 * text and written back as text (textContent, value): nothing typed is ever run or parsed as HTML. */
(function () {
  "use strict";
  var A = window.SymconvAnswers;
  var main = document.querySelector("main[data-practice]");
  var data = JSON.parse(document.getElementById("sc-practice-data").textContent);
  var current = document.getElementById("sc-current");
  var storageKey = "symconv-practice:" + main.getAttribute("data-practice");
  function role(name) { return main.querySelector('[data-role="' + name + '"]'); }

  // Progress: {variant, answers: {variant: [texts]}}; a page without storage (a sandboxed notebook
  // frame, a private window) works the same and forgets.
  function load() {
    try { return JSON.parse(window.localStorage.getItem(storageKey)) || {}; } catch (error) { return {}; }
  }
  function save() {
    try { window.localStorage.setItem(storageKey, JSON.stringify(state)); } catch (error) { /* no storage */ }
  }
  var state = load();
  state.answers = state.answers || {};

  var variant = 0, key = null;
  function prepare(number) {
    var k = data.variants[number];
    return {
      data: k,
      names: new A.NameTable(k.names, k.symbols),
      shifted: new A.NameTable(k.shifted, k.symbols),
      expected: k.expected.map(function (forms) { return forms.map(A.polyFromData); }),
      mistakes: k.mistakes.map(function (m) {
        return { key: m.key, description: m.description, values: m.values.map(A.polyFromData) };
      }),
      tolerance: { rtol: A.fparse(k.tolerance.rtol), atol: A.fparse(k.tolerance.atol) },
      sampler: k.radicals ? A.rootSampler(Math.floor(Math.random() * 281474976710656)) : null,
    };
  }
  function inputs() { return Array.prototype.slice.call(current.querySelectorAll("input[data-answer]")); }
  function clearMarks() {
    inputs().forEach(function (field) { field.classList.remove("sc-right", "sc-wrong"); field.removeAttribute("title"); });
    ["score", "diagnosis", "status", "chain"].forEach(function (name) { role(name).textContent = ""; });
    panel(false);
    role("feedback").replaceChildren();
  }
  function show(number) {
    variant = number;
    key = prepare(number);
    var template = main.querySelector('template[data-variant="' + number + '"]');
    current.replaceChildren(template.content.cloneNode(true));
    var solution = role("solution");
    solution.hidden = true;
    solution.replaceChildren();
    var toggle = main.querySelector('[data-action="solution"]');
    toggle.textContent = "show the solution";
    toggle.setAttribute("aria-expanded", "false");
    clearMarks();
    var saved = state.answers[number] || [];
    inputs().forEach(function (field, i) { field.value = saved[i] || ""; });
    state.variant = number;
    save();
  }
  function remember() {
    state.answers[variant] = inputs().map(function (field) { return field.value; });
    save();
  }

  // -- checking, as verify checks --------------------------------------------------------------
  function read(text, names) {
    try {
      return { entry: A.parseEntry(text, names, { loss: key.data.loss, radicals: key.data.radicals }) };
    } catch (error) {
      if (!(error instanceof A.EntryError)) throw error;
      return { error: error.message, unknown: error.unknownName };
    }
  }
  function compareAll(readings) {
    return readings.map(function (r, flat) {
      return r.entry ? A.bestComparison(r.entry, key.expected[flat], key.tolerance, key.sampler) : { correct: false };
    });
  }
  function check() {
    var fields = inputs(), texts = fields.map(function (field) { return field.value; });
    var readings = texts.map(function (text) { return read(text, key.names); });
    var comparisons = compareAll(readings), shiftedBase = false;
    if (readings.some(function (r) { return r.unknown; })) {
      // names counted from the other index base (B_00 in a problem counted from 1): when the
      // whole answer reads that way and is mostly right, that is the mistake (verify's rule)
      var again = texts.map(function (text) { return read(text, key.shifted); });
      if (again.every(function (r) { return r.entry; })) {
        var results = compareAll(again);
        var right = results.filter(function (c) { return c.correct; }).length;
        if (3 * right >= 2 * results.length) { readings = again; comparisons = results; shiftedBase = true; }
      }
    }
    var width = key.data.shape[key.data.shape.length - 1] || 1;
    var feedback = role("feedback");
    feedback.replaceChildren();
    var correct = 0;
    fields.forEach(function (field, flat) {
      var ok = comparisons[flat].correct && !shiftedBase;
      field.classList.toggle("sc-right", ok);
      field.classList.toggle("sc-wrong", !ok);
      if (ok) { correct += 1; field.removeAttribute("title"); return; }
      var why = explain(readings[flat], comparisons[flat], texts[flat], shiftedBase);
      field.title = why;
      var line = document.createElement("li");
      line.textContent = "✗ " + field.getAttribute("aria-label") + " (row " + (Math.floor(flat / width) + 1)
        + ", entry " + (flat % width + 1) + "): " + why;
      feedback.appendChild(line);
    });
    role("score").textContent = correct + " of " + fields.length + " entries right"
      + (correct === fields.length ? ": every entry is right" : "");
    role("diagnosis").textContent = diagnosis(readings, comparisons, shiftedBase);
    role("status").textContent = readingsNote(readings);
    remember();
  }
  function explain(reading, comparison, text, shiftedBase) {
    if (reading.error) return (text.trim() ? "cannot be read: " : "") + reading.error;
    if (shiftedBase) {
      return comparison.correct ? "the value is right, but its names are counted from the wrong base" : "wrong, and its names are counted from the wrong base";
    }
    if (!comparison.differences) return "wrong (compared at random points, as its form differs)";
    var given = reading.entry;
    if (isNumber(given.value) && isNumber(comparison.expected)) {
      return "given " + text.trim() + ", which is not it; ∑ beside it shows the terms its chain rule adds up";
    }
    return A.differencesText(comparison.differences(), key.data.symbols, given.inexact) || "wrong";
  }
  function isNumber(poly) {
    return Array.from(poly.values()).every(function (term) { return term[0].length === 0; });
  }
  function diagnosis(readings, comparisons, shiftedBase) {
    if (shiftedBase) {
      var bases = key.data.bases;
      var counted = bases.length === 1 ? "from " + bases[0] : "as each tensor declares";
      return "likely mistake: the names are counted from the wrong index base; this problem counts "
        + counted + " (" + key.data.names.describe + ")";
    }
    var given = readings.map(function (r) { return r.entry || null; });
    var found = A.diagnose(given, comparisons, key.mistakes, key.tolerance, key.sampler);
    if (!found) return "";
    var scope = found.whole ? "the whole answer" : found.explained + " of the " + found.wrong + " wrong entries";
    return "likely mistake: " + found.mistake.description + " — this explains " + scope;
  }
  function readingsNote(readings) {
    var all = [];
    readings.forEach(function (r) { if (r.entry) all = all.concat(r.entry.readings); });
    if (!all.length) return "";
    var first = all[0];
    var parts = first[1].map(function (part) {
      var entry = key.names.lookup(part);
      return entry && entry.symbol !== undefined ? key.data.symbols[entry.symbol] : part;
    }).join("·");
    var example = "'" + first[0] + "' as " + parts;
    return all.length === 1 ? "note: read a name written together as a product: " + example
      : "note: read " + all.length + " names written together as products, e.g. " + example;
  }

  // -- pasting a whole answer --------------------------------------------------------------------
  // a paste of several entries: more than one line, tabs or semicolons, or a list or table
  var WHOLE = /^(\[|\||\\begin|(np\.|numpy\.)?array\s*\(|(torch\.)?tensor\s*\(|Matrix\s*\(|Out\s*\[)/;
  function paste(event) {
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\n\t;]/.test(text.trim()) && !WHOLE.test(text.trim())) return;
    event.preventDefault();
    var fields = inputs(), rows;
    try { rows = A.readAnswer(text); } catch (error) {
      role("status").textContent = "the pasted answer cannot be read: " + error.message + "; paste one row per line, e.g. 1 2 3";
      return;
    }
    var width = key.data.shape[key.data.shape.length - 1] || 1;
    if (rows.header && rows.length === fields.length / width + 1) rows = rows.slice(1);
    var cells = [].concat.apply([], rows);
    if (cells.length !== fields.length) {
      role("status").textContent = "the pasted answer has " + rows.length + " rows and " + cells.length
        + " entries; " + key.data.wrt + " has " + fields.length + " (" + key.data.shape.join("×") + "): nothing was filled in";
      return;
    }
    fields.forEach(function (field, i) { field.value = cells[i]; field.classList.remove("sc-right", "sc-wrong"); });
    role("status").textContent = "filled in " + cells.length + " entries from the pasted answer";
    remember();
  }

  // -- the buttons -------------------------------------------------------------------------------
  function chain(index, button) {
    var template = current.querySelector('template[data-chain="' + index + '"]');
    var heading = document.createElement("p");
    heading.textContent = "Chain rule of " + button.closest("td").querySelector("input").getAttribute("aria-label") + ":";
    role("chain").replaceChildren(heading, template.content.cloneNode(true));
    panel(true);
  }
  // the chain-rule panel at the bottom, and room under the page so nothing stays hidden under it
  function panel(open) {
    var element = document.getElementById("sc-panel");
    element.classList.toggle("sc-open", open);
    main.style.paddingBottom = open ? element.offsetHeight + 16 + "px" : "";
  }
  function toggleSolution(button) {
    var section = role("solution");
    if (!section.childElementCount) {
      section.appendChild(current.querySelector("template[data-solution]").content.cloneNode(true));
    }
    section.hidden = !section.hidden;
    button.textContent = section.hidden ? "show the solution" : "hide the solution";
    button.setAttribute("aria-expanded", String(!section.hidden));
    if (!section.hidden) section.scrollIntoView({ block: "start" });
  }
  main.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-action]") : null;
    if (!button) return;
    var action = button.getAttribute("data-action");
    if (action === "check") check();
    else if (action === "clear") { inputs().forEach(function (field) { field.value = ""; }); clearMarks(); remember(); }
    else if (action === "solution") toggleSolution(button);
    else if (action === "variant") show((variant + 1) % data.variants.length);
    else if (action === "chain") chain(button.getAttribute("data-index"), button);
    else if (action === "close") panel(false);
  });
  main.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-answer]")) {
      event.target.classList.remove("sc-right", "sc-wrong");
      remember();
    }
  });
  main.addEventListener("paste", function (event) {
    if (event.target.matches && event.target.matches("input[data-answer]")) paste(event);
  });
  main.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("input[data-answer]")) check();
  });
  var first = Number(state.variant) || 0;
  show(first < data.variants.length ? first : 0);
})();
