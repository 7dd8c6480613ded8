"""click commands only: flags -> Config -> engine -> formatter -> exit code.

Exit codes (SPEC §4): 0 nothing at or above ``--fail-on``; 1 findings at or
above it; 2 usage, config or policy-file error; 3 internal error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Sequence

import click

from sovlint import __version__

if TYPE_CHECKING:
    from sovlint.engine import Selection
    from sovlint.shards import Shard

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
SEVERITIES = ("info", "low", "medium", "high", "critical", "never")


class _OrderedCommand(click.Command):
    """Keeps the raw arguments so that each ``--output`` pairs with the ``--format`` before it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["sovlint.args"] = list(args)
        return super().parse_args(ctx, args)


def pair_outputs(args: Sequence[str], formats: Sequence[str]) -> list[tuple[str, str | None]]:
    """[(format, output file or None for stdout)] in the order given.

    ``--format sarif --output r.sarif --format text`` and ``--format sarif:r.sarif`` both
    send SARIF to r.sarif and text to standard output.
    """
    pairs: list[list[Any]] = []
    it = iter(range(len(args)))
    for i in it:
        token = args[i]
        value: str | None = None
        name = token
        if "=" in token and token.startswith("--"):
            name, value = token.split("=", 1)
        if name in ("--format", "-f"):
            if value is None and i + 1 < len(args):
                value = args[i + 1]
                next(it, None)
            if value is None:
                continue
            fmt, _, out = value.partition(":")
            pairs.append([fmt, out or None])
        elif name in ("--output", "-o"):
            if value is None and i + 1 < len(args):
                value = args[i + 1]
                next(it, None)
            if pairs and pairs[-1][1] is None:
                pairs[-1][1] = value
            else:
                pairs.append([None, value])
        elif token == "--":
            break
    if not pairs:
        pairs = [[f.partition(":")[0], f.partition(":")[2] or None] for f in formats] or [["text", None]]
    default = "text"
    return [(p[0] or default, p[1]) for p in pairs]


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"sovlint: {message}", err=True)
    sys.exit(code)


def _guarded(debug: bool, body: Callable[[], int]) -> None:
    """Run a command body, turning known errors into exit 2 and the rest into exit 3."""
    from sovlint.config import ConfigError
    from sovlint.policy.load import PolicyError

    try:
        code = body()
    except (ConfigError, PolicyError) as exc:
        _fail(str(exc), EXIT_USAGE)
    except click.exceptions.Exit:
        raise
    except click.ClickException:
        raise
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_INTERNAL)
    except BrokenPipeError:
        sys.exit(EXIT_OK)
    except Exception as exc:  # the last line of defence: no traceback unless --debug
        if debug:
            import traceback

            traceback.print_exc()
        _fail(f"internal error: {type(exc).__name__}: {exc}"
              + ("" if debug else " (run with --debug for the trace)"), EXIT_INTERNAL)
    else:
        sys.exit(code)


def _shard_job(shard: str | None) -> Shard | None:
    """The ``Shard`` of ``--shard K/N`` (None without it; its module imported only then)."""
    if shard is None:
        return None
    from sovlint.config import ConfigError
    from sovlint.shards import Shard, ShardError

    try:
        return Shard.parse(shard)
    except ShardError as exc:
        raise ConfigError(str(exc)) from None


def _shard_selection(job: Shard | None) -> Selection | None:
    if job is None:
        return None
    from sovlint.shards import selection

    return selection(job)


def _existing_targets(paths: Sequence[Path]) -> list[Path]:
    """The paths to scan (default ``.``); one that does not exist is a usage error (exit 2).

    A symbolic link that exists but leads nowhere (a loop) is scanned and reported as such.
    """
    targets = list(paths) or [Path(".")]
    for target in targets:
        if not os.path.lexists(target):
            raise click.UsageError(f"{target}: no such file or directory")
    return targets


