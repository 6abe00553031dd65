"""``conformance judge`` (recorded traffic) and ``conformance proxy`` (live traffic): the run's settings (keys,
profile, checks, reports) and the run's writers; neither sends a request of its own."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import click
from rich.console import Console

from conformance.cli.options import options, parse_ids, run_config
from conformance.cli.settings import add_environment
from conformance.evidence import EvidenceError, load_signing_key
from conformance.exitcodes import ExitCode
from conformance.judge.har import HarWriter, har_entry
from conformance.judge.identities import Keyring
from conformance.judge.judgement import Judgement, judging
from conformance.judge.proxy import Proxy
from conformance.judge.readers import read_recording
from conformance.judge.recorded import Recorded, RecordingError
from conformance.report.files import ReportError
from conformance.report.summary import summary
from conformance.results.model import RunResult
from conformance.run import UsageError, write_reports

YOUNG_OBJECTS = 10_000  # allocations between two collections of the youngest generation while judging (default 700)
SETTINGS = ("api_key", "other_api_key", "spec", "profile", "checks", "no_should", "fail_on_should", "junit_xml",
            "json_report", "html_report", "transcript", "evidence", "signing_key", "verbose", "quiet")
REQUIRE = click.option("--require", callback=lambda ctx, param, value: parse_ids(value), metavar="ID,...",
                       help="Checks the traffic must exercise: one it never did makes the verdict INCOMPLETE (exit "
                       "4); without it, a check never exercised is listed and does not block.")


def judgement_of(values: dict, source: str) -> tuple[Judgement, object]:
    """The judgement the settings ask for, and the run configuration (reports, verbosity)."""
    config = run_config(values)
    return judging(config, source, values.get("require") or []), config


def report(result: RunResult, config, console: Console) -> int:
    """The terminal summary and every report, as a run writes them; the verdict's exit code."""
    try:
        signing_key = load_signing_key(config.signing_key) if config.signing_key else None
        summary(console, result, Path(config.junit_xml).parent, verbosity=config.verbosity)
        for path in write_reports(result, config, signing_key):
            console.print(f"{'evidence' if path == config.evidence else 'report'}: {path}", highlight=False)
    except (ReportError, EvidenceError) as error:
        console.print(f"[bold red]error:[/] {error}", highlight=False)
        return ExitCode.USAGE
    return result.exit_code


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """The garbage collector tuned for a long batch (restored after): what was loaded before it set aside for good,
    and the young objects collected less often. A recording's judgement keeps thousands of exchanges; with the
    defaults, a sixth of its time went to walking them again and again (bench_judge)."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 160)


@click.command("judge")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@REQUIRE
@options(*SETTINGS)
def judge(files: Iterable[Path], **values) -> None:
    """Judge recorded traffic — HAR 1.2 files, the suite's --transcript JSON lines, or one JSON exchange a line
    (see README) — by the run's checks and the reference model. Sends nothing.

    Exit 0: CONFORMANT for what the traffic exercised; 1: NON-CONFORMANT; 2: usage error or an unreadable
    recording (the position is given); 4: INCOMPLETE (a check named by --require was not exercised).
    """
    files = list(files)
    try:
        judgement, config = judgement_of(values, "recording: " + ", ".join(path.name for path in files))
        with collecting_less():
            for path in files:
                for item in read_recording(path):
                    judgement.add(item)
    except (UsageError, RecordingError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(ExitCode.USAGE)
    sys.exit(report(judgement.result(), config, _console()))


@click.command("proxy")
@click.option("--upstream", required=True, metavar="URL", help="Where to forward every request (http or https).")
@click.option("--listen", default="127.0.0.1:8081", show_default=True, metavar="HOST:PORT",
              help="Where to accept requests (port 0: a free one, printed at start).")
@click.option("--for", "duration", type=click.FloatRange(0.1), metavar="SECONDS",
              help="Stop after this long, judge and write the reports.")
@click.option("--max-exchanges", type=click.IntRange(1), metavar="N", help="Stop after N exchanges.")
@click.option("--har", "har_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also record the traffic as a HAR 1.2 file (keys, cookies and credentials redacted).")
@click.option("--keep-secrets", is_flag=True, help="Write the HAR with credentials as they were sent.")
@REQUIRE
@options(*SETTINGS)
def proxy(upstream: str, listen: str, duration: float | None, max_exchanges: int | None, har_path: Path | None,
          keep_secrets: bool, **values) -> None:
    """A reverse proxy to --upstream that forwards every request and response unchanged and judges each exchange
    as it passes (stateless checks and each session's life); on Ctrl-C, SIGTERM, --for or --max-exchanges it writes
    the reports and exits with the verdict's code (as `judge`). It sends no request of its own."""
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not upstream.startswith(("http://", "https://")):
        click.echo("error: --listen HOST:PORT and --upstream http(s)://HOST[:PORT] expected", err=True)
        sys.exit(ExitCode.USAGE)
    try:
        judgement, config = judgement_of(values, f"proxy to {upstream}")
    except UsageError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(ExitCode.USAGE)
    writer = HarWriter(har_path) if har_path else None
    asyncio.run(_serve(upstream, host, int(port), judgement, writer, keep_secrets, duration, max_exchanges))
    if writer:
        writer.close()
    sys.exit(report(judgement.result(), config, _console()))


async def _serve(upstream: str, host: str, port: int, judgement: Judgement, writer: HarWriter | None,
                 keep_secrets: bool, duration: float | None, max_exchanges: int | None) -> None:
    stop = asyncio.Event()

    def passed(recorded: Recorded) -> None:
        exchange = judgement.add(recorded)
        if writer is not None and exchange is not None:
            message = exchange.response.message if exchange.response is not None else None
            if message is not None:
                recorded.response_headers, recorded.response_body = list(message.fields), message.body or b""
            _write(writer, recorded, judgement.keyring, keep_secrets)
        if max_exchanges and judgement.judged >= max_exchanges:
            stop.set()

    forwarder = Proxy(upstream, passed)
    server = await asyncio.start_server(forwarder.handle, host, port)
    bound = server.sockets[0].getsockname()
    click.echo(f"proxy: listening on http://{bound[0]}:{bound[1]} → {upstream}", err=True)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if duration:
        loop.call_later(duration, stop.set)
    async with server:
        await stop.wait()
    for task in list(forwarder.tasks):
        task.cancel()
    await asyncio.gather(*forwarder.tasks, return_exceptions=True)


def _write(writer: HarWriter, recorded: Recorded, keyring: Keyring, keep_secrets: bool) -> None:
    """One HAR entry: credentials reduced to their shape and known keys named, unless --keep-secrets."""
    if keep_secrets:
        writer.write(har_entry(recorded))
        return
    recorded.headers = [(name, keyring.shown(name, value)) for name, value in recorded.headers]
    recorded.response_headers = [(name, keyring.shown(name, value)) for name, value in recorded.response_headers]
    writer.write(har_entry(recorded), keyring.redactor)


add_environment(judge)
add_environment(proxy)
