"""What notebooks receive is safe and cheap: every user string is escaped in every MIME bundle
(HTML, Markdown, LaTeX), and a problem shows its statement without deriving anything (issue 19:
a title reached Jupyter as raw HTML through Derivation's text/markdown bundle; print(problem)
raised SizeLimitError for a 200×200 problem that loaded fine); a worked solution's bundle is its
page, within the page's bounds (issue 21)."""

from __future__ import annotations

import html
import re

import pytest

from symconv import build_problem, check, derive, load_problem, quick_problem, render_solution
from symconv.answers import AnswerKey
from symconv.core.presentation import mimebundle
from symconv.solutions.solution import build_solution

TITLE = ("<img src=x onerror=alert(1)> <script>alert(2)</script> $\\href{javascript:alert(3)}{x}$"
         " [link](javascript:alert(4)) **bold** `code` # 50% & _under_ \\input{/etc/passwd} | ~")
ESCAPED = (r"&lt;img src=x onerror=alert(1)> &lt;script>alert(2)&lt;/script> \$\\href{javascript:"
           r"alert(3)}{x}\$ \[link\](javascript:alert(4)) \*\*bold\*\* \`code\` \# 50% & \_under\_"
           r" \\input{/etc/passwd} \| ~")
RAW = ("<img", "<script", "\\href", "[link](", "\\input")


def hostile_problem(size: int = 3):
    return build_problem({
        "title": TITLE,
        "input": {"shape": [size, size], "values": [[i * size + j for j in range(size)]
                                                    for i in range(size)]},
        "layers": [{"type": "conv", "weight": {"shape": [2, 2], "values": [[1, 2], [3, 4]]}}]})


def hostile_objects():
    problem = hostile_problem()
    derivation = derive(problem)
    gradient = derivation.gradient("X")
    key = AnswerKey(problem, "X")
    verdict = key.check("1 2 3\n4 5 6\n7 8 9\n", "$\\href{javascript:alert(5)}{x}$<img src=x>.txt")
    return {"problem": problem, "derivation": derivation, "gradient": gradient,
            "entry": gradient.entry(0), "check report": check(problem),
            "solution": build_solution(problem), "verdict": verdict}


@pytest.mark.parametrize("name", list(hostile_objects()))
def test_every_rich_bundle_escapes_the_users_strings(name):
    bundle = mimebundle(hostile_objects()[name])
    rich = {mime: data for mime, data in bundle.items() if mime != "text/plain"}
    assert rich, bundle.keys()
    for mime, data in rich.items():
        if mime == "text/html":
            # no markup of the user's, and no TeX a notebook's MathJax would typeset: the page is
            # a sandboxed frame of its own, anything else is marked tex2jax_ignore
            assert not re.search(r"<(img|script)", data)
            assert data.startswith('<iframe srcdoc="') and 'sandbox="allow-scripts"' in data \
                if name == "solution" else ("tex2jax_ignore" in data or "$" not in data)
            continue
        if mime == "text/markdown":  # the title, every special character escaped, and nothing raw
            assert ESCAPED in data
            data = data.replace(ESCAPED, "")
        assert not [raw for raw in RAW if raw in data], (mime, data[:500])


def test_the_derivation_names_the_title_escaped():
    bundle = mimebundle(derive(hostile_problem()))
    assert bundle["text/markdown"].startswith(f"Derivation: {ESCAPED} (loss $L$), gradients:")


def test_a_large_problem_prints_its_statement_without_a_derivation(monkeypatch):
    import symconv.engine.derivation

    def refuse(*args, **kwargs):
        raise AssertionError("the statement derived the problem")

    monkeypatch.setattr(symconv.engine.derivation.Derivation, "__init__", refuse)
    problem = build_problem({"input": {"shape": [200, 200]},
                             "layers": [{"type": "conv", "weight": {"shape": [3, 3]}}]})
    text = str(problem)
    assert "A 2-D convolution (cross-correlation, as in PyTorch): stride 1, padding 0" in text
    # one index style per tensor: X's 199 needs two digits, so all of X has commas
    assert "X_{0,0}" in text and "X_{0,1}" in text and "W_22" in text
    markdown = mimebundle(problem)["text/markdown"]
    assert markdown.startswith("# 200 × 200 input, ") and "## Problem" in markdown
    assert repr(problem) == "<Problem X (200 × 200) → conv → Y (198 × 198); loss L>"


@pytest.mark.parametrize("problem, detail, bound", [
    (lambda: quick_problem((67, 67), (5, 5)), "full", 15_000_000),  # the worked-solution limit
    (lambda: load_problem("examples/recitation_image_16x12.toml"), "handout", 1_000_000)],
    ids=["67x67 full", "recitation handout"])
def test_a_solutions_bundle_is_its_page_within_the_pages_bounds(problem, detail, bound):
    """Every MIME type together (the text and the framed page) within the bounds of the HTML
    page, and the frame's srcdoc, unescaped, exactly the page ``symconv solve --format html``
    writes (``>`` is left as it is in the attribute: the page is mostly MathML tags)."""
    solution = build_solution(problem(), detail=detail)
    bundle = mimebundle(solution)
    assert sum(len(data.encode()) for data in bundle.values()) < bound
    source = re.fullmatch(r'<iframe srcdoc="([^"]*)" [^<>]*></iframe>', bundle["text/html"], re.S)
    assert source is not None and "<" not in source.group(1)
    assert html.unescape(source.group(1)) == render_solution(solution, "html")
