"""What a comparison compares: targets, ``NAME=URL[,key=ENVVAR][,other-key=ENVVAR][,test-control]``, or recordings
of a client's traffic, ``NAME=FILE[,key=ENVVAR][,other-key=ENVVAR]``.

Keys are named by environment variable, never given on the command line. ``NAME=bundled`` is the bundled reference
emulator, started in-process (its own keys, test control on).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from conformance.config import RunConfig
from conformance.target.identity import MAIN, OTHER

BUNDLED = "bundled"
DEFAULT_KEY_VARIABLE = "XENDIT_API_KEY"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
USAGE = "NAME=URL[,key=ENVVAR][,other-key=ENVVAR][,test-control]"
RECORDING_USAGE = "NAME=FILE[,key=ENVVAR][,other-key=ENVVAR]"
KEY_OPTIONS = re.compile(r"((?:,(?:key|other-key)=[A-Za-z_][A-Za-z0-9_]*)*)$")  # a recording's, after its file


@dataclass(frozen=True)
class TargetSpec:
    name: str
    base_url: str | None  # None: the bundled emulator
    key_variable: str = DEFAULT_KEY_VARIABLE
    other_key_variable: str | None = None
    test_control: bool = False

    @classmethod
    def parse(cls, text: str) -> TargetSpec:
        """Raises ValueError with a message for the user."""
        name, equals, rest = text.partition("=")
        url, *options = rest.split(",")
        if not equals or not NAME.fullmatch(name) or not url:
            raise ValueError(f"{text!r}: expected {USAGE} (NAME: letters, digits, . _ -)")
        if url != BUNDLED and not re.match(r"https?://[^/\s]", url):
            raise ValueError(f"{text!r}: the URL must start http:// or https:// (or be {BUNDLED!r})")
        spec = cls(name, None if url == BUNDLED else url)
        for option in options:
            key, _, value = option.partition("=")
            if key == "test-control" and not value:
                spec = dataclasses.replace(spec, test_control=True)
            elif key == "key" and VARIABLE.fullmatch(value):
                spec = dataclasses.replace(spec, key_variable=value)
            elif key == "other-key" and VARIABLE.fullmatch(value):
                spec = dataclasses.replace(spec, other_key_variable=value)
            else:
                raise ValueError(f"{text!r}: {option!r} is not key=ENVVAR, other-key=ENVVAR or test-control")
        return spec

    def config(self, base: RunConfig, environ: Mapping[str, str] = os.environ) -> RunConfig:
        """`base` aimed at this target, with its keys read from the environment. Raises ValueError if one is
        missing."""
        if self.base_url is None:
            return dataclasses.replace(base, base_url=None, api_key=None, other_api_key=None)
        keys = _keys(f"target {self.name}", {MAIN: self.key_variable, OTHER: self.other_key_variable}, environ)
        return dataclasses.replace(base, base_url=self.base_url, api_key=keys[MAIN], other_api_key=keys.get(OTHER),
                                   test_control=self.test_control)


@dataclass(frozen=True)
class RecordingSpec:
    """A recording to compare and, if given, the environment variables holding the keys it was made with, by
    business (else the keys are learned from the creates it shows, as ``conformance judge`` learns them)."""

    name: str
    path: Path
    variables: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> RecordingSpec:
        """The recording `text` names; ValueError, its message for the user, if `text` is not of the form."""
        name, equals, rest = text.partition("=")
        found = KEY_OPTIONS.search(rest)  # it matches every text, if only with no option
        options = found.group(1) if found else ""
        path = rest[:len(rest) - len(options)]
        if not equals or not NAME.fullmatch(name) or not path:
            raise ValueError(f"{text!r}: expected {RECORDING_USAGE} (NAME: letters, digits, . _ -)")
        pairs = (option.split("=", 1) for option in options.split(",")[1:])
        return cls(name, Path(path), tuple((MAIN if key == "key" else OTHER, variable) for key, variable in pairs))

    def keys(self, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
        """The keys named, by business (none: learn them); ValueError if a variable named is not set."""
        return _keys(f"recording {self.name}", dict(self.variables), environ)


def _keys(what: str, variables: Mapping[str, str | None], environ: Mapping[str, str]) -> dict[str, str]:
    """Each business's key from the environment variable named for it; ValueError naming one that is not set."""
    keys = {}
    for business, variable in variables.items():
        if variable and not environ.get(variable):
            raise ValueError(f"{what}: ${variable} is not set (its API key)")
        if variable:
            keys[business] = environ[variable]
    return keys
