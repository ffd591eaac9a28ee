"""The layers point down and nothing imports itself back (docs/architecture.md): the
import-linter contracts of pyproject.toml hold, and the contract types of our own
(tests/architecture.py) catch what they are for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

from tests.architecture import AcyclicContract, NoPrivateImportsContract

ROOT = Path(__file__).resolve().parent.parent


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