def _use_color(no_color: bool, stream: Any) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class _ProgressLine:
    """A ``done/total`` line on standard error, drawn only on a terminal and only once a scan
    has run for a second (short scans and pre-commit runs stay silent); erased at the end."""

    DELAY, INTERVAL = 1.0, 0.1

    def __init__(self, stream: Any) -> None:
        import time

        self._stream = stream
        self._clock = time.monotonic
        self._start = self._clock()
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        if now - self._start < self.DELAY or (now - self._last < self.INTERVAL and done < total):
            return
        self._last = now
        width = 24
        filled = width * done // max(total, 1)
        self._stream.write(f"\rsovlint: [{'#' * filled}{'.' * (width - filled)}] "
                           f"{done}/{total} modules and files")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        """Erase the line if it was drawn."""
        if self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()


def _progress_for(quiet: bool, stream: Any = None) -> _ProgressLine | None:
    """A progress line when standard error is a terminal and ``--quiet`` is not given."""
    stream = sys.stderr if stream is None else stream
    if quiet or not getattr(stream, "isatty", lambda: False)():
        return None
    return _ProgressLine(stream)


def _write_outputs(result: Any, pairs: Sequence[tuple[str, str | None]], options: dict[str, Any]) -> None:
    from sovlint.formatters import FORMATTERS, report_chunks
    from sovlint.suppress import write_atomically

    for fmt, out in pairs:
        if fmt not in FORMATTERS:
            raise click.UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATTERS)})")
    for fmt, out in pairs:
        opts = dict(options)
        if out is not None:
            opts["color"] = False
        chunks = report_chunks(fmt, result, opts)
        if out is None or out == "-":
            for chunk in chunks:
                click.echo(chunk, nl=False)
        else:
            write_atomically(Path(out), chunks)


