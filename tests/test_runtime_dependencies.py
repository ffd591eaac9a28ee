"""The product runs on requirements.txt alone.

CI installs requirements-dev.txt (which includes requirements.txt), so an import of a
development dependency from a product module stays green there and breaks ``make run`` on a
fresh clone: ``templates_app.composition`` once imported ``django_stubs_ext`` at run time.
This reads the product's source instead of importing it, so it sees every import that can
execute (module level, inside functions and classes, under ``try``), including an
``importlib.import_module("...")`` of a literal name and the dotted names the settings
module hands to Django (apps, middleware, backends). Only the body of ``if TYPE_CHECKING:``
(and the ``else`` of ``if not TYPE_CHECKING:``) is skipped: the type checker alone runs it.
An import guarded by ``except ImportError`` is checked like any other: CI would take one
branch and a fresh clone the other.

A name is fine when it is the standard library's, the repository's own, or provided by a
distribution requirements.txt declares. A distribution that only arrives because a declared
one requires it (``asgiref`` through Django, ``kombu`` through Celery) is installed on a
fresh clone too, so importing it cannot break ``make run``: the test passes, and says so in
a warning naming the sites and the requirement it comes through. It is a warning and not a
failure because the product works; it is said at all because such a dependency has no pin
of ours and leaves with its parent (declare it in requirements.txt to keep it on purpose).
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import warnings
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
#: Top-level packages of the repository that are not the product: they run with the
#: development requirements.
NOT_PRODUCT = frozenset({"tests", "bench"})
#: The settings module ``manage.py`` names: its dotted strings are imports Django makes.
SETTINGS = Path("waproject/settings.py")
IMPORT_FUNCTIONS = frozenset({"import_module", "__import__"})
DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


@dataclass(frozen=True)
class ImportSite:
    """One import that can run: where it is and the top-level module it loads."""

    path: Path
    line: int
    name: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


def normalized(distribution: str) -> str:
    """The name pip compares (PEP 503): ``Django`` and ``django``, ``a_b`` and ``a-b`` are one."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def own_names(root: Path) -> set[str]:
    """The repository's top-level packages and modules: whatever it imports of itself."""
    packages = {path.parent.name for path in root.glob("*/__init__.py")}
    return packages | {path.stem for path in root.glob("*.py")}


def product_files(root: Path) -> list[Path]:
    """Every Python file of the product: its packages (the Django apps, the project package
    and the wire they share) and the top-level scripts (``manage.py``). Stub files
    (``.pyi``) are for the type checker only and are not read."""
    packages = sorted(
        path.parent for path in root.glob("*/__init__.py") if path.parent.name not in NOT_PRODUCT
    )
    files = [path for package in packages for path in sorted(package.rglob("*.py"))]
    return files + sorted(root.glob("*.py"))


def names_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def called_name(call: ast.Call) -> str | None:
    """What a call calls, by its last name: ``import_module`` for ``importlib.import_module(…)``."""
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else None


def runtime_imports(tree: ast.AST, path: Path) -> Iterator[ImportSite]:
    """The absolute imports of a module that can execute, outside type-checking blocks."""
    if isinstance(tree, ast.If) and names_type_checking(tree.test):
        nodes: list[ast.AST] = list(tree.orelse)
    elif (
        isinstance(tree, ast.If)
        and isinstance(tree.test, ast.UnaryOp)
        and isinstance(tree.test.op, ast.Not)
        and names_type_checking(tree.test.operand)
    ):
        nodes = list(tree.body)
    else:
        nodes = list(ast.iter_child_nodes(tree))
    if isinstance(tree, ast.Import):
        for alias in tree.names:
            yield ImportSite(path, tree.lineno, alias.name.partition(".")[0])
    elif isinstance(tree, ast.ImportFrom) and tree.level == 0 and tree.module:
        yield ImportSite(path, tree.lineno, tree.module.partition(".")[0])
    elif isinstance(tree, ast.Call) and tree.args:
        first = tree.args[0]
        if (
            called_name(tree) in IMPORT_FUNCTIONS
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and not first.value.startswith(".")
        ):
            yield ImportSite(path, tree.lineno, first.value.partition(".")[0])
    for node in nodes:
        yield from runtime_imports(node, path)


