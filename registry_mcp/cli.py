"""`registry-mcp`: parse options and the environment, then serve MCP over stdio (or Streamable HTTP)."""

from __future__ import annotations

import argparse
import dataclasses
import errno
import fnmatch
import functools
import logging
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

from registry_mcp import __version__
from registry_mcp.logs import WithoutQueries, log_to_stderr
from registry_mcp.settings import (
    ALLOW_LAUNCH_VARIABLE,
    ALLOW_PRIVATE_TARGETS_VARIABLE,
    API_KEY_VARIABLES,
    BASE_URL_VARIABLE,
    CATALOG_NAMESPACE_VARIABLE,
    CONNECT_TIMEOUT_VARIABLE,
    DATABASE_VARIABLE,
    DEFAULT_HTTP_HOST,
    HTTP_AUTH_VARIABLE,
    HTTP_TOKEN_VARIABLE,
    MAX_RESPONSE_BYTES_VARIABLE,
    PROJECT_VARIABLE,
    PUBLIC_REGISTRY_VARIABLE,
    READ_ONLY_VARIABLE,
    SHOW_SECRETS_VARIABLE,
    TIMEOUT_VARIABLE,
    TOOLS_VARIABLE,
    HttpAuthMode,
    Settings,
    default_database,
    require_namespace,
    split_list,
)
from registry_mcp.urls import is_loopback, require_safe_base_url, require_trusted_url

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from starlette.types import ASGIApp

    from registry_mcp.mcp.http_auth import HttpAuth

NumberT = TypeVar("NumberT", int, float)
DEFAULT_PORT = 8000


