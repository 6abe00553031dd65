"""Where `conformance run` takes its settings from, each overriding the one before: the defaults, a
``conformance.toml`` (or ``[tool.conformance]`` in ``pyproject.toml``) in the current directory, environment
variables (``CONFORMANCE_<OPTION>``; ``XENDIT_API_KEY`` and ``XENDIT_OTHER_API_KEY`` for the keys), then flags."""

from __future__ import annotations

import tomllib
from pathlib import Path

import click

SECRETS = {"api-key", "other-api-key"}  # never from a file: keys belong in the environment
ENV = {"api-key": "XENDIT_API_KEY", "other-api-key": "XENDIT_OTHER_API_KEY"}


def flag(param: click.Parameter) -> str:
    """The option's long name without dashes in front: the key in files, the suffix of its variable."""
    return max(param.opts, key=len).lstrip("-")


def variable(param: click.Parameter) -> str:
    return ENV.get(flag(param), "CONFORMANCE_" + flag(param).upper().replace("-", "_"))


class SettingsError(click.UsageError):
    """A configuration file that cannot be used."""


def config_file(folder: Path) -> tuple[Path, dict] | None:
    """The settings file of `folder` and its table: conformance.toml first, then pyproject.toml's tool.conformance."""
    for name, table in (("conformance.toml", ()), ("pyproject.toml", ("tool", "conformance"))):
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise SettingsError(f"{path}: not valid TOML: {error}") from None
        for key in table:
            data = data.get(key, {})
        if data or not table:
            return path, data
    return None


def defaults_from_file(command: click.Command, folder: Path) -> tuple[Path | None, dict]:
    """The file's settings as click defaults for `command` (dashes or underscores in keys)."""
    found = config_file(folder)
    if found is None:
        return None, {}
    path, data = found
    names = {flag(param): param.name for param in command.params if isinstance(param, click.Option)}
    defaults = {}
    for key, value in data.items():
        key = key.replace("_", "-")
        if key in SECRETS:
            raise SettingsError(f"{path}: {key} does not belong in a file; set {ENV[key]} in the environment")
        if key not in names:
            raise SettingsError(f"{path}: unknown setting {key!r} (settings are the options of `conformance run`)")
        defaults[names[key]] = value
    return path, defaults


def add_environment(command: click.Command) -> None:
    """Give every option of `command` its environment variable, and show it in --help."""
    for param in command.params:
        if isinstance(param, click.Option):
            param.envvar = variable(param)
            param.show_envvar = True