def settings_imports(tree: ast.AST, path: Path, installed: set[str]) -> Iterator[ImportSite]:
    """The dotted names of the settings module (``"axes"``, ``"csp.middleware.CSPMiddleware"``)
    whose first part is a module some installed distribution provides: Django imports them.
    A string cannot say it is a module: one named like an installed package counts as one
    (a logger named ``"celery"`` too, harmless: it names what the product runs), others
    (hosts, labels) are left alone."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED_NAME.match(node.value):
            name = node.value.partition(".")[0]
            if name in installed:
                yield ImportSite(path, node.lineno, name)


def declared(requirements: Path) -> dict[str, set[str]]:
    """The distributions a requirements file declares (following ``-r``), with their extras."""
    found: dict[str, set[str]] = {}
    for raw in requirements.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"(^|\s)#.*", "", raw).strip()
        if line.startswith(("-r ", "--requirement ")):
            included = requirements.parent / line.split(maxsplit=1)[1]
            for name, extras in declared(included).items():
                found.setdefault(name, set()).update(extras)
        elif line and not line.startswith("-"):
            requirement = Requirement(line)
            found.setdefault(normalized(requirement.name), set()).update(requirement.extras)
    return found


def pulled_in(requirements: dict[str, set[str]]) -> dict[str, str]:
    """Every distribution installed because of the given ones, each with the declared
    requirement it comes through; extras and environment markers read as pip reads them."""
    through: dict[str, str] = {}
    done: set[tuple[str, str]] = set()
    pending = deque((name, extra, name) for name, extras in requirements.items() for extra in ("", *extras))
    while pending:  # breadth first: the nearest declared requirement is the one named
        name, extra, root = pending.popleft()
        if (name, extra) in done:
            continue
        done.add((name, extra))
        through.setdefault(name, root)
        try:
            texts = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            raise AssertionError(
                f"{name} ({root} needs it) is not installed: pip install -r requirements-dev.txt"
            ) from None
        for text in texts:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
                child = normalized(requirement.name)
                pending.extend((child, child_extra, root) for child_extra in ("", *requirement.extras))
    return through


def test_the_product_imports_only_what_requirements_txt_installs():
    runtime = declared(ROOT / "requirements.txt")
    development = set(declared(ROOT / "requirements-dev.txt")) - set(runtime)
    installed_with = pulled_in(runtime)
    providers = importlib.metadata.packages_distributions()
    own = own_names(ROOT)
    sites: list[ImportSite] = []
    for file in product_files(ROOT):
        path = file.relative_to(ROOT)
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(path))
        sites += runtime_imports(tree, path)
        if path == SETTINGS:
            sites += settings_imports(tree, path, set(providers))
    assert len({site.path for site in sites}) > 100, "the walk found too few modules: is ROOT right?"

    missing: list[str] = []
    transitive: dict[str, list[ImportSite]] = {}
    for site in sites:
        if site.name in sys.stdlib_module_names or site.name in own:
            continue
        distributions = sorted({normalized(name) for name in providers.get(site.name, [])})
        if any(name in runtime for name in distributions):
            continue
        if not distributions:
            missing.append(f"{site} imports {site.name}, which no installed distribution provides")
        elif any(name in installed_with for name in distributions):
            transitive.setdefault(next(n for n in distributions if n in installed_with), []).append(site)
        else:
            where = (
                "requirements-dev.txt declares it: a development dependency"
                if any(name in development for name in distributions)
                else "nothing requirements.txt installs brings it"
            )
            missing.append(f"{site} imports {site.name} (distribution {', '.join(distributions)}): {where}")
    for distribution, found in sorted(transitive.items()):
        warnings.warn(
            f"{distribution} is imported directly ({', '.join(map(str, found))}) but only installed "
            f"because {installed_with[distribution]} requires it: declare it in requirements.txt "
            f"if the product relies on it",
            stacklevel=1,
        )
    assert not missing, (
        "The product imports what a fresh clone (pip install -r requirements.txt) does not have; "
        "declare it in requirements.txt or import it under `if TYPE_CHECKING:` only:\n" + "\n".join(missing)
    )


def test_only_imports_that_can_run_are_collected():
    # given a module with imports at module level, in a function, in the else of a
    # type-checking block, a literal import_module, and imports for the checker only
    source = (
        "import os.path\n"
        "from typing import TYPE_CHECKING\n"
        "import typing\n"
        "from . import sibling\n"
        "if TYPE_CHECKING:\n"
        "    from django_stubs_ext import StrPromise\n"
        "else:\n"
        "    import celery\n"
        "if typing.TYPE_CHECKING:\n"
        "    import mypy\n"
        "if not TYPE_CHECKING:\n"
        "    import kombu\n"
        "def later():\n"
        "    import httpx\n"
        "    importlib.import_module('uvicorn.main')\n"
    )
    # when its runtime imports are collected
    sites = runtime_imports(ast.parse(source), Path("shop/models.py"))
    # then the type checker's own ones and the relative one are not among them
    assert [(site.line, site.name) for site in sites] == [
        (1, "os"),
        (2, "typing"),
        (3, "typing"),
        (8, "celery"),
        (12, "kombu"),
        (14, "httpx"),
        (15, "uvicorn"),
    ]


def test_requirement_files_are_read_with_their_includes_and_extras(tmp_path):
    (tmp_path / "requirements.txt").write_text("# runtime\nDjango==5.2  # web\ncelery[redis]==5.7.0\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\nDjango_Stubs_Ext==5.2.9\n")
    assert declared(tmp_path / "requirements-dev.txt") == {
        "django": set(),
        "celery": {"redis"},
        "django-stubs-ext": set(),
    }