class OneLineParser(argparse.ArgumentParser):
    """Every refusal is one line on stderr (the usage, several lines, is for --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def refuse_to_start(options: argparse.Namespace, message: str, cause: BaseException | None) -> NoReturn:
    """Stop before serving, for a reason outside the options (a file, a port): one line on stderr, the
    traceback of `cause` before it only at --log-level DEBUG."""
    if cause is not None and options.log_level == "DEBUG":
        import traceback

        traceback.print_exception(cause)
    sys.stderr.write(f"registry-mcp: error: {message}\n")
    sys.exit(1)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="registry-mcp",
        description=(
            "An MCP server (stdio, or Streamable HTTP) for the Enkrypt AI MCP Registry. With an API key in "
            f"{API_KEY_VARIABLES[0]} it manages your cloud registry; without one, an embedded registry "
            "kept in a local SQLite file."
        ),
        epilog=(
            f"Environment: {' or '.join(API_KEY_VARIABLES)} (API key), {BASE_URL_VARIABLE}, {PROJECT_VARIABLE}, "
            f"{DATABASE_VARIABLE} (embedded registry file), {TOOLS_VARIABLE} (comma-separated allow-list), "
            f"{TIMEOUT_VARIABLE} and {CONNECT_TIMEOUT_VARIABLE} (seconds), {MAX_RESPONSE_BYTES_VARIABLE}, "
            f"{READ_ONLY_VARIABLE} (1 for read-only), {PUBLIC_REGISTRY_VARIABLE}, "
            f"{SHOW_SECRETS_VARIABLE} (1 to show secrets), {ALLOW_LAUNCH_VARIABLE} (1 to inspect without asking). "
            "Options override the environment."
        ),
    )
    parser.add_argument("--version", action="version", version=f"registry-mcp {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help=f"embedded registry file, or ':memory:' (default: {default_database()}; only its folder is created)",
    )
    parser.add_argument("--project", help="registry project (default: 'default')")
    parser.add_argument("--base-url", help="cloud registry URL (default: https://api.enkryptai.com)")
    parser.add_argument(
        "--public-registry-url",
        metavar="URL",
        help="the official MCP Registry or a mirror (default: https://registry.modelcontextprotocol.io)",
    )
    parser.add_argument(
        "--tools",
        metavar="NAMES",
        help="comma-separated tool names or globs to expose, such as 'list_*,get_*'",
    )
    parser.add_argument(
        "--read-only", action="store_true", default=None, help="expose only the tools that change nothing"
    )
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        default=None,
        help="show secret values (env, headers, client secrets) in tool results instead of masking them",
    )
    parser.add_argument(
        "--allow-launch",
        action="store_true",
        default=None,
        help=(
            "let inspect_mcp_server launch commands and reach URLs without asking, for clients that cannot ask; "
            "over HTTP, let tools launch commands and read or write files on this machine at all"
        ),
    )
    limits: list[tuple[str, Callable[[str], float], str, str]] = [
        (
            "--timeout",
            float,
            "SECONDS",
            "seconds for one whole call to the registry, its answer and retries included (30)",
        ),
        ("--connect-timeout", float, "SECONDS", "seconds to wait for a connection to the registry (10)"),
        ("--max-response-bytes", int, "BYTES", "the largest answer read from the registry (16 MiB)"),
    ]
    for option, kind, metavar, meaning in limits:
        parser.add_argument(option, type=positive(kind), metavar=metavar, help=meaning)
    parser.add_argument(
        "--transport",
        choices=("stdio", "http"),
        default="stdio",
        help="stdio (default: how assistants spawn it) or http (Streamable HTTP at http://HOST:PORT/mcp)",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HTTP_HOST,
        help=f"address to serve HTTP on (default {DEFAULT_HTTP_HOST}: this machine only)",
    )
    parser.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help=f"port to serve HTTP on (default {DEFAULT_PORT})"
    )
    http = parser.add_argument_group("HTTP callers (with --transport http)")
    http.add_argument(
        "--auth",
        choices=[mode.value for mode in HttpAuthMode],
        help=(
            f"how callers authenticate: token (the shared {HTTP_TOKEN_VARIABLE}), keys (each caller's own Enkrypt "
            "API key, on the cloud registry), oauth (an identity provider's tokens), none (this machine only, "
            f"for development). Default: token if {HTTP_TOKEN_VARIABLE} is set, oauth if --token-verifier is given"
        ),
    )
    http.add_argument(
        "--token-verifier", metavar="MODULE:NAME", help="with --auth oauth: a TokenVerifier, or a factory of one"
    )
    http.add_argument("--oauth-issuer", metavar="URL", help="with --auth oauth: the authorization server's URL")
    http.add_argument(
        "--resource-url",
        metavar="URL",
        help="with --auth oauth: this server's public MCP endpoint (default http://HOST:PORT/mcp)",
    )
    http.add_argument(
        "--allow-private-targets",
        action="store_true",
        default=None,
        help=(
            "for development: let inspect_mcp_server reach URLs at loopback, private, link-local and cloud "
            f"metadata addresses ({ALLOW_PRIVATE_TARGETS_VARIABLE}=1); otherwise callers reach public ones only"
        ),
    )
    http.add_argument(
        "--stateless",
        action="store_true",
        help="keep no session between requests (JSON answers), so replicas behind a load balancer can share clients",
    )
    catalog = parser.add_argument_group("The server catalog IDEs read (/v0.1, with --transport http)")
    catalog.add_argument(
        "--catalog-namespace",
        metavar="REVERSE_DNS",
        help=f"the namespace of the names /v0.1 gives servers, NAMESPACE/saved_name, such as com.example "
        f"(default: {CATALOG_NAMESPACE_VARIABLE}, else local.registry-mcp)",
    )
    catalog.add_argument(
        "--public-catalog",
        action="store_true",
        help="serve /v0.1 without credentials (it holds no secret: names, commands, URLs); /mcp still needs them",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="stderr log level (default: WARNING; INFO says which registry is served)",
    )
    return parser


def positive(kind: Callable[[str], NumberT]) -> Callable[[str], NumberT]:
    """An argparse type: a number of `kind` greater than 0."""

    def parse(text: str) -> NumberT:
        number = kind(text)  # a ValueError here is argparse's "invalid value"
        if not number > 0:
            raise argparse.ArgumentTypeError("must be greater than 0")
        return number

    parse.__name__ = kind.__name__
    return parse


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    number = int(text)  # a ValueError here is argparse's "invalid value"
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError("must be a port number from 1 to 65535")
    return number


def settings_from(options: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    overrides = {
        "database": options.db,
        "project": options.project,
        "base_url": options.base_url,
        "public_registry_url": options.public_registry_url,
        "tools": split_list(options.tools) if options.tools is not None else None,
        "timeout": options.timeout,
        "connect_timeout": options.connect_timeout,
        "max_response_bytes": options.max_response_bytes,
        "read_only": options.read_only,
        "show_secrets": options.show_secrets,
        "allow_launch": options.allow_launch,
        "allow_private_targets": options.allow_private_targets,
        "catalog_namespace": options.catalog_namespace,
    }
    return dataclasses.replace(settings, **{key: value for key, value in overrides.items() if value is not None})


def _missing_database_folder(options: argparse.Namespace, settings: Settings) -> str | None:
    """Why an explicitly chosen embedded registry file cannot be made, if it cannot: its folder is
    missing (only the default file's folder is created: a typo must not make folders, even as root)."""
    if options.db is not None:
        setting = "--db"
    elif os.environ.get(DATABASE_VARIABLE):
        setting = DATABASE_VARIABLE
    else:
        return None
    if settings.database == ":memory:":
        return None
    folder = Path(settings.database).expanduser().parent
    if folder.is_dir():
        return None
    return f"{setting}: the folder {folder} does not exist; create it first, or choose a file in an existing folder"


def _check_database(options: argparse.Namespace, settings: Settings) -> None:
    """Stop the start with one line if the embedded registry's file cannot be used (the server opens
    it on first use; this check creates and changes nothing)."""
    from registry_mcp.registry.embedded.database_file import problem_with

    if problem := problem_with(Path(settings.location.path or settings.database)):
        refuse_to_start(options, problem, None)


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        settings = settings_from(options)
    except ValueError as invalid:
        parser.error(str(invalid))
    from registry_mcp.mcp.server import TOOL_NAMES, create_server, selected_tools
    from registry_mcp.mcp.tools import listed_tools

    auth = choose_http_auth(parser, options, settings) if options.transport == "http" else None
    if auth is not None:
        settings = dataclasses.replace(settings, over_http=True, keys_from_callers=auth.mode is HttpAuthMode.KEYS)
        if options.public_catalog and auth.mode is HttpAuthMode.KEYS:
            parser.error(
                "--public-catalog serves the server's own registry, and with --auth keys it has none (each caller's "
                "key reads their own): use --auth token with the server's key, or leave --public-catalog out"
            )
    elif http_only := [
        name
        for name in ("auth", "token_verifier", "stateless", "public_catalog", "allow_private_targets")
        if getattr(options, name)
    ]:
        parser.error(f"--{http_only[0].replace('_', '-')} applies to --transport http only")
    if not settings.embedded:
        try:
            require_safe_base_url(settings.base_url)
        except ValueError as unsafe:
            parser.error(str(unsafe))
    try:
        require_namespace(settings.catalog_namespace)
    except ValueError as wrong:
        setting = "--catalog-namespace" if options.catalog_namespace else CATALOG_NAMESPACE_VARIABLE
        parser.error(f"{setting}: {wrong}")
    try:
        require_trusted_url(settings.public_registry_url)
    except ValueError as unsafe:
        parser.error(str(unsafe))
    tools_setting = "--tools" if options.tools is not None else TOOLS_VARIABLE
    for pattern in settings.tools:
        if not fnmatch.filter(TOOL_NAMES, pattern):
            parser.error(f"{tools_setting}: {pattern!r} matches no tool; the tools are: {', '.join(TOOL_NAMES)}")
    if not selected_tools(settings, listed_tools()):
        parser.error(
            f"{tools_setting} {','.join(settings.tools)!r} matches no read-only tool; the tools are: "
            f"{', '.join(TOOL_NAMES)}"
        )
    if settings.embedded and (missing := _missing_database_folder(options, settings)):
        parser.error(missing)
    # stdout carries JSON-RPC only: every log line goes to stderr.
    secrets = [secret for secret in (settings.api_key, auth.token if auth else None) if secret]
    log_to_stderr(options.log_level, secrets=secrets, caller_key=auth.caller_key if auth else None)
    if settings.embedded and settings.database != ":memory:":
        _check_database(options, settings)
    transport = (
        "stdio"
        if auth is None
        else f"Streamable HTTP at http://{options.host}:{options.port}/mcp (server catalog at /v0.1/servers)"
    )
    logging.getLogger("registry_mcp").info("Serving %s over %s", settings.location, transport)

    if auth is None:
        import anyio

        from registry_mcp.mcp.sdk import lowlevel_server
        from registry_mcp.mcp.stdio import serve_stdio

        # Not `server.run()`: the SDK's stdio transport leaves malformed lines unanswered, and drops
        # the requests still running when stdin ends (those get the registry's deadline to finish).
        serve = functools.partial(serve_stdio, drain_within=settings.timeout)
        stopped_by = anyio.run(serve, lowlevel_server(create_server(settings)))
        if stopped_by is not None:
            sys.exit(128 + stopped_by)  # the shell's code for a process a signal ended
        return
    serve_http(settings, auth, options)


def choose_http_auth(parser: argparse.ArgumentParser, options: argparse.Namespace, settings: Settings) -> HttpAuth:
    from registry_mcp.mcp.http_auth import HttpAuth

    try:
        return HttpAuth.choose(
            settings,
            mode=options.auth or os.environ.get(HTTP_AUTH_VARIABLE) or None,
            token=os.environ.get(HTTP_TOKEN_VARIABLE) or None,
            verifier=options.token_verifier,
            issuer=options.oauth_issuer,
            resource_url=options.resource_url or f"http://{options.host}:{options.port}/mcp",
            host=options.host,
        )
    except ValueError as missing:
        parser.error(str(missing))


def serve_http(settings: Settings, auth: HttpAuth, options: argparse.Namespace) -> None:
    import uvicorn

    from registry_mcp.mcp.registry_api import RegistryApi, beside, with_cors
    from registry_mcp.mcp.server import create_server

    check_address(options)
    log = logging.getLogger("registry_mcp")
    if auth.mode is HttpAuthMode.NONE:
        log.warning(
            "Serving HTTP without authentication (--auth none): every user of this machine who can reach "
            "%s:%s acts on %s. For development only.",
            options.host,
            options.port,
            settings.location,
        )
    elif not is_loopback(options.host):
        log.warning("Serving on %s over plain HTTP: put TLS in front (credentials travel in headers)", options.host)
    server = create_server(settings, oauth=auth.sdk_auth)
    app = server.streamable_http_app(
        stateless_http=options.stateless, json_response=options.stateless, host=options.host
    )
    api: ASGIApp = RegistryApi(settings)
    if not options.public_catalog:
        api = auth.guard(api, settings, sdk_guarded=False)
    served = beside(auth.guard(app, settings), with_cors(api))
    # log_config=None: uvicorn's lines go to the one scrubbing stderr handler, not to handlers of its
    # own (the access log's is stdout); its access lines leave each request's query out.
    logging.getLogger("uvicorn.access").addFilter(WithoutQueries())
    uvicorn.run(served, host=options.host, port=options.port, log_level=options.log_level.lower(), log_config=None)


def check_address(options: argparse.Namespace) -> None:
    """Bind --host and --port once, as uvicorn will, so that a port in use or a wrong address stops
    the start with one line that says what to do (uvicorn's own bind then takes it a moment later)."""
    host, port = options.host, options.port
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            failure = error
        else:
            return
    if failure.errno == errno.EADDRINUSE:
        problem = f"--port {port}: address already in use ({host}:{port} is served by another program); "
        problem += "stop that program, or choose another port with --port"
    elif failure.errno == errno.EACCES:
        problem = f"--port {port}: this user may not listen on it (ports below 1024 need privileges); "
        problem += "choose a port from 1024 up"
    else:
        problem = f"--host {host}: cannot listen on it ({failure.strerror or failure}); use an address of this "
        problem += f"machine, such as {DEFAULT_HTTP_HOST} (this machine only) or 0.0.0.0 (every network)"
    refuse_to_start(options, problem, failure)
