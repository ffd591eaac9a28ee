"""Import-linter contract types of our own (``[tool.importlinter]`` in pyproject.toml).

``acyclic``: no import cycle among a project's modules, however long, and whatever the
layers say about the modules of one layer (import-linter's layers contract allows cycles
inside a layer). ``no_private_imports``: no module imports another module's private name
(``from x import _helper``): a helper used elsewhere gets a public name and a home.

Run by ``lint-imports`` (``.ci/run``) and by ``tests/test_architecture.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
from importlinter import Contract, ContractCheck, fields, output


def _modules(graph: grimp.ImportGraph, packages: list[str], ignored: list[str]) -> set[str]:
    return {
        module
        for module in graph.modules
        if module.split(".")[0] in packages and not any(part in ignored for part in module.split("."))
    }


class AcyclicContract(Contract):
    """No module of ``packages`` imports itself back through others (modules with a name
    part in ``ignore_parts``, e.g. migrations, left out)."""

    type_name = "acyclic"

    packages = fields.ListField(subfield=fields.StringField())
    ignore_parts = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        modules = _modules(graph, list(self.packages), list(self.ignore_parts or []))  # type: ignore[call-overload]
        cycles = _strongly_connected(graph, modules)
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(f"these {len(cycle)} modules import each other: {', '.join(cycle)}")
            output.new_line()


def _strongly_connected(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules)))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _source_of(module: str) -> Path | None:
    """The module's source file, found without importing it (importing needs Django set up)."""
    base = Path.cwd().joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


class NoPrivateImportsContract(Contract):
    """No module of ``packages`` imports a private name (``_x``, not a dunder) from another
    module of the project."""

    type_name = "no_private_imports"

    packages = fields.ListField(subfield=fields.StringField())
    ignore_parts = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        packages = list(self.packages)  # type: ignore[call-overload]
        found: list[str] = []
        for module in sorted(_modules(graph, packages, list(self.ignore_parts or []))):  # type: ignore[call-overload]
            path = _source_of(module)
            if path is None:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    if node.module.split(".")[0] not in packages:
                        continue
                    for alias in node.names:
                        if alias.name.startswith("_") and not alias.name.startswith("__"):
                            found.append(f"{module}:{node.lineno} imports {node.module}.{alias.name}")
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["found"]:
            output.print_error(line)
            output.new_line()
