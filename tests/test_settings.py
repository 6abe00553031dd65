"""Settings: defaults < conformance.toml or [tool.conformance] < environment < flags, shown by `conformance config`."""

from __future__ import annotations

import subprocess

import pytest

from tests.cli import invoke


def config(folder, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return invoke("config", *args, cwd=folder, env=env)


def setting(output: str, name: str) -> tuple[str, str]:
    line = next(line for line in output.splitlines() if line.split()[:1] == [name])
    _, value, *source = line.split()
    return value, " ".join(source)


def test_each_layer_overrides_the_one_before(tmp_path):
    (tmp_path / "conformance.toml").write_text('max-examples = 7\nseed = 3\nprofile = "lenient"\n')
    done = config(tmp_path, "--profile", "strict", env={"CONFORMANCE_SEED": "9", "XENDIT_API_KEY": "xnd_development_k"})
    assert done.returncode == 0, done.stderr
    assert setting(done.stdout, "max-examples") == ("7", str(tmp_path / "conformance.toml"))
    assert setting(done.stdout, "seed") == ("9", "environment CONFORMANCE_SEED")
    assert setting(done.stdout, "profile") == ('"strict"', "flag")
    assert setting(done.stdout, "api-key") == ("(set)", "environment XENDIT_API_KEY")
    assert setting(done.stdout, "request-timeout") == ("10.0", "default")
    assert "xnd_development_k" not in done.stdout


def test_pyproject_table_is_read(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.conformance]\nmax_examples = 12\n')
    done = config(tmp_path)
    assert setting(done.stdout, "max-examples") == ("12", str(tmp_path / "pyproject.toml"))


@pytest.mark.parametrize(("content", "message"), [
    ('api-key = "xnd_development_k"\n', "api-key does not belong in a file; set XENDIT_API_KEY"),
    ("max-exampels = 3\n", "unknown setting 'max-exampels'"),
    ("max-examples = \n", "not valid TOML"),
    ('max-examples = "many"\n', "Invalid value"),
])
def test_bad_settings_files_are_usage_errors(tmp_path, content, message):
    (tmp_path / "conformance.toml").write_text(content)
    done = config(tmp_path)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
