from arcli.cli import run

run()
