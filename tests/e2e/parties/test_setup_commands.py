"""The README's test command is what CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = next(line for line in readme.splitlines() if "pip install -e '.[test]'" in line)
    assert test_cmd.strip() in ci


def test_readme_run_command_seeds_the_demo_and_serves():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    run_cmd = next(line for line in readme.splitlines() if "pip install -e . " in line)
    assert "lianrong demo" in run_cmd and run_cmd.rstrip().endswith("lianrong serve")