def _scan_flags(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The command-line settings that override the config file (only those given)."""
    flags: dict[str, Any] = {}
    if kwargs.get("profile"):
        flags["profile"] = kwargs["profile"]
    if kwargs.get("fail_on"):
        flags["fail_on"] = kwargs["fail_on"]
    if kwargs.get("policy"):
        flags["policies"] = tuple(kwargs["policy"])
    if kwargs.get("no_builtin_policies"):
        flags["builtin_policies"] = False
    if kwargs.get("enable"):
        flags["enable"] = tuple(kwargs["enable"])
    if kwargs.get("disable"):
        flags["disable"] = tuple(kwargs["disable"])
    if kwargs.get("exclude"):
        flags["exclude"] = tuple(kwargs["exclude"])
    if kwargs.get("var_file"):
        flags["var_files"] = tuple(kwargs["var_file"])
    if kwargs.get("var"):
        variables = {}
        for item in kwargs["var"]:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--var")
            variables[name] = value
        flags["variables"] = variables
    if kwargs.get("baseline"):
        flags["baseline"] = kwargs["baseline"]
    if kwargs.get("jobs") is not None:
        flags["jobs"] = kwargs["jobs"]  # 0: one per usable core
    if kwargs.get("no_inline_suppressions"):
        flags["inline_suppressions"] = False
    if kwargs.get("require_suppression_reason"):
        flags["require_reason"] = True
    if kwargs.get("no_plugins"):
        flags["plugins"] = False
    if kwargs.get("max_file_size"):
        flags["max_file_size"] = kwargs["max_file_size"]
    if kwargs.get("no_cache"):
        flags["cache"] = False
    if kwargs.get("debug"):
        flags["debug"] = True
    if kwargs.get("hcl_backend"):
        flags["hcl_backend"] = kwargs["hcl_backend"]
    if kwargs.get("workspace"):
        flags["workspace"] = kwargs["workspace"]
    if kwargs.get("fetch_modules"):
        flags["fetch_modules"] = True
    if kwargs.get("deploy_env"):
        flags["deploy_env"] = True
    return flags


def _rule_options() -> list[Callable[..., Any]]:
    """Options of every reviewing command (``scan``, ``inventory``, ``aws``, ``azure``, ``gcp``),
    but the rule profile."""
    return [
        click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Configuration file (default: .sovlint.yaml found upwards)."),
        click.option("--policy", multiple=True, type=click.Path(exists=True, path_type=Path),
                     help="Add policy files or directories (repeatable)."),
        click.option("--no-builtin-policies", is_flag=True, help="Do not load the built-in rules."),
        click.option("--enable", multiple=True, metavar="RULE", help="Enable a rule (repeatable)."),
        click.option("--disable", multiple=True, metavar="RULE", help="Disable a rule (repeatable)."),
        click.option("--fail-on", type=click.Choice(SEVERITIES), help="Lowest severity that fails the run (default: low)."),
        click.option("--baseline", type=click.Path(dir_okay=False), help="Fail only on findings not in this baseline."),
        click.option("--no-inline-suppressions", is_flag=True, help="Ignore every inline sovlint:ignore."),
        click.option("--require-suppression-reason", is_flag=True,
                     help="An inline suppression without a reason does not count."),
        click.option("--no-plugins", is_flag=True, help="Do not load Python rules from installed packages."),
        click.option("--quiet", "-q", is_flag=True, help="Only findings, no summary table."),
        click.option("--no-color", is_flag=True, help="No colour, even on a terminal."),
        click.option("--debug", is_flag=True, help="Show internal traces."),
    ]


def _apply(func: Callable[..., Any], options: Sequence[Callable[..., Any]]) -> Callable[..., Any]:
    for option in reversed(options):
        func = option(func)
    return func


def _review_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The shared options alone (``sovlint aws``, whose ``--profile`` is the AWS profile)."""
    return _apply(func, _rule_options())


def _scan_options(func: Callable[..., Any]) -> Callable[..., Any]:
    return _apply(func, [
        click.option("--profile", help="Rule profile: france (default), secnumcloud, eu, or your own."),
        *_rule_options(),
        click.option("--var", multiple=True, metavar="NAME=VALUE", help="Set a Terraform variable."),
        click.option("--var-file", multiple=True, type=click.Path(path_type=Path), help="Terraform variables file."),
        click.option("--workspace", metavar="NAME",
                     help="The Terraform workspace (the value of terraform.workspace; unknown without it)."),
        click.option("--fetch-modules", is_flag=True,
                     help="Fetch remote modules with your own `terraform get` (or `tofu get`), into "
                          "sovlint's cache directory: the one network use of scan."),
        click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable)."),
        click.option("--jobs", "-j", type=click.IntRange(min=0),
                     help="Worker processes (default 0: one per core; 1: none)."),
        click.option("--max-file-size", type=click.IntRange(min=1), help="Skip files larger than this many bytes."),
        click.option("--no-cache", is_flag=True, help="Do not use the parse cache."),
        click.option("--hcl-backend", type=click.Choice(["auto", "hcl2", "treesitter"]),
                     help="HCL parser: treesitter, hcl2 (python-hcl2, the reference), or auto (default: tree-sitter where it loads)."),
        click.option("--deploy-env", is_flag=True,
                     help="Where the code sets no region, read the provider's from the environment "
                          "(AWS_REGION, SCW_DEFAULT_REGION, profiles...), as it would at deploy time."),
    ])


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sovlint")
@click.pass_context
def main(ctx: click.Context) -> None:
    """sovlint: where is your data hosted, and under which law?

    Checks Terraform, Kubernetes, CloudFormation and Azure ARM code (and live
    AWS accounts, Azure subscriptions and Google Cloud projects) against
    data-sovereignty policies.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@main.command(cls=_OrderedCommand)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "-f", "formats", multiple=True, metavar="FORMAT[:FILE]",
              help="text, json, sarif, junit, github, gitlab, html (repeatable).")
@click.option("--output", "-o", "outputs", multiple=True, metavar="FILE",
              help="Write the preceding --format to FILE.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), help="Record today's findings as a baseline.")
@click.option("--show-remediation", is_flag=True,
              help="Text output: show the way out (sovereign alternatives) under each finding.")
@click.option("--changed-since", metavar="REF",
              help="Only what the changes since git revision REF can affect (pull requests).")
@click.option("--shard", metavar="K/N",
              help="Scan job K of N (CI matrix); `sovlint merge` combines the jobs' JSON reports.")
@_scan_options
@click.pass_context
def scan(ctx: click.Context, paths: tuple[Path, ...], formats: tuple[str, ...],
         outputs: tuple[str, ...], write_baseline: str | None, show_remediation: bool,
         changed_since: str | None, shard: str | None, **kwargs: Any) -> None:
    """Scan infrastructure code (default: the current directory)."""

    def body() -> int:
        from sovlint.config import ConfigError, load_config
        from sovlint.engine import exit_code
        from sovlint.engine import scan as run_scan
        from sovlint.suppress import baseline_text, write_atomically

        targets = _existing_targets(paths)
        config = load_config(kwargs.get("config_file"), targets, _scan_flags(kwargs), scanning=True)
        pairs = pair_outputs(ctx.meta.get("sovlint.args", []), formats)
        job = _shard_job(shard)
        explicit = all(p.is_file() for p in targets)
        progress = _progress_for(kwargs["quiet"])
        try:
            result = run_scan(targets, config, explicit_files=explicit, progress=progress,
                              selection=_shard_selection(job),
                              changed_since=changed_since)
        finally:
            if progress is not None:
                progress.close()
        _write_outputs(result, pairs, {"color": _use_color(kwargs["no_color"], sys.stdout),
                                       "quiet": kwargs["quiet"], "command": "scan",
                                       "show_remediation": show_remediation, "shard": job})
        if write_baseline:
            write_atomically(Path(write_baseline), baseline_text(result.findings))
            return EXIT_OK
        return exit_code(result.findings, config.fail_on)

    _guarded(bool(kwargs.get("debug")), body)


@main.command(cls=_OrderedCommand)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "-f", "formats", multiple=True, metavar="FORMAT[:FILE]",
              help="text, json, csv, html.")
@click.option("--output", "-o", "outputs", multiple=True, metavar="FILE")
@_scan_options
@click.pass_context
def inventory(ctx: click.Context, paths: tuple[Path, ...], formats: tuple[str, ...],
              outputs: tuple[str, ...], **kwargs: Any) -> None:
    """Every resource with its provider, region, country, law, data class and replicas."""

    def body() -> int:
        from sovlint.config import load_config
        from sovlint.engine import scan as run_scan
        from sovlint.catalog import cached_catalog
        from sovlint.inventory import render_inventory
        from sovlint.suppress import write_atomically

        targets = _existing_targets(paths)
        config = load_config(kwargs.get("config_file"), targets, _scan_flags(kwargs), scanning=True)
        progress = _progress_for(kwargs["quiet"])
        try:
            result = run_scan(targets, config, explicit_files=all(p.is_file() for p in targets),
                              progress=progress)
        finally:
            if progress is not None:
                progress.close()
        for fmt, out in pair_outputs(ctx.meta.get("sovlint.args", []), formats):
            text = render_inventory(result, fmt, {"color": False,
                                                  "catalog": cached_catalog(config.catalog)})
            if out is None or out == "-":
                click.echo(text, nl=False)
            else:
                write_atomically(Path(out), text)
        return EXIT_OK

    _guarded(bool(kwargs.get("debug")), body)


@main.command(cls=_OrderedCommand)
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False,
                                                                     path_type=Path))
@click.option("--format", "-f", "formats", multiple=True, metavar="FORMAT[:FILE]",
              help="text, json, sarif, junit, github, gitlab, html (repeatable).")
@click.option("--output", "-o", "outputs", multiple=True, metavar="FILE",
              help="Write the preceding --format to FILE.")
@click.option("--show-remediation", is_flag=True,
              help="Text output: show the way out (sovereign alternatives) under each finding.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file, as given to the jobs.")
@click.option("--profile", help="Rule profile, as given to the jobs (default: the reports').")
@click.option("--policy", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Policy files or directories, as given to the jobs.")
@click.option("--no-builtin-policies", is_flag=True)
@click.option("--enable", multiple=True, metavar="RULE")
@click.option("--disable", multiple=True, metavar="RULE")
@click.option("--no-plugins", is_flag=True)
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Lowest severity that fails the run (default: low).")
@click.option("--quiet", "-q", is_flag=True, help="Only findings, no summary table.")
@click.option("--no-color", is_flag=True, help="No colour, even on a terminal.")
@click.option("--debug", is_flag=True, help="Show internal traces.")
@click.pass_context
def merge(ctx: click.Context, reports: tuple[Path, ...], formats: tuple[str, ...],
          outputs: tuple[str, ...], show_remediation: bool, **kwargs: Any) -> None:
    """Combine the JSON reports of `scan --shard K/N` jobs into the report of one scan.

    Every job of the split must be given once. The rules are loaded as the
    jobs loaded them: give merge the same --config/--profile/--policy options.
    """

    def body() -> int:
        from sovlint.config import ConfigError, load_config
        from sovlint.engine import exit_code, select_policies
        from sovlint.shards import ShardError, merged_result, read_reports

        try:
            found = read_reports(reports)
        except ShardError as exc:
            raise ConfigError(str(exc)) from None
        flags = _scan_flags({**kwargs, "profile": kwargs.get("profile") or found.profile})
        config = load_config(kwargs.get("config_file"), [Path(".")], flags)
        policies = select_policies(config)
        if [p.id for p in policies] != found.rules:
            raise ConfigError("the reports were made with the rules " + ", ".join(found.rules)
                              + "; these options load " + ", ".join(p.id for p in policies)
                              + ": give merge the --config/--profile/--policy options of the jobs")
        result = merged_result(found, policies)
        pairs = pair_outputs(ctx.meta.get("sovlint.args", []), formats)
        _write_outputs(result, pairs, {"color": _use_color(kwargs["no_color"], sys.stdout),
                                       "quiet": kwargs["quiet"], "command": "scan",
                                       "show_remediation": show_remediation})
        return exit_code(result.findings, config.fail_on)

    _guarded(bool(kwargs.get("debug")), body)


#: Services ``sovlint aws`` reviews (kept here so that ``--help`` does not import boto3).
AWS_SERVICES = ("s3", "rds", "dynamodb", "ebs", "efs", "backup", "redshift", "elasticache",
                "opensearch", "kms")


@main.command("aws", cls=_OrderedCommand)
@click.option("--profile", "aws_profile", metavar="NAME",
              help="AWS profile (~/.aws/config) to review with. NB: the rule profile is --rules-profile.")
@click.option("--rules-profile", metavar="PROFILE",
              help="Rule profile: france (default), secnumcloud, eu, or your own (what --profile is for scan).")
@click.option("--region", "regions", multiple=True, metavar="REGION",
              help="Review this region (repeatable). Default: every enabled region.")
@click.option("--all-regions", is_flag=True, help="Review every region enabled in the account (the default).")
@click.option("--endpoint-url", metavar="URL", help="Send every call to this endpoint (a test server).")
@click.option("--service", "services", multiple=True, type=click.Choice(AWS_SERVICES),
              help="Review only this service (repeatable). Default: all.")
@click.option("--max-workers", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Concurrent API calls (accounts x services x regions).")
@click.option("--org", is_flag=True, help="Review every account of the AWS Organization (from its management account).")
@click.option("--role-name", metavar="NAME", help="With --org: the role to assume in member accounts.")
@click.option("--format", "-f", "formats", multiple=True, metavar="FORMAT[:FILE]",
              help="text, json, sarif, junit, github, gitlab, html (repeatable).")
@click.option("--output", "-o", "outputs", multiple=True, metavar="FILE",
              help="Write the preceding --format to FILE.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), help="Record today's findings as a baseline.")
@_review_options
@click.pass_context
def aws(ctx: click.Context, aws_profile: str | None, rules_profile: str | None,
        regions: tuple[str, ...], all_regions: bool, endpoint_url: str | None,
        services: tuple[str, ...], max_workers: int, org: bool, role_name: str | None,
        formats: tuple[str, ...], outputs: tuple[str, ...], write_baseline: str | None,
        **kwargs: Any) -> None:
    """Review a live AWS account (read-only: List/Get/Describe calls only).

    Reads S3, RDS, DynamoDB, EBS, EFS, AWS Backup, Redshift, ElastiCache,
    OpenSearch and KMS in the chosen regions and checks them with the same
    rules as code. Findings name resources by ARN; their path is
    aws://ACCOUNT/REGION. --profile is the AWS profile here; the rule profile
    is --rules-profile. The permissions needed are in docs/aws-iam-policy.json.
    """

    if regions and all_regions:
        raise click.UsageError("--region and --all-regions exclude each other")
    if org and not role_name:
        raise click.UsageError("--org needs --role-name")

    def review(progress_label: str) -> Any:
        from sovlint.aws.collect import ReviewOptions, review_aws
        from sovlint.live.progress import ProgressBar

        options = ReviewOptions(profile=aws_profile, regions=tuple(regions),
                                endpoint_url=endpoint_url,
                                services=tuple(services) or AWS_SERVICES,
                                max_workers=max_workers, org=org, role_name=role_name)
        return review_aws(options, progress=ProgressBar(label=progress_label))

    _live_review(ctx, "aws", review, rules_profile, formats, write_baseline, kwargs)


# --- live reviews: shared body, `sovlint azure`, `sovlint gcp` --------------------------------

def _live_review(ctx: click.Context, command: str, review: Callable[[str], Any],
                 rules_profile: str | None, formats: tuple[str, ...],
                 write_baseline: str | None, kwargs: dict[str, Any]) -> None:
    """The body of every live review: config and policies, the review (``review(progress
    label)`` returns a ``LiveReview``), the same rules and outputs as a scan, exit code."""

    def body() -> int:
        from sovlint.config import load_config
        from sovlint.engine import exit_code, review_resources, select_policies
        from sovlint.suppress import baseline_text, write_atomically

        config = load_config(kwargs.get("config_file"), [Path(".")],
                             _scan_flags({**kwargs, "profile": rules_profile}))
        pairs = pair_outputs(ctx.meta.get("sovlint.args", []), formats)
        policies = select_policies(config)  # a bad policy file stops before any API call

        from sovlint.live.review import LiveSetupError

        try:
            live = review(f"sovlint {command}")
        except LiveSetupError as exc:
            _fail(str(exc), EXIT_USAGE)
            return EXIT_USAGE
        result = review_resources(live.resources, live.errors, config, policies, live.sources)
        _write_outputs(result, pairs, {"color": _use_color(kwargs["no_color"], sys.stdout),
                                       "quiet": kwargs["quiet"], "command": command})
        if write_baseline:
            write_atomically(Path(write_baseline), baseline_text(result.findings))
            return EXIT_OK
        return exit_code(result.findings, config.fail_on)

    _guarded(bool(kwargs.get("debug")), body)


def _missing_extra(command: str, extra: str, exc: ImportError) -> NoReturn:
    click.echo(f"sovlint: sovlint {command} needs the {extra} extra: "
               f"pip install 'sovlint[{extra}]' ({exc})", err=True)
    sys.exit(EXIT_USAGE)


def _live_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options of ``sovlint azure`` and ``sovlint gcp`` besides their scope."""
    return _apply(func, [
        click.option("--profile", "--rules-profile", "rules_profile", metavar="PROFILE",
                     help="Rule profile: france (default), secnumcloud, eu, or your own."),
        click.option("--endpoint", metavar="URL",
                     help="Send every request to this API endpoint (a sovereign cloud, or a "
                          "loopback test server)."),
        click.option("--format", "-f", "formats", multiple=True, metavar="FORMAT[:FILE]",
                     help="text, json, sarif, junit, github, gitlab, html (repeatable)."),
        click.option("--output", "-o", "outputs", multiple=True, metavar="FILE",
                     help="Write the preceding --format to FILE."),
        click.option("--write-baseline", type=click.Path(dir_okay=False),
                     help="Record today's findings as a baseline."),
        *_rule_options(),
    ])


