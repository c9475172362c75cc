"""The layout's promises, checked by reading the source: no import cycles (not even inside functions
or behind TYPE_CHECKING), packages layered as :data:`LAYERING` says, renderers that never import
layers, and layer kinds named only in their own homes under symconv/layers/."""

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
    """The package a module belongs to: the innermost one, so that a nested package
    (symconv.layers.conv) is a package of its own beside its parent (symconv.layers). The modules
    at the root beside the package's ``__init__`` (``__main__``, ``version``) are their own."""
    if module == "symconv" or (PACKAGE.parent / Path(*module.split("."))).is_dir():
        return module
    parent = module.rsplit(".", 1)[0]
    return module if parent == "symconv" else parent


def package_graph() -> dict[str, dict[str, set[str]]]:
    """package -> imported package -> the modules of the first that import the second."""
    packages: dict[str, dict[str, set[str]]] = {}
    for module, targets in graph().items():
        edges = packages.setdefault(owner(module), {})
        for target in targets:
            if owner(target) != owner(module):
                edges.setdefault(owner(target), set()).add(module)
    return packages


# The packages from the bottom up: a package imports only packages of lower tiers (packages of one
# tier never import each other). core speaks the data; engine is the machinery every layer type
# plugs into; the layer types come next, convolutions and transposed ones as equals on the sliding
# windows they share with pooling;
# problems loop over the registered layers; render prints data and files reads and writes them;
# solutions are assembled and answers checked with both; the course side draws exercises; export
# writes them for platforms; the command line and the notebook sit on top, and the package's root
# (the public API) and ``python -m symconv`` above them.
LAYERING: list[set[str]] = [
    {"symconv.version"},
    {"symconv.core"},
    {"symconv.engine"},
    {"symconv.layers.sliding"},
    {"symconv.layers.conv", "symconv.layers.conv_transpose"},
    {"symconv.layers"},
    {"symconv.problems"},
    {"symconv.files", "symconv.render"},
    {"symconv.solutions", "symconv.answers"},
    {"symconv.course"},
    {"symconv.export"},
    {"symconv.interface"},
    {"symconv", "symconv.__main__"},
]


def test_no_module_imports_itself_through_others():
    assert cycle_in(graph()) is None


def test_no_two_packages_import_each_other():
    packages = package_graph()
    assert cycle_in({package: set(edges) for package, edges in packages.items()}) is None


def test_every_package_has_its_place_in_the_layering():
    listed = [package for tier in LAYERING for package in tier]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(package_graph()), "a new package gets its tier in LAYERING"


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    """Every import of a module graph that goes to a package not below the importer's."""
    tier = {package: rank for rank, packages in enumerate(LAYERING) for package in packages}
    return [f"{module} ({owner(module)}) imports {target} ({owner(target)}), which is not below it"
            for module, targets in sorted(edges.items()) for target in sorted(targets)
            if owner(target) != owner(module) and tier[owner(target)] >= tier[owner(module)]]


def test_packages_import_only_lower_tiers():
    upward = upward_imports(graph())
    assert not upward, "\n".join(upward)


def test_an_upward_import_is_named_with_both_modules():
    assert upward_imports({"symconv.core.poly": {"symconv.render.text", "symconv.core.errors"},
                           "symconv.render.text": {"symconv.core.poly"}}) == [
        "symconv.core.poly (symconv.core) imports symconv.render.text (symconv.render), which is not"
        " below it"]


def test_the_cycle_finder_finds_a_cycle():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) is None


def kind_homes() -> dict[str, str]:
    """Each layer kind's home: the module or package under symconv/layers/ that builds it."""
    return {kind: layer_type.build.__module__ for kind, layer_type in LAYER_TYPES.items()}


def home_kind(module: str, homes: dict[str, str]) -> str | None:
    """The kind whose home holds ``module``, or None (the shared modules, and everything else)."""
    return next((kind for kind, home in homes.items()
                 if module == home or module.startswith(home + ".")), None)


def kind_crossings(edges: dict[str, set[str]], homes: dict[str, str]) -> list[str]:
    """Every import by a module under symconv/layers/ of another kind's home (the package's
    ``__init__``, which lists the kinds, aside)."""
    return [f"{module} imports {target}, the home of {home_kind(target, homes)!r}"
            for module, targets in sorted(edges.items()) if module.startswith("symconv.layers.")
            for target in sorted(targets)
            if home_kind(target, homes) not in (None, home_kind(module, homes))]


def test_every_kind_has_a_home_of_its_own():
    homes = kind_homes()
    assert len(set(homes.values())) == len(homes)
    assert all(home.startswith("symconv.layers.") for home in homes.values()), homes


def test_no_layer_type_imports_another_ones_home():
    """Layer types that share code (sliding windows, pooling's windows, element-wise slopes) share
    it through a module that is no kind's home, as equals."""
    crossings = kind_crossings(graph(), kind_homes())
    assert not crossings, "\n".join(crossings)


def test_a_kind_importing_another_is_named():
    homes = {"conv": "symconv.layers.conv", "maxpool": "symconv.layers.maxpool"}
    edges = {"symconv.layers.maxpool": {"symconv.layers.conv.sections", "symconv.layers.pooling"},
             "symconv.layers.pooling": {"symconv.layers.conv"},
             "symconv.layers.conv.sections": {"symconv.layers.conv.layer"},
             "symconv.layers": {"symconv.layers.conv", "symconv.layers.maxpool"}}
    assert kind_crossings(edges, homes) == [
        "symconv.layers.maxpool imports symconv.layers.conv.sections, the home of 'conv'",
        "symconv.layers.pooling imports symconv.layers.conv, the home of 'conv'"]


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
