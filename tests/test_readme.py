"""Docs that cannot drift: every `$ ar …` example in README.md is run and its output compared, and every
command the CLI has is mentioned in the README."""

import shlex
from pathlib import Path

from arcli.cli import app, main

README = Path(__file__).resolve().parents[1] / "README.md"
SHOWN_DEMO_PATH = "/home/rep/.local/share/arcli/demo.db"


def example_blocks() -> list[list[tuple[str, str]]]:
    """Code blocks made of `$ ar …` lines, each followed by its expected output."""
    bodies, current = [], None
    for line in README.read_text(encoding="utf-8").split("\n"):
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                bodies.append(current)
                current = None
        elif current is not None:
            current.append(line)
    blocks = []
    for body in bodies:
        if not body or not body[0].startswith("$ ar "):
            continue
        steps: list[tuple[str, list[str]]] = []
        for line in body:
            if line.startswith("$ ar "):
                steps.append((line[5:], []))
            else:
                steps[-1][1].append(line)
        blocks.append([(cmd, "\n".join(out)) for cmd, out in steps])
    return blocks


def test_every_readme_example_runs_as_shown(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "118")
    monkeypatch.delenv("AR_DB", raising=False)
    demo_path = tmp_path / "xdg-data" / "arcli" / "demo.db"
    scratch = tmp_path / "scratch.db"
    blocks = example_blocks()
    assert len(blocks) >= 4
    ran = 0
    for block in blocks:
        # the demo builds its own file; blocks about 华康药房 (HUAKANG) build a scratch ledger; others use the demo
        ledger = scratch if any("HUAKANG" in cmd for cmd, _ in block) else demo_path
        for cmd, expected in block:
            args = shlex.split(cmd)
            if args[-1] != "demo":
                monkeypatch.setenv("AR_DB", str(ledger))
            capsys.readouterr()
            main(args)
            out, err = capsys.readouterr()
            got = "\n".join(line.rstrip() for line in (out + err).replace(str(demo_path), SHOWN_DEMO_PATH).split("\n"))
            assert got.rstrip("\n") == expected.rstrip("\n"), f"README example `ar {cmd}` printed:\n{got}"
            ran += 1
    assert ran >= 12


def test_every_command_is_in_the_readme():
    from arcli.cli.commands import load_all

    load_all()  # registers every command on the app

    text = README.read_text(encoding="utf-8")
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert names and all(f"ar {n}" in text for n in names), [n for n in names if f"ar {n}" not in text]