@main.command("azure", cls=_OrderedCommand)
@click.option("--subscription", "subscriptions", multiple=True, metavar="ID",
              help="Review this subscription (repeatable). Default: every subscription the "
                   "identity can read.")
@click.option("--all-subscriptions", is_flag=True,
              help="Review every subscription the identity can read (the default).")
@click.option("--management-group", "management_groups", multiple=True, metavar="ID",
              help="Review the subscriptions of this management group (repeatable).")
@_live_options
@click.pass_context
def azure(ctx: click.Context, subscriptions: tuple[str, ...], all_subscriptions: bool,
          management_groups: tuple[str, ...], rules_profile: str | None, endpoint: str | None,
          formats: tuple[str, ...], outputs: tuple[str, ...], write_baseline: str | None,
          **kwargs: Any) -> None:
    """Review live Azure subscriptions (read-only: one Azure Resource Graph query).

    Every resource of the scope, with its type, location, SKU, properties and
    tags, checked with the same rules as code (ARM types, the same location
    semantics as ARM templates). Credentials: DefaultAzureCredential (az login,
    environment, managed identity); the role needed is Reader. Findings name
    resources by id; their path is azure://SUBSCRIPTION/LOCATION.
    """
    if subscriptions and (all_subscriptions or management_groups):
        raise click.UsageError("--subscription excludes --all-subscriptions and --management-group")
    if all_subscriptions and management_groups:
        raise click.UsageError("--all-subscriptions and --management-group exclude each other")

    def review(progress_label: str) -> Any:
        try:
            from sovlint.azure.collect import AzureOptions, review_azure
        except ImportError as exc:
            _missing_extra("azure", "azure", exc)
        from sovlint.live.progress import ProgressBar

        options = AzureOptions(subscriptions=tuple(subscriptions),
                               management_groups=tuple(management_groups), endpoint=endpoint)
        return review_azure(options, progress=ProgressBar(label=progress_label))

    _live_review(ctx, "azure", review, rules_profile, formats, write_baseline, kwargs)


