"""`:- use_module('lib.py').`: the predicates a Python module exports (see `nesy.extern`).

Only reached when the caller opted in (`allow_python=True`, `nesy query --allow-python`). The
module runs with `problog.extern` standing for `nesy.extern` while it loads, so ProbLog's own
externals load unmodified.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

from nesy import extern
from nesy.errors import CheckError, NesyError, Span


def load_python(path: Path, span: Span | None, errors: list[NesyError]) -> dict:
    """The exported predicates of the module at `path`: signature -> (Export, function)."""
    name = f"nesy_external_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        errors.append(CheckError(f"use_module: cannot load {path} as a Python module", span))
        return {}
    module = importlib.util.module_from_spec(spec)
    saved = {key: sys.modules.get(key) for key in ("problog", "problog.extern")}
    if saved["problog"] is None:
        sys.modules["problog"] = types.ModuleType("problog")
    sys.modules["problog.extern"] = extern
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the user's module: any failure is reported
        errors.append(CheckError(f"use_module: loading {path.name} raised "
                                 f"{type(exc).__name__}: {exc}", span))
        return {}
    finally:
        for key, value in saved.items():
            if value is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = value
    found = {}
    for value in vars(module).values():
        export = getattr(value, extern.MARK, None)
        if isinstance(export, extern.Export):
            found[export.signature] = (export, value)
    if not found:
        errors.append(CheckError(f"use_module: {path.name} exports no predicate", span,
                                 hint="mark functions with @nesy.extern.export(...)"))
    return found
