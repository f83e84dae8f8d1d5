"""The layers hold: services, storage, model and figures never import Dash or Flask, the product
never imports the generator, and every module of the package imports on its own (no cycle)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import credit_dashboard

LOWER_LAYERS = ("services", "storage", "model", "figures")


def _modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.walk_packages(credit_dashboard.__path__, "credit_dashboard.")
        if ".migrations." not in m.name and not m.name.endswith("__main__")
    )


def _imports_of(*modules: str) -> set[str]:
    """Top-level package names loaded by importing ``modules``, in a fresh interpreter."""
    code = (
        "import sys; before = set(sys.modules); import importlib\n"
        + "".join(f"importlib.import_module({m!r})\n" for m in modules)
        + "print('\\n'.join(sorted({m.split('.')[0] for m in set(sys.modules) - before})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_every_module_imports_on_its_own_and_lower_layers_have_no_web() -> None:
    modules = _modules()
    lower = [m for m in modules if m.split(".")[1] in LOWER_LAYERS]
    assert len(lower) > 20 and len(modules) > len(lower)  # the walk found the package
    # One interpreter for the whole package: a cycle shows as an ImportError here.
    code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    subprocess.run([sys.executable, "-c", code], check=True)
    # All lower-layer modules together in one interpreter: none may pull in the web layer.
    loaded = _imports_of(*lower)
    assert "pandas" in loaded  # the check sees what they load
    assert not loaded & {"dash", "flask", "dash_bootstrap_components"}
    assert "home_credit_synth" not in loaded


def test_the_web_layer_never_imports_the_generator() -> None:
    loaded = _imports_of("credit_dashboard.web.app")
    assert "dash" in loaded  # the check sees what the app loads
    assert "home_credit_synth" not in loaded