@main.command("gcp", cls=_OrderedCommand)
@click.option("--project", "projects", multiple=True, metavar="ID",
              help="Review this project (repeatable). Default: the application default "
                   "credentials' project.")
@click.option("--folder", "folders", multiple=True, metavar="ID",
              help="Review every project of this folder (repeatable).")
@click.option("--organization", metavar="ID", help="Review every project of the organisation.")
@_live_options
@click.pass_context
def gcp(ctx: click.Context, projects: tuple[str, ...], folders: tuple[str, ...],
        organization: str | None, rules_profile: str | None, endpoint: str | None,
        formats: tuple[str, ...], outputs: tuple[str, ...], write_baseline: str | None,
        **kwargs: Any) -> None:
    """Review live Google Cloud projects (read-only: one Cloud Asset Inventory search a scope).

    The resources of the asset types that hold data, with their location and
    representation, checked with the same rules as code (the Terraform types
    they stand for, the same location semantics). Credentials: application
    default credentials; the role needed is roles/cloudasset.viewer. Findings
    name resources by their full name; their path is gcp://PROJECT/LOCATION.
    """
    if sum(1 for given in (projects, folders, organization) if given) > 1:
        raise click.UsageError("give --project, --folder or --organization, not several of them")

    def review(progress_label: str) -> Any:
        try:
            from sovlint.gcp.collect import GcpOptions, review_gcp
        except ImportError as exc:
            _missing_extra("gcp", "gcp", exc)
        from sovlint.live.progress import ProgressBar

        options = GcpOptions(projects=tuple(projects), folders=tuple(folders),
                             organization=organization, endpoint=endpoint)
        return review_gcp(options, progress=ProgressBar(label=progress_label))

    _live_review(ctx, "gcp", review, rules_profile, formats, write_baseline, kwargs)


