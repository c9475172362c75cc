"""The layout's promises, checked by reading the source: no import cycles (not even inside functions
or behind TYPE_CHECKING), renderers that never import layers, and layer kinds named only in their
own homes under symconv/layers/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from symconv.layers import LAYER_TYPES

PACKAGE = Path(__file__).resolve().parent.parent / "symconv"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    """Every symconv module a file imports, anywhere in it (functions and TYPE_CHECKING blocks
    included): ``from . import x`` counts as importing the submodule x when there is one."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            submodules = {f"{target}.{alias.name}" for alias in node.names} & known
            if len(submodules) < len(node.names):  # names defined in the module itself
                found.add(target)
            found.update(submodules)
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(path, name, set(known)) for name, path in known.items()}


def cycle_in(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for child in sorted(edges.get(node, ())):
            if state.get(child) == 1:
                return stack[stack.index(child):] + [child]
            if child not in state:
                found = visit(child)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def owner(module: str) -> str:
    """The subpackage a module belongs to (symconv.layers, symconv.render, …), or the module
    itself for the top-level modules of symconv."""
    parts = module.split(".")
    candidate = ".".join(parts[:2])
    return candidate if (PACKAGE.parent / Path(*parts[:2])).is_dir() else module


def test_no_module_imports_itself_through_others():
    assert cycle_in(graph()) is None


def test_no_two_packages_import_each_other():
    packages: dict[str, set[str]] = {}
    for module, targets in graph().items():
        packages.setdefault(owner(module), set()).update(
            owner(t) for t in targets if owner(t) != owner(module))
    assert cycle_in(packages) is None


def test_the_cycle_finder_finds_a_cycle():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) is None


def test_renderers_never_import_layers():
    for module, targets in graph().items():
        if module.startswith("symconv.render"):
            assert not [t for t in targets if t.startswith("symconv.layers")], module


@pytest.mark.parametrize("path", sorted(p for p in PACKAGE.rglob("*.py")
                                        if "layers" not in p.relative_to(PACKAGE).parts),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layer_kinds_and_classes_are_named_only_in_their_homes(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    kinds = set(LAYER_TYPES)
    named = [node.value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and node.value in kinds]
    assert not named, f"{path.name} names the layer kind(s) {named}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
            classes = ast.unparse(node.args[1])
            assert "Layer" not in classes, f"{path.name}: isinstance(…, {classes})"
