"""The architecture, checked: import-linter's contracts (pyproject.toml) and a lean start-up."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    r = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout


def test_help_does_not_load_the_database_layer():
    code = (
        "import sys\n"
        "from arcli.cli import main\n"
        "main(['--help'])\n"
        "main(['delivery', 'add', '--help'])\n"
        "bad = [m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'arcli.storage') if m in sys.modules]\n"
        "sys.stderr.write(repr(bad))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stderr.strip() == "[]"