# --- end of the live reviews ------------------------------------------------------------------


@main.command()
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--profile")
@click.option("--policy", multiple=True, type=click.Path(exists=True, path_type=Path))
@click.option("--no-builtin-policies", is_flag=True)
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules(config_file: Path | None, profile: str | None, policy: tuple[Path, ...],
          no_builtin_policies: bool, fmt: str) -> None:
    """List the loaded rules: id, name, severity, source file."""

    def body() -> int:
        import json

        from sovlint.config import load_config
        from sovlint.engine import select_policies

        flags: dict[str, Any] = {"profile": profile, "policies": tuple(policy) or None}
        if no_builtin_policies:
            flags["builtin_policies"] = False
        config = load_config(config_file, [Path(".")], flags)
        policies = select_policies(config)
        if fmt == "json":
            click.echo(json.dumps([{"id": p.id, "name": p.name, "severity": p.severity.label,
                                    "title": p.title, "source": p.source_file} for p in policies],
                                  indent=2))
            return EXIT_OK
        for p in policies:
            click.echo(f"{p.id:<8} {p.name:<28} {p.severity.label:<9} {p.source_file}")
        return EXIT_OK

    _guarded(False, body)


@main.command()
@click.argument("rule")
@click.option("--policy", multiple=True, type=click.Path(exists=True, path_type=Path))
def explain(rule: str, policy: tuple[Path, ...]) -> None:
    """Why a rule matters, its legal basis, how to fix, and examples."""

    def body() -> int:
        from sovlint.datafiles import policies_dir
        from sovlint.explain import explain_text
        from sovlint.policy.load import load_policies

        # every built-in rule, whatever the profile, then the given files
        everything = {p.id: p for p in load_policies([policies_dir() / "rules", *policy])}
        found = everything.get(rule.upper())
        if found is None:
            _fail(f"unknown rule {rule!r}; `sovlint rules` lists them")
            return EXIT_USAGE
        click.echo(explain_text(found))
        return EXIT_OK

    _guarded(False, body)


