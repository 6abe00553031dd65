"""The targets of a comparison: ``NAME=URL[,key=ENVVAR][,other-key=ENVVAR][,test-control]``.

Keys are named by environment variable, never given on the command line. ``NAME=bundled`` is the bundled reference
emulator, started in-process (its own keys, test control on).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from conformance.config import RunConfig

BUNDLED = "bundled"
DEFAULT_KEY_VARIABLE = "XENDIT_API_KEY"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
USAGE = "NAME=URL[,key=ENVVAR][,other-key=ENVVAR][,test-control]"


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
            elif key in {"key", "other-key"} and VARIABLE.fullmatch(value):
                spec = dataclasses.replace(spec, **{f"{key.replace('-', '_')}_variable": value})
            else:
                raise ValueError(f"{text!r}: {option!r} is not key=ENVVAR, other-key=ENVVAR or test-control")
        return spec

    def config(self, base: RunConfig, environ: Mapping[str, str] = os.environ) -> RunConfig:
        """`base` aimed at this target, with its keys read from the environment. Raises ValueError if one is
        missing."""
        if self.base_url is None:
            return dataclasses.replace(base, base_url=None, api_key=None, other_api_key=None)
        keys = {}
        for variable in filter(None, [self.key_variable, self.other_key_variable]):
            if not environ.get(variable):
                raise ValueError(f"target {self.name}: ${variable} is not set (its API key)")
            keys[variable] = environ[variable]
        return dataclasses.replace(base, base_url=self.base_url, api_key=keys[self.key_variable],
                                   other_api_key=keys.get(self.other_key_variable), test_control=self.test_control)
