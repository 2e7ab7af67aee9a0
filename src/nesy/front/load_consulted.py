"""`:- consult(File).` and `:- use_module(File).` of Prolog files: their clauses are read in place.

A relative file name is resolved against the directory of the file that names it (the current
directory for a program given as text), trying the name itself and then with `.pl`, as ProbLog's
`resolve_filename` does. Each file is read once, so files that consult each other terminate.
`use_module(library(...))` is left to check_directives; Python modules load only when allowed.
"""

from __future__ import annotations

from pathlib import Path

from nesy.errors import CheckError, NesyError
from nesy.syntax.ast import Directive, Item, ProgramAST
from nesy.syntax.parser import parse
from nesy.terms import Str, Term, format_term, list_items

LOADERS = {("consult", 1), ("use_module", 1), ("use_module", 2)}


def load_consulted(ast: ProgramAST, errors: list[NesyError],
                   python: list | None = None) -> list[Item]:
    """The program's items with every consulted file's items in place of its directive.
    Python modules are collected as (path, directive) in `python`; None refuses them."""
    main = _existing(ast.source.name)
    loaded = {main} if main is not None else set()
    return _expand(ast, loaded, errors, python)


def _expand(ast: ProgramAST, loaded: set[Path], errors: list[NesyError],
            python: list | None) -> list[Item]:
    out: list[Item] = []
    for item in ast.items:
        if not isinstance(item, Directive):
            out.append(item)
            continue
        kept = []
        for goal in _conjuncts(item.goal):
            files = _files(goal)
            if files is None:
                kept.append(goal)
                continue
            for name in files:
                out.extend(_load(goal.functor, name, ast.source.name, item, loaded, errors,
                                 python))
        if kept:
            goal = kept[-1]
            for g in reversed(kept[:-1]):
                goal = Term(",", (g, goal), item.span)
            out.append(Directive(goal, item.span))
    return out


def _load(verb: str, name, base: str, item: Directive, loaded: set[Path], errors,
          python: list | None) -> list[Item]:
    if not isinstance(name, (Term, Str)) or (isinstance(name, Term) and name.functor == "."):
        errors.append(CheckError(f"{verb}: {format_term(name)} is not a file name", item.span))
        return []
    text = name.value if isinstance(name, Str) else _path_text(name)
    path = _resolve(text, base)
    if text.endswith(".py") or (path is not None and path.suffix == ".py"):
        if python is None:
            errors.append(CheckError(
                f"{verb}('{text}'): the program loads Python code, which runs only when you "
                "allow it", item.span, hint="trust the file? pass --allow-python to nesy query, "
                "or allow_python=True to nesy.load / nesy.parse / nesy.query"))
        elif path is None:
            errors.append(CheckError(f"{verb}: file not found '{text}'", item.span))
        elif path not in loaded:
            loaded.add(path)
            python.append((path, item))
        return []
    if path is None:
        errors.append(CheckError(f"{verb}: file not found '{text}'", item.span,
                                 hint=f"looked in {_directory(base)} for {text} and {text}.pl"))
        return []
    if path in loaded:
        return []
    loaded.add(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(CheckError(f"{verb}: cannot read {path}: {exc}", item.span))
        return []
    try:
        ast = parse(source, str(path))
    except NesyError as exc:
        errors.append(exc)
        return []
    return _expand(ast, loaded, errors, python)


def _files(goal) -> list | None:
    """The files a consult/use_module goal loads; None for any other goal (and libraries)."""
    if not (isinstance(goal, Term) and (goal.functor, len(goal.args)) in LOADERS):
        return None
    target = goal.args[0]
    if isinstance(target, Term) and target.functor == "library" and len(target.args) == 1:
        return None
    if goal.functor == "consult":
        items = list_items(target)
        if items is not None and target != Term("[]"):
            return items
    return [target]


def _path_text(term: Term) -> str:
    """`sub/lib` (an operator term, as ProbLog allows) or an atom, as a path."""
    if term.functor == "/" and len(term.args) == 2:
        return "/".join(_path_text(a) if isinstance(a, Term) else str(a) for a in term.args)
    return term.functor if not term.args else format_term(term)


def _directory(base: str) -> Path:
    path = _existing(base)
    return path.parent if path is not None else Path.cwd()


def _resolve(text: str, base: str) -> Path | None:
    root = _directory(base)
    for candidate in (root / text, root / (text + ".pl"), root / (text + ".py")):
        if candidate.is_file():
            return candidate.resolve()
    return None


def _existing(name: str) -> Path | None:
    path = Path(name)
    try:
        return path.resolve() if path.is_file() else None
    except OSError:
        return None


def _conjuncts(goal) -> list:
    goals = []
    while isinstance(goal, Term) and goal.functor == "," and len(goal.args) == 2:
        goals.append(goal.args[0])
        goal = goal.args[1]
    goals.append(goal)
    return goals
