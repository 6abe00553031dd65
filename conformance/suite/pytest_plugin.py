"""The suite inside your own pytest session: ``pytest --pyargs conformance.suite [--conformance-OPTION ...]``.

Every option of ``conformance run`` is available as ``--conformance-<option>`` (the same settings file and
environment variables apply); checks carry markers by family (``-m auth``) and pytest's ``--junitxml`` records
each check's ID, level and statement. Inert unless the suite itself is collected.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import click
import pytest

SUITE = Path(__file__).resolve().parent


def _run_options() -> list[click.Option]:
    from conformance.cli.run import run_command

    return [param for param in run_command.params if isinstance(param, click.Option)]


def _dest(option: click.Option) -> str:
    return "conformance_" + option.name


def pytest_addoption(parser: pytest.Parser) -> None:
    from conformance.cli.settings import flag

    group = parser.getgroup("conformance", "Xendit cancel-session conformance suite")
    group.addoption("--conformance-judge-traffic", dest="conformance_judge_traffic", action="store_true",
                    help="Judge the traffic your own tests send with requests, as `conformance judge` would (keys "
                    "and reports from the --conformance-* options); a verdict other than CONFORMANT fails the run.")
    for option in _run_options():
        name = f"--conformance-{flag(option)}"
        if option.is_flag and option.count:
            group.addoption(name, dest=_dest(option), action="count", default=0, help=option.help)
        elif option.is_flag:
            group.addoption(name, dest=_dest(option), action="store_true", default=False, help=option.help)
        else:
            group.addoption(name, dest=_dest(option), action="append" if option.multiple else "store",
                            help=option.help)


def _collects_suite(config: pytest.Config) -> bool:
    for arg in config.args:
        target = arg.split("::")[0]
        if target.startswith("conformance.suite") or SUITE in {Path(target).resolve(), *Path(target).resolve().parents}:
            return True
    return False


def _argv(config: pytest.Config, names: set[str] | None = None) -> list[str]:
    """The pytest options given (those of `names` only, if given), back as `conformance run` arguments, so click
    parses them the same way."""
    from conformance.cli.settings import flag

    argv = []
    for option in _run_options():
        if names is not None and option.name not in names:
            continue
        value = config.getoption(_dest(option))
        long = f"--{flag(option)}"
        if option.is_flag:
            argv += [long] * (value if option.count else bool(value))
        elif value is not None:
            for item in value if option.multiple else [value]:
                argv += [long, item]
    return argv


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("conformance_judge_traffic") and not config.pluginmanager.has_plugin("conformance-traffic"):
        config.pluginmanager.register(_traffic_plugin(config), "conformance-traffic")
    if not _collects_suite(config) or config.pluginmanager.has_plugin("conformance-run"):
        return
    from conformance.cli.options import run_config
    from conformance.cli.run import run_command
    from conformance.cli.settings import defaults_from_file
    from conformance.run import UsageError, prepare
    from conformance.suite.check_items import ConformancePlugin
    from conformance.target.client import TargetUnreachable

    _, defaults = defaults_from_file(run_command, Path.cwd())
    stack = contextlib.ExitStack()
    try:
        context = run_command.make_context("conformance", _argv(config), default_map=defaults)
        run_context = stack.enter_context(prepare(run_config(context.params)))
    except (click.ClickException, UsageError, TargetUnreachable) as error:
        stack.close()
        raise pytest.UsageError(f"conformance: {error}") from None
    config.add_cleanup(stack.close)
    config.pluginmanager.register(ConformancePlugin(run_context), "conformance-run")


def _traffic_plugin(config: pytest.Config) -> object:
    """The judge of the session's own traffic: installed now, reporting at the end."""
    from rich.console import Console

    from conformance.cli.judge import judge, judgement_of, report
    from conformance.cli.settings import defaults_from_file
    from conformance.judge.adapter import TrafficJudge
    from conformance.run import UsageError

    _, defaults = defaults_from_file(judge, Path.cwd())
    names = {param.name for param in judge.params if isinstance(param, click.Option)}
    try:
        context = judge.make_context("judge", ["pytest-session", *_argv(config, names)], default_map=defaults)
        judgement, settings = judgement_of(context.params, "the traffic of this pytest session")
    except (click.ClickException, UsageError) as error:
        raise pytest.UsageError(f"conformance: {error}") from None
    traffic = TrafficJudge(judgement)
    traffic.install()
    config.add_cleanup(traffic.uninstall)

    class TrafficPlugin:
        verdict = ""

        @pytest.hookimpl(trylast=True)
        def pytest_sessionfinish(self, session: pytest.Session) -> None:
            traffic.uninstall()
            output = io.StringIO()
            code = report(judgement.result(), settings, Console(file=output, width=120))
            self.verdict = output.getvalue()
            if code and session.exitstatus == 0:
                session.exitstatus = code

        def pytest_terminal_summary(self, terminalreporter) -> None:
            terminalreporter.write_sep("=", "conformance: the traffic of this session, judged")
            terminalreporter.write(self.verdict)

    return TrafficPlugin()
