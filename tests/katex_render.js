// Renders every $$…$$ block and inline $…$ formula of the Markdown files given on the command line
// with KaTeX (throwOnError), as a Markdown viewer with KaTeX would. Prints one line per failure and
// exits 1 if any formula does not render. Used by tests/test_markdown_katex.py.
const fs = require("fs");
const katex = require(process.env.KATEX_MODULE || "katex");

let failures = 0;
let formulas = 0;
for (const file of process.argv.slice(2)) {
  let text = fs.readFileSync(file, "utf8");
  const render = (tex, displayMode) => {
    formulas += 1;
    try {
      katex.renderToString(tex, { displayMode, throwOnError: true, strict: "ignore" });
    } catch (error) {
      failures += 1;
      console.log(`${file}: ${error.message.split("\n")[0]} in: ${tex.slice(0, 120)}`);
    }
  };
  text = text.replace(/\$\$([\s\S]+?)\$\$/g, (_, tex) => { render(tex, true); return " "; });
  text.replace(/(^|[^\\$])\$([^$\n]+?)\$/g, (_, before, tex) => { render(tex, false); return " "; });
}
console.log(`${formulas} formulas, ${failures} failed`);
process.exit(failures ? 1 : 0);
