"""Everything a run is told: target, credentials, spec, profile, budget, selection, output."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_JUNIT = Path("reports/junit.xml")
DEFAULT_JSON = Path("reports/report.json")
DEFAULT_HTML = Path("reports/report.html")
DEFAULT_EXPIRY_LAG = 2.0  # seconds a target's expiry may run late (the document does not say how soon: facts §5)


@dataclass
class RunConfig:
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    other_api_key: str | None = field(default=None, repr=False)
    for_user_id: str | None = None
    spec: str | None = None
    profile: str = "strict"
    test_control: bool = False
    session_ids: list[str] = field(default_factory=list)
    completed_session_id: str | None = None
    expired_session_id: str | None = None
    max_examples: int = 50
    max_steps: int = 210  # lifecycle: model-checked steps of the state machine
    expiry_lag: float = DEFAULT_EXPIRY_LAG  # lifecycle: how late after expires_at a session may still be ACTIVE
    max_time: float | None = 150.0  # seconds the exploration may take (the witnesses always run whole)
    workers: int = 4  # generated families explored at once
    seed: int = 1
    shrink: bool = True
    junit_xml: Path = DEFAULT_JUNIT
    json_report: Path = DEFAULT_JSON
    html_report: Path = DEFAULT_HTML
    transcript: Path | None = None
    evidence: Path | None = None  # an evidence bundle (zip) written here
    signing_key: Path | None = None  # Ed25519 PEM private key that signs the bundle's manifest
    fixed_corpus: bool = False  # send every generated input whatever the target answers, unshrunk (compare)
    checks: list[str] | None = None
    allow_skip: list[str] = field(default_factory=list)  # MUST checks the user accepts not being judged
    should: bool = True
    fail_on_should: bool = False
    request_timeout: float = 10.0
    progress: bool = True  # a live display on a terminal; plain lines otherwise
    verbosity: int = 0  # -1 quiet: verdict only; 1: every failure in full
    allow_live: bool = False
    checkout_hosts: list[str] = field(default_factory=list)  # hosts whose checkout links may be fetched, too
    no_real_sessions: bool = False  # the target holds no real sessions (a mock): no safety GET before a cancel
    dry_run: bool = False
    rate_limit: float | None = None  # requests per second over all endpoints; None: no such cap (each endpoint is
    # paced by its own limit: see safety.endpoint_quota and target.traffic)
    max_requests: int | None = None
    timeout_total: float | None = None
    ca_bundle: str | None = None
    insecure: bool = False

    @property
    def verify(self) -> bool | str:
        """TLS verification for requests: a CA bundle, off with --insecure, or the system's."""
        return False if self.insecure else (self.ca_bundle or True)

    @property
    def embedded(self) -> bool:
        """No target given: the run tests the bundled reference emulator."""
        return self.base_url is None
