"""Everything a run is told: target, credentials, spec, profile, budget, selection, output."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_JUNIT = Path("reports/junit.xml")


@dataclass
class RunConfig:
    base_url: str | None = None
    api_key: str | None = None
    other_api_key: str | None = None
    for_user_id: str | None = None
    spec: str | None = None
    profile: str = "strict"
    test_control: bool = False
    session_ids: list[str] = field(default_factory=list)
    completed_session_id: str | None = None
    expired_session_id: str | None = None
    max_examples: int = 50
    seed: int = 0
    shrink: bool = True
    junit_xml: Path = DEFAULT_JUNIT
    transcript: Path | None = None
    checks: list[str] | None = None
    should: bool = True
    fail_on_should: bool = False
    request_timeout: float = 10.0

    @property
    def embedded(self) -> bool:
        """No target given: the run tests the bundled reference emulator."""
        return self.base_url is None