@main.command()
@click.argument("provider", required=False)
@click.argument("region", required=False)
@click.option("--catalog", "extra", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Add a catalog file.")
def catalog(provider: str | None, region: str | None, extra: tuple[Path, ...]) -> None:
    """What the catalog says about providers and regions."""

    def body() -> int:
        from sovlint.catalog import load_catalog
        from sovlint.catalog_view import describe_catalog

        text, ok = describe_catalog(load_catalog(extra), provider, region)
        click.echo(text)
        return EXIT_OK if ok else EXIT_USAGE

    _guarded(False, body)


@main.group()
def policy() -> None:
    """Policy files: schema, validation, tests."""


@policy.command("schema")
def policy_schema_cmd() -> None:
    """Print the JSON Schema of policy files."""
    import json

    from sovlint.policy.load import policy_schema

    click.echo(json.dumps(policy_schema(), indent=2))


@policy.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def policy_validate(files: tuple[Path, ...]) -> None:
    """Validate policy files against the schema (exit 2 on the first invalid one)."""

    def body() -> int:
        from sovlint.policy.load import load_policies, policy_files

        count = 0
        for path in policy_files(files):
            count += len(load_policies([path]))
        click.echo(f"{count} rules valid")
        return EXIT_OK

    _guarded(False, body)


@policy.command("test")
@click.argument("dirs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--policy", "extra", multiple=True, type=click.Path(exists=True, path_type=Path))
def policy_test(dirs: tuple[Path, ...], extra: tuple[Path, ...]) -> None:
    """Run policy tests: fixtures annotated with sovlint-expect / sovlint-ok."""

    def body() -> int:
        from sovlint.policy.testing import run_policy_tests

        report, ok = run_policy_tests(list(dirs), list(extra))
        click.echo(report)
        return EXIT_OK if ok else EXIT_FINDINGS

    _guarded(False, body)
