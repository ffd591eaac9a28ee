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


def _strings(value: object) -> list[str]:
    """A list option's values (an import-linter field reads as a list on the instance)."""
    return [str(item) for item in value] if isinstance(value, list) else []


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
        modules = _modules(graph, _strings(self.packages), _strings(self.ignore_parts))
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
        packages = _strings(self.packages)
        found: list[str] = []
        for module in sorted(_modules(graph, packages, _strings(self.ignore_parts))):
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


def _function_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.extend(n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom))
    return sorted(set(found), key=lambda n: n.lineno)


def _commented(lines: list[str], node: ast.Import | ast.ImportFrom, imports: set[int]) -> bool:
    """A ``#`` on the import's own lines, or on the line above it (skipping the imports of
    the same run)."""
    end = node.end_lineno or node.lineno
    if any("#" in lines[number - 1] for number in range(node.lineno, end + 1)):
        return True
    above = node.lineno - 1
    while above >= 1 and (above in imports or lines[above - 1].strip().startswith(("from ", "import "))):
        if "#" in lines[above - 1]:
            return True
        above -= 1
    return above >= 1 and lines[above - 1].strip().startswith("#")


class CommentedLazyImportsContract(Contract):
    """No module of ``packages`` imports inside a function without a comment saying why."""

    type_name = "lazy_imports_commented"

    packages = fields.ListField(subfield=fields.StringField())
    ignore_parts = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        packages = _strings(self.packages)
        found: list[str] = []
        for module in sorted(_modules(graph, packages, _strings(self.ignore_parts))):
            path = _source_of(module)
            if path is None:
                continue
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines()
            nodes = _function_imports(ast.parse(text, str(path)))
            starts = {n.lineno for n in nodes}
            for node in nodes:
                if not _commented(lines, node, starts):
                    found.append(f"{module}:{node.lineno} imports inside a function without saying why")
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["found"]:
            output.print_error(line)
            output.new_line()


def any_annotations(root: Path) -> list[str]:
    """Every annotation (parameter, return, variable) that mentions ``typing.Any``, in the
    product's modules under ``root`` (not ``tests/``, ``bench/``, migrations or
    installed packages): ``path:line``."""
    skipped = {".venv", "node_modules", "tests", "bench", "migrations", "var", "staticfiles"}
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if skipped & set(relative.parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            annotations: list[ast.expr] = []
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args
                every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
                every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
                annotations += [a.annotation for a in every if a.annotation is not None]
                if node.returns is not None:
                    annotations.append(node.returns)
            elif isinstance(node, ast.AnnAssign):
                annotations.append(node.annotation)
            for annotation in annotations:
                if any(
                    (isinstance(part, ast.Name) and part.id == "Any")
                    or (isinstance(part, ast.Attribute) and part.attr == "Any")
                    for part in ast.walk(annotation)
                ):
                    found.append(f"{relative}:{annotation.lineno}")
    return found
