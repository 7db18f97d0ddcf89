"""The layout's two promises, read from the source: services never import the tasks (the
dependency runs one way, tasks -> services), and ``diagnosis/engine.py`` is the only Django
module that calls the engine."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DJANGO_PACKAGES = ("accounts", "diagnosis", "ecgsite", "specialists")


def django_modules() -> dict[str, set[str]]:
    """Every Django-side module (not the engine, not migrations) -> the modules it imports,
    at the top or inside functions."""
    out = {}
    for package in DJANGO_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if rel.parts[:2] == ("diagnosis", "ml") or "migrations" in rel.parts:
                continue
            imported = set()
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    imported |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module:
                    imported.add(node.module)
                    imported |= {f"{node.module}.{alias.name}" for alias in node.names}
            out[".".join(rel.with_suffix("").parts)] = imported
    return out


def test_the_walk_sees_the_modules_it_checks() -> None:
    modules = django_modules()
    assert "diagnosis.tasks" in modules and "diagnosis.services.analyses" in modules
    assert "diagnosis.services.analyses" in modules["diagnosis.tasks"]
    assert any(name.startswith("diagnosis.ml") for name in modules["diagnosis.engine"])


def test_nothing_but_the_tasks_and_the_app_config_imports_the_tasks() -> None:
    importers = {
        module
        for module, imported in django_modules().items()
        if any(
            name == "diagnosis.tasks" or name.startswith("diagnosis.tasks.") for name in imported
        )
    }
    assert importers <= {"diagnosis.apps"}, importers


def test_only_the_engine_bridge_imports_the_engine() -> None:
    importers = {
        module
        for module, imported in django_modules().items()
        if any(name == "diagnosis.ml" or name.startswith("diagnosis.ml.") for name in imported)
    }
    assert importers == {"diagnosis.engine"}, importers
