"""The headless paths never pay for the TUI: proved in a fresh interpreter, as harlequin does."""

import ast
import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def _modules_of(package: str) -> list[str]:
    """Every module of `package`, found by walking it: a new module is checked without being listed here."""
    root = importlib.import_module(package)
    return [package] + sorted(info.name for info in pkgutil.walk_packages(root.__path__, f"{package}."))


@pytest.mark.parametrize("package", ["hftui.core", "hftui.sim"])
def test_core_and_sim_import_no_textual(package):
    """Each module imported alone, in order, in one fresh interpreter: whichever first pulls Textual in is named."""
    modules = _modules_of(package)
    assert len(modules) > 3
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "    if any(m == 'textual' or m.startswith('textual.') for m in sys.modules):\n"
            "        print('TEXTUAL ' + name)\n"
            "        break\n"
            "print('DONE')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["DONE"], out


def test_diagnose_help_imports_no_textual_and_no_http_stack():
    code = ("import sys; sys.argv = ['hftui', 'diagnose', '--help']\n"
            "from hftui.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")
    loaded = _modules_after(code)
    assert "hftui.cli" in loaded
    assert not any(m.startswith("textual") for m in loaded)
    assert "httpx" not in loaded and "huggingface_hub" not in loaded


FIRST_FRAME_PROBE = """
import importlib.util, sys
import hftui.ui.headstart as headstart
headstart.ENGINE_WAIT_SECONDS = 600  # the loading is waited for, however loaded the machine
at_textual, launched = [], []

def first_frame_done():
    print('TEXTUAL ' + ' '.join(at_textual[0]), flush=True)
    print('LOADED ' + ' '.join(sorted(sys.modules)), flush=True)
    resume()
    launched[0].exit()

def headless(app_module):
    run = app_module.App.run
    def headless_run(self, *args, **kwargs):
        launched.append(self)
        return run(self, *args, headless=True, size=(120, 40))
    app_module.App.run = headless_run

class Watch:  # what is loaded when Textual is first imported; then App.run is made headless
    def find_spec(self, name, path=None, target=None):
        if name == 'textual' and not at_textual:
            at_textual.append(sorted(sys.modules))
        if name != 'textual.app':
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        execute = spec.loader.exec_module
        def exec_module(module):
            execute(module)
            headless(module)
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, Watch())
import hftui.ui.launch as launch
resume = launch.resume_collector
launch.resume_collector = first_frame_done
from hftui.cli import main
main(sys.argv[1:])
"""
ENGINE = {"hftui.core.plan", "hftui.core.probes", "httpx"}
VERDICT = {"hftui.core.verdict", "hftui.core.diagnosis"}


def _first_frame(tmp_path, *args: str) -> tuple[set[str], set[str]]:
    """(the modules loaded when Textual is first imported, those loaded at the first frame)."""
    env = {**os.environ, "HF_HOME": str(tmp_path), "HFTUI_NO_KEYRING": "1", "HF_TOKEN": "hf_" + "x" * 34}
    result = subprocess.run([sys.executable, "-c", FIRST_FRAME_PROBE, *args, "--hub-url", "http://127.0.0.1:9",
                             "--router-url", "http://127.0.0.1:9"], capture_output=True, text=True, timeout=120, env=env)
    out = result.stdout
    assert "LOADED " in out, result.stderr[-2000:]
    return set(out.split("TEXTUAL ", 1)[1].split("\n", 1)[0].split()), set(out.split("LOADED ", 1)[1].split())


def test_without_a_model_the_app_paints_its_first_frame_before_loading_the_engine(tmp_path):
    """No plan to start yet: the engine and httpx come after the first frame, in the client's loading thread."""
    _, loaded = _first_frame(tmp_path)
    assert "hftui.ui.app" in loaded and "textual.app" in loaded
    assert not (ENGINE | VERDICT) & loaded, f"loaded before the first frame: {sorted((ENGINE | VERDICT) & loaded)}"


def test_with_a_model_the_plan_loads_before_textual_and_the_verdict_after_the_first_frame(tmp_path):
    """The head start: what sends the first round (the plan, httpx) is loaded before Textual is imported;
    what reads the answers into a verdict comes after the first frame."""
    before_textual, at_first_frame = _first_frame(tmp_path, "--model", "Qwen/Qwen3.5-9B:preferred")
    assert ENGINE <= before_textual, f"not loaded before Textual: {sorted(ENGINE - before_textual)}"
    assert not any(name.startswith("textual") for name in before_textual)
    assert not VERDICT & at_first_frame, f"loaded before the first frame: {sorted(VERDICT & at_first_frame)}"


# -- no import cycle -------------------------------------------------------------------------------

PACKAGE_ROOT = Path(importlib.import_module("hftui").__file__).parent


def _imports(path: Path, module: str) -> set[str]:
    """The hftui modules `module` imports, anywhere in it (lazy imports too), except under TYPE_CHECKING."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _import_graph() -> dict[str, set[str]]:
    files = {}
    for path in PACKAGE_ROOT.rglob("*.py"):
        parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    # A package's __init__ only hands names on: an edge to it stands for the module that defines them.
    return {module: {name for name in _imports(path, module) if name in files and name != module
                     and files[name].name != "__init__.py"}
            for module, path in files.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return cycles


def test_the_import_graph_sees_the_imports_it_must_see():
    graph = _import_graph()
    assert "hftui.core.probes" in graph["hftui.core.plan"]  # a module-level import
    assert "hftui.core.plan" in graph["hftui.core.session"]  # a lazy import, inside a method
    assert "hftui.core.plan" not in graph["hftui.core.steps"]  # under TYPE_CHECKING only
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_in_hftui():
    """Modules that import each other (a TYPE_CHECKING-only import is fine) cannot be read one at a time."""
    assert _cycles(_import_graph()) == []
