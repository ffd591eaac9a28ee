"""The layers point down and nothing imports itself back (docs/architecture.md): the
import-linter contracts of pyproject.toml hold, and the contract types of our own
(tests/architecture.py) catch what they are for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

from tests.architecture import (
    AcyclicContract,
    CommentedLazyImportsContract,
    NoPrivateImportsContract,
    any_annotations,
)

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_PACKAGES = (
    "conversations",
    "templates_app",
    "workbins",
    "console",
    "sandbox",
    "whatsapp",
    "waproject",
    "ops",
    "privacy",
    "audit",
)


def test_the_import_contracts_hold():
    """Every contract of ``[tool.importlinter]``: layers, independence, no cycle, no
    private helper imported across modules (what ``.ci/run`` checks with lint-imports)."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "0 broken" in result.stdout


def write_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_cycle_hidden_in_a_function_is_still_a_cycle(tmp_path, monkeypatch):
    # given a package whose services import the tasks inside a function, which import them back
    write_package(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/tasks.py": "from shop import services\n",
            "shop/services.py": "def pay():\n    from shop import tasks  # only when called\n",
            "shop/models.py": "",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("shop", cache_dir=None)
    contract = AcyclicContract("no cycles", session_options={}, contract_options={"packages": ["shop"]})
    # when the contract is checked
    check = contract.check(graph, verbose=False)
    # then it is broken, naming the two modules
    assert not check.kept
    assert check.metadata["cycles"] == [["shop.services", "shop.tasks"]]


def test_a_private_helper_imported_from_another_module_is_refused(tmp_path, monkeypatch):
    write_package(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/routing.py": "def _release(): ...\ndef release(): ...\n",
            "shop/collaboration.py": "from shop.routing import (\n    release,\n    _release,\n)\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    graph = grimp.build_graph("shop", cache_dir=None)
    contract = NoPrivateImportsContract(
        "private", session_options={}, contract_options={"packages": ["shop"]}
    )
    check = contract.check(graph, verbose=False)
    assert not check.kept
    assert check.metadata["found"] == ["shop.collaboration:1 imports shop.routing._release"]


def test_an_import_inside_a_function_must_say_why_it_is_lazy(tmp_path, monkeypatch):
    # given a module with three imports inside functions: one commented above (and the
    # import after it in the same run), one commented on its line, one silent
    write_package(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/apps.py": (
                "def ready():\n"
                "    # Lazy, Django's rule: models load once the registry is ready.\n"
                "    from shop import checks\n"
                "    from shop import signals\n"
                "\n"
                "def probe():\n"
                "    import json  # optional: probing only\n"
                "\n"
                "def pay():\n"
                "    x = 1\n"
                "    from shop import services\n"
            ),
            "shop/checks.py": "",
            "shop/signals.py": "",
            "shop/services.py": "",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    graph = grimp.build_graph("shop", cache_dir=None)
    contract = CommentedLazyImportsContract(
        "lazy", session_options={}, contract_options={"packages": ["shop"]}
    )
    # when the contract is checked
    check = contract.check(graph, verbose=False)
    # then only the silent one is named
    assert not check.kept
    assert check.metadata["found"] == ["shop.apps:11 imports inside a function without saying why"]


#: Annotations of the product that mention ``Any`` (docs/architecture.md "Types": 560
#: before the type check came, 4 of them ``user: Any``). Lower it when some go; never raise it.
ANY_ANNOTATIONS_MAX = 510


def test_no_new_any():
    found = any_annotations(ROOT)
    assert len(found) <= ANY_ANNOTATIONS_MAX, (
        f"{len(found)} annotations mention Any (at most {ANY_ANNOTATIONS_MAX}): type the new ones"
    )


def test_a_user_is_typed_as_the_user_model():
    untyped = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in PRODUCT_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "user: Any" in line
    ]
    assert not untyped
