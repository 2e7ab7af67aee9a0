"""The architecture DESIGN.md states, checked on the source with `ast`: stages import only
downward (front never reaches into the grounder or later), the kernel stays small and light,
no private name crosses a module boundary, and the builtin names the front end reserves match
the grounder's implementations."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "nesy"

# The kernel every stage shares: it imports only itself and the standard library.
KERNEL = {"nesy.terms", "nesy.arith", "nesy.reserved", "nesy.errors", "nesy.limits"}

# What front/ may not import: every stage after it in the pipeline.
AFTER_FRONT = ("ground", "semiring", "compile", "circuit", "query", "solvers", "neural",
               "inference", "proofs", "train", "datasets", "cli", "testing")

# The stages bottom up (DESIGN.md's layout; `extern`, the API of predicates written in Python,
# sits below `front`, which loads them; the circuit IR sits below `compile`, which builds it;
# `query`, the one plan, sits below both of its clients: `inference`, nesy.query's answers on
# fixed probabilities, and `neural`, the Module's batches): a module may import the kernel, its
# own stage and the stages before it.
STAGES = ("extern", "syntax", "front", "ground", "semiring", "circuit", "compile", "proofs",
          "query", "inference", "solvers", "neural", "datasets", "train", "testing", "cli")

# Files another change is editing now; their private imports and old import paths are pending
# there, not allowed. Empty today: none of them imports a private name.
PENDING_PRIVATE: set[tuple[str, str, str]] = set()  # (file, module, name)


def _modules():
    """(dotted name, path relative to src/, syntax tree) of every module of the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(SRC)
        parts = list(rel.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        yield ".".join(parts), rel.as_posix(), is_package, ast.parse(path.read_text("utf-8"))


def _is_module(dotted: str) -> bool:
    path = SRC.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def _imports(name: str, is_package: bool, tree: ast.AST):
    """(line, module, imported names or None) for every import, relative ones resolved."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([module] if module else []))
            yield node.lineno, module, [alias.name for alias in node.names]


def _targets(module: str, names: list[str] | None) -> list[str]:
    """The nesy modules an import statement reaches: `from nesy import extern` reaches
    nesy.extern, `from nesy import parse` (or `import nesy`) the package root itself."""
    submodules = [f"{module}.{n}" for n in names or () if _is_module(f"{module}.{n}")]
    found = submodules if names and len(submodules) == len(names) else [module] + submodules
    return [m for m in found if m == "nesy" or m.startswith("nesy.")]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_front_imports_no_later_stage():
    bad = []
    for name, path, is_package, tree in _modules():
        if not name.startswith("nesy.front"):
            continue
        for line, module, names in _imports(name, is_package, tree):
            for target in _targets(module, names):
                if target.partition(".")[2].split(".")[0] in AFTER_FRONT:
                    bad.append(f"{path}:{line} imports {target}")
    assert not bad, "front/ must not import later stages:\n" + "\n".join(bad)


def test_stages_import_only_downward():
    """The package root (`import nesy`, for `nesy.parse`) re-exports every stage, so a stage
    may reach it only lazily, inside a function, never at module level."""
    bad = []
    for name, path, is_package, tree in _modules():
        stage = name.split(".")[1] if "." in name else ""
        if stage not in STAGES:
            continue  # the kernel (checked below) and the package root
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for line, module, names in _imports(name, is_package, ast.Module([node], [])):
                for target in _targets(module, names):
                    if target == "nesy":
                        if id(node) in top_level:
                            bad.append(f"{path}:{line} imports the package root at module level")
                        continue
                    other = target.split(".")[1]
                    if other in STAGES and STAGES.index(other) > STAGES.index(stage):
                        bad.append(f"{path}:{line} ({stage}) imports {target}")
    assert not bad, "a stage imports only the kernel and earlier stages:\n" + "\n".join(bad)


def test_kernel_imports_only_kernel_and_stdlib():
    """terms/arith/reserved/errors/limits are shared by every stage and loaded by a cold
    `nesy query`: no stage and no third-party package (torch, numpy) behind them."""
    bad = []
    for name, path, is_package, tree in _modules():
        if name not in KERNEL:
            continue
        for line, module, names in _imports(name, is_package, tree):
            root = module.split(".")[0]
            if root == "nesy":
                bad += [f"{path}:{line} imports {t}" for t in _targets(module, names)
                        if t not in KERNEL]
            elif root != "__future__" and root not in sys.stdlib_module_names:
                bad.append(f"{path}:{line} imports {module}")
    assert not bad, "the kernel imports only itself and the standard library:\n" + "\n".join(bad)


def test_no_private_name_crosses_a_module():
    bad = []
    for name, path, is_package, tree in _modules():
        module_aliases = {}
        for line, module, names in _imports(name, is_package, tree):
            if not (module == "nesy" or module.startswith("nesy.")):
                continue
            for imported in names or ():
                if _private(imported) and (path, module, imported) not in PENDING_PRIVATE:
                    bad.append(f"{path}:{line} imports {imported} from {module}")
                if _is_module(f"{module}.{imported}"):
                    module_aliases[imported] = f"{module}.{imported}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("nesy") and alias.asname:
                        module_aliases[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and _private(node.attr)
                    and isinstance(node.value, ast.Name) and node.value.id in module_aliases):
                bad.append(f"{path}:{node.lineno} uses {node.attr} of "
                           f"{module_aliases[node.value.id]}")
    assert not bad, ("a shared helper is public (with a docstring) or lives where it is used:\n"
                     + "\n".join(bad))


def test_every_stage_folder_has_a_docstring_init():
    missing = []
    for folder in sorted(p for p in PACKAGE.iterdir() if p.is_dir()):
        if not any(folder.glob("*.py")):
            continue  # data only (library/*.pl)
        init = folder / "__init__.py"
        if not init.is_file() or not ast.get_docstring(ast.parse(init.read_text("utf-8"))):
            missing.append(folder.name)
    assert not missing, f"stage folders without an __init__.py docstring: {missing}"


def test_builtin_names_match_implementations():
    from nesy.ground.builtins import BUILTINS
    from nesy.reserved import BUILTIN_SIGNATURES

    unimplemented = sorted(BUILTIN_SIGNATURES - BUILTINS.keys())
    unreserved = sorted(BUILTINS.keys() - BUILTIN_SIGNATURES)
    assert not unimplemented, f"reserved in nesy/reserved.py, not implemented: {unimplemented}"
    assert not unreserved, f"implemented, not reserved in nesy/reserved.py: {unreserved}"


def test_control_constructs_are_no_builtins():
    from nesy.front.program import CHOICE, NEURAL
    from nesy.reserved import BUILTIN_SIGNATURES, CONTROL

    assert {CHOICE, NEURAL} <= CONTROL
    assert not sorted(s for s in BUILTIN_SIGNATURES if s[0] in CONTROL)


def test_the_checks_see_violations():
    """The scanners themselves: a private import and a relative upward import are found."""
    tree = ast.parse("from ..ground.builtins import BUILTINS\nfrom nesy.terms import _fresh\n")
    found = list(_imports("nesy.front.x", False, tree))
    assert found == [(1, "nesy.ground.builtins", ["BUILTINS"]), (2, "nesy.terms", ["_fresh"])]
    assert _targets("nesy", ["ground", "not_a_module"]) == ["nesy", "nesy.ground"]
    assert _targets("nesy", ["extern"]) == ["nesy.extern"]
    assert _targets("nesy", None) == ["nesy"]
    assert _private("_fresh") and not _private("__all__") and not _private("fresh")
