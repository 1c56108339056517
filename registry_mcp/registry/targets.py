"""What a command runs: the one rule every part that must know it asks.

    runs = what_runs("npx", ["-y", "-p", "@acme/tools@1.2.0", "acme-files", "/srv"])
    runs.runner, runs.package, runs.version      # 'npx', '@acme/tools', '1.2.0'
    runs.code                                     # () : no inline code, no code-loading option
    what_runs("python3", ["-m", "acme", "-c", "..."]).code   # ('-c ...',)

It reads a command line the way its runner does: the runner (`npx`, `bunx`, `pnpm dlx`, `yarn dlx`,
`npm exec`, `uvx`, `uv tool run`, `uv run`, `pipx run`, `node`, `deno`, `bun`, `python`, `docker` and
`podman run`, a shell, ...), the package, module, script or image it runs with its exact version
(tag or digest) where one is pinned, and everything on the line that runs code the package does not
ship: inline code (`-c`, `-e`/`--eval`, `--call`, `deno eval`), code loaded beside it (`-r`/`--require`,
`--import`, `--loader`, `--with`, more `-p`/`--package`s, `--entrypoint`), and where packages are
fetched from (`--registry`, `--index-url`). Arguments holding shell metacharacters are listed too:
where a runner is a script run by a shell (`npx.cmd` on Windows), they run commands.

`changes_what_runs(name)` is the same rule for the environment: variables such as `PATH`,
`LD_PRELOAD`, `PYTHONPATH`, `NODE_OPTIONS`, `BASH_ENV`, `GIT_CONFIG_*` or `OPENSSL_CONF` that make a
process load or run code its command line does not show.

Used by: the modify's secret binding (`registry.patching`: secrets stay only while what runs is the
same), the import's package guess (`importing.entries`), the public-registry mapping (which runners a
record may name), the lint (inline code, metacharacters), and the consent questions (`mcp.questions`).
`problem_with_package(ecosystem, name, version)` checks a package reference by its ecosystem's grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

Ecosystem = Literal["npm", "pypi", "oci"]

# --- the environment ------------------------------------------------------------------------------

# Variables that make a process load or run code its command line does not show: where it looks for
# programs, libraries, modules and configuration (a home holds dotfiles and user site-packages, a
# config may name a command, an engine or an index to install from), the commands tools run for it,
# and the shell's and the C library's own hooks.
_RUNS_CODE = frozenset({
    "PATH", "HOME", "GCONV_PATH", "LOCPATH", "NLSPATH", "HOSTALIASES", "RESOLV_HOST_CONF",
    "NODE_OPTIONS", "NODE_PATH", "NODE_REPL_EXTERNAL_MODULE", "ELECTRON_RUN_AS_NODE",
    "BASH_ENV", "ENV", "ZDOTDIR", "PROMPT_COMMAND", "SHELLOPTS", "BASHOPTS", "PS4", "IFS", "CDPATH", "SHELL",
    "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_HOME", "CLASSPATH", "TCLLIBPATH",
    "EDITOR", "VISUAL", "PAGER", "MANPAGER", "LESSOPEN", "LESSCLOSE", "BROWSER", "SSH_ASKPASS", "SUDO_ASKPASS",
    "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT", "GOPROXY", "GOFLAGS", "GOPATH", "GOTOOLCHAIN",
    "CARGO_HOME", "RUSTC_WRAPPER", "BUNDLE_GEMFILE", "OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES",
    "GLIBC_TUNABLES", "MALLOC_CONF", "GTK_MODULES", "GTK_PATH", "QT_PLUGIN_PATH",
})  # fmt: skip
_RUNS_CODE_PREFIXES = (
    "LD_", "DYLD_", "XDG_", "PYTHON", "PERL", "RUBY", "GEM_", "LUA_", "GIT_", "PIP_", "UV_", "NPM_CONFIG_",
    "YARN_", "BUN_", "DENO_", "CONDA", "MALLOC_", "JE_MALLOC", "CORECLR_", "COMPLUS_", "DOTNET_",
)  # fmt: skip


def changes_what_runs(name: str) -> bool:
    """Whether an environment variable of this name changes what a process loads or runs."""
    upper = name.upper()
    return upper in _RUNS_CODE or upper.startswith(_RUNS_CODE_PREFIXES)


# --- a command line -------------------------------------------------------------------------------

# Shell metacharacters that start another command or redirect one (a `${NAME}` reference is not one,
# nor is a placeholder such as `<your token>` or `<to be supplied: NAME>`).
_METACHARACTERS = re.compile(r"[;|`<>\n\r]|&&|\$\(")
_PLACEHOLDER = re.compile(r"<[^<>;|&`$\n\r]*>")


@dataclass(frozen=True)
class Runs:
    """What a command line runs."""

    runner: str  # the program, without its folder and `.exe`/`.cmd`, in lower case: 'npx', '/x/Srv' -> 'srv'
    package: str  # the package, module, script or image ('' when none can be told)
    ecosystem: Ecosystem | None  # where `package` is fetched from; None for a program, script or module
    version: str | None = None  # its exact version, tag or digest where one is pinned
    # Inline code and code-loading options, each as its option and value ('-c print(1)').
    code: tuple[str, ...] = ()
    # Where packages are fetched from, when the line says ('--registry https://...').
    origin: tuple[str, ...] = ()
    shell: bool = False  # the runner is a shell
    rest: tuple[str, ...] = ()  # the arguments after the package (or after the program)
    # Arguments that hold shell metacharacters (the package reference is checked by its grammar).
    metacharacters: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        """What runs, by name: the package a runner fetches, else the program."""
        return self.package if self.ecosystem in ("npm", "pypi") else self.runner

    @property
    def runs_inline_code(self) -> bool:
        """A shell or an interpreter given code on its command line (or told to load more)."""
        return bool(self.code)

    @property
    def runs_other_code(self) -> bool:
        """Inline code, code loaded beside the package, or arguments holding shell metacharacters:
        what is registered only once the person has read the command."""
        return bool(self.code or self.metacharacters)


def program_of(command: str) -> str:
    """The program a command names, as its runner is known: no folder, no `.exe`/`.cmd`/`.bat`, in
    lower case (Windows finds `Node.EXE` as `node`)."""
    return _WINDOWS_SUFFIX.sub("", command.strip().replace("\\", "/").rpartition("/")[2]).lower()


_WINDOWS_SUFFIX = re.compile(r"\.(?:exe|cmd|bat)$", re.IGNORECASE)


def what_runs(command: str, args: list[str]) -> Runs:
    """What `command args...` runs (see the module's docstring)."""
    words = [str(arg) for arg in args]
    program = program_of(command)
    reader = _READERS.get(_family(program))
    runs = _generic(program, words) if reader is None else reader(program, words)
    found = tuple(
        word for word in words if _METACHARACTERS.search(_PLACEHOLDER.sub("", word)) and not _names_package(word, runs)
    )
    return replace(runs, metacharacters=found)


def _names_package(word: str, runs: Runs) -> bool:
    """Whether `word` is the package's requirement (`pkg>=1,<2`, `--from=pkg<2`: a version range, not
    a redirection), written by PEP 508's grammar (no environment marker, no URL)."""
    value = word.partition("=")[2] if word.startswith("--") else word
    found = _PYPI_REQUIREMENT.fullmatch(value)
    return runs.ecosystem == "pypi" and found is not None and found["name"] == runs.package


def _family(program: str) -> str:
    """The runner a program is a version of: python3.12 -> python, node22 -> node."""
    if re.fullmatch(r"python[0-9.]*|py|pypy[0-9.]*", program):
        return "python"
    if re.fullmatch(r"node(js)?[0-9.]*", program):
        return "node"
    return program


# --- option tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    takes_value: frozenset[str] = frozenset()  # options whose value is the next word (unless `=value`)
    package: frozenset[str] = frozenset()  # options whose value is the package (the first; later ones are code)
    code: frozenset[str] = frozenset()  # options whose value is code or code to load
    code_flags: frozenset[str] = frozenset()  # options that take no value and change what runs
    origin: frozenset[str] = frozenset()  # options naming where packages come from
    ends_options: frozenset[str] = frozenset()  # options whose value ends the runner's own options ('-m')
    clusters: bool = True  # short options may run together (`-ec`), the last one's value glued or next


_NPM = _Options(
    takes_value=frozenset({"-p", "--package", "-c", "--call", "--registry", "--cache", "--userconfig", "-w",
                           "--workspace", "--prefix", "--node-options", "--shell", "--script-shell"}),
    package=frozenset({"-p", "--package"}),
    code=frozenset({"-c", "--call", "--node-options", "--shell", "--script-shell"}),
    origin=frozenset({"--registry", "--userconfig"}),
)  # fmt: skip
_PYPI = _Options(
    takes_value=frozenset({"--from", "--spec", "--with", "--with-editable", "--with-requirements", "--python", "-p",
                           "--index", "--index-url", "--default-index", "--extra-index-url", "--find-links", "-f",
                           "-c", "--constraint", "--constraints", "--overrides", "--pip-args", "--directory",
                           "--project", "--env-file", "-w"}),
    package=frozenset({"--from", "--spec"}),
    code=frozenset({"--with", "-w", "--with-editable", "--with-requirements", "--pip-args", "--env-file"}),
    origin=frozenset({"--index", "--index-url", "--default-index", "--extra-index-url", "--find-links", "-f"}),
)  # fmt: skip
_NODE = _Options(
    takes_value=frozenset({"-e", "--eval", "-p", "--print", "-r", "--require", "--import", "--loader",
                           "--experimental-loader", "--env-file", "--conditions", "-C", "--input-type",
                           "--title", "--inspect-port", "--max-old-space-size", "--stack-size"}),
    code=frozenset({"-e", "--eval", "-p", "--print", "-r", "--require", "--import", "--loader",
                    "--experimental-loader", "--env-file"}),
    code_flags=frozenset({"-i", "--interactive"}),
)  # fmt: skip
_PYTHON = _Options(
    takes_value=frozenset({"-c", "-m", "-W", "-X", "-Q"}),
    code=frozenset({"-c"}),
    code_flags=frozenset({"-i"}),
    ends_options=frozenset({"-c", "-m"}),
)
_DENO = _Options(
    takes_value=frozenset({"--config", "-c", "--import-map", "--lock", "--cert", "--location", "--seed",
                           "--v8-flags", "--env", "--env-file", "--preload", "--ext"}),
    code=frozenset({"--import-map", "--preload", "--env-file"}),
)  # fmt: skip
_BUN = _Options(
    takes_value=frozenset({"-e", "--eval", "-p", "--print", "-r", "--preload", "--require", "--import", "--cwd",
                           "--env-file", "--config", "-c"}),
    code=frozenset({"-e", "--eval", "-p", "--print", "-r", "--preload", "--require", "--import", "--env-file"}),
)  # fmt: skip
_DOCKER = _Options(
    takes_value=frozenset({"-e", "--env", "--env-file", "-v", "--volume", "--mount", "-p", "--publish", "--name",
                           "--network", "--net", "-w", "--workdir", "-u", "--user", "--entrypoint", "--platform",
                           "-l", "--label", "--add-host", "--cap-add", "--cap-drop", "--cpus", "-m", "--memory",
                           "--device", "--dns", "-h", "--hostname", "--ipc", "--pid", "--pull", "--restart",
                           "--runtime", "--security-opt", "--shm-size", "--tmpfs", "--ulimit", "--userns",
                           "--volumes-from", "--cidfile", "--log-driver", "--log-opt", "--gpus", "--stop-signal",
                           "--stop-timeout", "--label-file", "--group-add", "--mac-address", "--ip", "--ip6"}),
    code=frozenset({"--entrypoint", "--volumes-from", "--runtime", "--security-opt"}),
    code_flags=frozenset({"--privileged"}),
)  # fmt: skip
_SHELL = _Options(
    takes_value=frozenset({"-c", "-o", "+o", "-O", "+O", "--rcfile", "--init-file"}),
    code=frozenset({"-c", "--rcfile", "--init-file"}),
    code_flags=frozenset({"-i", "-s", "--login", "-l"}),
    ends_options=frozenset({"-c"}),
)
# PowerShell's options are words (`-NonInteractive` is not `-c` run together with others).
_POWERSHELL = _Options(
    takes_value=frozenset({"-Command", "-command", "-c", "-EncodedCommand", "-encodedcommand", "-e", "-ec", "-File",
                           "-file", "-f", "-ExecutionPolicy", "-executionpolicy", "-ep"}),
    code=frozenset({"-Command", "-command", "-c", "-EncodedCommand", "-encodedcommand", "-e", "-ec"}),
    ends_options=frozenset({"-Command", "-command", "-c", "-File", "-file", "-f"}),
    clusters=False,
)  # fmt: skip
_CMD = _Options(
    takes_value=frozenset({"/c", "/C", "/k", "/K"}),
    code=frozenset({"/c", "/C", "/k", "/K"}),
    ends_options=frozenset({"/c", "/C", "/k", "/K"}),
    clusters=False,
)
_JAVA = _Options(
    takes_value=frozenset({"-jar", "-cp", "-classpath", "--class-path", "-p", "--module-path", "-m", "--module"}),
    package=frozenset({"-jar", "-m", "--module"}),
    code=frozenset({"-cp", "-classpath", "--class-path", "-p", "--module-path"}),
)
# The table of old (before a runner's own was known): options whose next word is their value.
_GENERIC = _Options(
    takes_value=frozenset({"-e", "--env", "--env-file", "-v", "--volume", "--mount", "-p", "--publish", "--name",
                           "--network", "-w", "--workdir", "-u", "--user", "--entrypoint", "--platform", "--with",
                           "--python", "--index-url", "--registry", "--directory", "--cwd", "-c", "--config",
                           "--from", "--package"}),
    package=frozenset({"--from", "--package"}),
)  # fmt: skip

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "ash", "csh", "tcsh", "cmd", "powershell",
                    "pwsh"})  # fmt: skip


@dataclass
class _Read:
    """What a pass over a runner's options found."""

    index: int = 0  # the first word that is not an option
    packages: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)
    ended: str | None = None  # the option that ended the options ('-m', '-c')
    ended_with: str = ""  # its value


def _options(words: list[str], table: _Options, start: int = 0) -> _Read:
    """Read options from `words[start:]` up to the first word that is not one (or `--`)."""
    read = _Read(index=start)
    while read.index < len(words):
        word = words[read.index]
        if word == "--":
            read.index += 1
            break
        if not word.startswith("-") and not (word[:1] in ("/", "+") and word in table.takes_value):
            break
        option, equals, inline = word.partition("=")
        glued = _glued(word, table) if option not in table.takes_value else None
        if glued is not None:
            option, inline = glued
            equals = inline
        takes = option in table.takes_value and not equals
        value = (words[read.index + 1] if read.index + 1 < len(words) else "") if takes else inline
        read.index += 2 if takes else 1
        if option in table.package and not read.packages:
            read.packages.append(value)
        elif option in table.package or option in table.code:
            read.code.append(f"{option} {value}")
        elif option in table.code_flags:
            read.code.append(option)
        elif option in table.origin:
            read.origin.append(f"{option} {value}")
        if option in table.ends_options:
            read.ended, read.ended_with = option, value
            break
    return read


def _glued(word: str, table: _Options) -> tuple[str, str] | None:
    """Short options run together (`-ec`, `-Ic CODE`) or written with their value (`-cCODE`, `-mpkg`):
    the first one the table knows to take a value, and what follows it ('' when the value is the next
    word)."""
    if table.clusters and word.startswith("-") and not word.startswith("--"):
        for index, letter in enumerate(word[1:], start=1):
            if f"-{letter}" in table.takes_value:
                return f"-{letter}", word[index + 1 :]
    return None


# --- each runner -----------------------------------------------------------------------------------


def _npm_runner(program: str, words: list[str]) -> Runs:
    start = 1 if program in ("pnpm", "yarn", "npm") else 0  # `dlx` / `exec`
    read = _options(words, _NPM, start)
    spec = read.packages[0] if read.packages else (words[read.index] if read.index < len(words) else "")
    rest = words[read.index + (0 if read.packages else 1) :]
    name, version = split_npm(spec)
    ecosystem: Ecosystem | None = "npm" if NPM_NAME.fullmatch(name) else None
    runner = f"{program} {words[0]}" if start else program
    return Runs(runner, name if ecosystem else spec, ecosystem, version, tuple(read.code), tuple(read.origin),
                rest=tuple(rest))  # fmt: skip


def _pypi_runner(program: str, words: list[str]) -> Runs:
    start = 0
    if program == "pipx" or (program == "uv" and words[:1] == ["tool"]):
        start = 2 if program == "uv" else 1  # `pipx run`, `uv tool run`
    read = _options(words, _PYPI, start)
    spec = read.packages[0] if read.packages else (words[read.index] if read.index < len(words) else "")
    rest = words[read.index + (0 if read.packages else 1) :]
    name, version = split_pypi(spec)
    runner = " ".join([program, *words[:start]])
    # A URL or a path is what runs too, though no index names it.
    return Runs(runner, name or spec, "pypi" if name else None, version, tuple(read.code), tuple(read.origin),
                rest=tuple(rest))  # fmt: skip


def _uv(program: str, words: list[str]) -> Runs:
    before = _options(words, _PYPI)  # uv's global options (`--directory`) come before its subcommand
    if before.index:
        inner = _uv(program, words[before.index :])
        return replace(inner, code=(*before.code, *inner.code), origin=(*before.origin, *inner.origin))
    if words[:2] == ["tool", "run"]:
        return _pypi_runner(program, words)
    if words[:1] == ["run"]:
        # `uv run [options] <command or script> ...`: what runs is what follows, with uv's `--with`s.
        read = _options(words, _PYPI, 1)
        return _wrapped("uv run", words[read.index :], read.code, read.origin)
    return _generic(program, words)


def _node(program: str, words: list[str]) -> Runs:
    return _script_runner(program, words, _NODE)


def _python(program: str, words: list[str]) -> Runs:
    read = _options(words, _PYTHON)
    if read.ended == "-m":
        module = read.ended_with
        return Runs(program, module, None, None, tuple(read.code), rest=tuple(words[read.index :]))
    if read.ended == "-c":
        return Runs(program, "", None, None, tuple(read.code), rest=tuple(words[read.index :]))
    return _script_runner(program, words, _PYTHON)


def _script_runner(program: str, words: list[str], table: _Options) -> Runs:
    read = _options(words, table)
    script = words[read.index] if read.index < len(words) else ""
    return Runs(program, script, None, None, tuple(read.code), rest=tuple(words[read.index + 1 :]))


def _deno(program: str, words: list[str]) -> Runs:
    if words[:1] == ["eval"]:
        return Runs(program, "", None, None, (f"eval {' '.join(words[1:])}",))
    start = 1 if words[:1] in (["run"], ["serve"]) else 0
    read = _options(words, _DENO, start)
    script = words[read.index] if read.index < len(words) else ""
    name, version = split_npm(script.removeprefix("npm:")) if script.startswith("npm:") else (script, None)
    ecosystem: Ecosystem | None = "npm" if script.startswith("npm:") and name else None
    return Runs(program, name, ecosystem, version, tuple(read.code), rest=tuple(words[read.index + 1 :]))


def _bun(program: str, words: list[str]) -> Runs:
    if words[:1] == ["x"]:
        return _npm_runner("bunx", words[1:])
    start = 1 if words[:1] == ["run"] else 0
    read = _options(words, _BUN, start)
    script = words[read.index] if read.index < len(words) else ""
    return Runs(program, script, None, None, tuple(read.code), rest=tuple(words[read.index + 1 :]))


def _container(program: str, words: list[str]) -> Runs:
    if words[:1] != ["run"]:
        return _generic(program, words)
    read = _options(words, _DOCKER, 1)
    image = words[read.index] if read.index < len(words) else ""
    after = words[read.index + 1 :]
    name, version = split_oci(image)
    runs = Runs(f"{program} run", name, "oci" if name else None, version, tuple(read.code), rest=tuple(after))
    if after and _family(program_of(after[0])) in _READERS:
        # A command given after the image replaces its own: what runs is that command, in the image.
        inner = _inner(after)
        return replace(runs, code=(*runs.code, *inner.code), shell=inner.shell)
    return runs


def _shell(program: str, words: list[str]) -> Runs:
    table = _CMD if program == "cmd" else _POWERSHELL if program in ("powershell", "pwsh") else _SHELL
    read = _options(words, table)
    if read.ended is not None:  # `-c CODE` (no script), or PowerShell's `-File script`
        script = "" if read.ended in table.code else read.ended_with
        return Runs(program, script, None, None, tuple(read.code), (), True, rest=tuple(words[read.index :]))
    script = words[read.index] if read.index < len(words) else ""
    return Runs(program, script, None, None, tuple(read.code), (), True, rest=tuple(words[read.index + 1 :]))


def _java(program: str, words: list[str]) -> Runs:
    read = _options(words, _JAVA)
    if read.packages:
        return Runs(program, read.packages[0], None, None, tuple(read.code), rest=tuple(words[read.index :]))
    main = words[read.index] if read.index < len(words) else ""
    return Runs(program, main, None, None, tuple(read.code), rest=tuple(words[read.index + 1 :]))


def _env(program: str, words: list[str]) -> Runs:
    """`env [NAME=value ...] command ...`: the command, with its assignments counted as code where they
    change what runs."""
    index = 0
    assigned: list[str] = []
    while index < len(words) and (words[index].startswith("-") or "=" in words[index]):
        word = words[index]
        if word.startswith(("-S", "--split-string")):
            assigned.append(word)  # a command line of its own: code
        elif not word.startswith("-"):
            assigned.append(word)
        index += 2 if word in _ENV_VALUE_OPTIONS else 1
    risky = [word for word in assigned if word.startswith("-") or changes_what_runs(word.partition("=")[0])]
    return _wrapped(program, words[index:], risky, [])


_ENV_VALUE_OPTIONS = frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"})


def _inner(words: list[str]) -> Runs:
    return what_runs(words[0], words[1:])


def _wrapped(wrapper: str, words: list[str], code: list[str], origin: list[str]) -> Runs:
    """What a wrapper (`env`, `uv run`) runs: a runner it starts, read as such, or a program or script."""
    if not words:
        return Runs(wrapper, "", None, None, tuple(code), tuple(origin))
    if _family(program_of(words[0])) not in _READERS:
        return Runs(wrapper, words[0], None, None, tuple(code), tuple(origin), rest=tuple(words[1:]))
    inner = _inner(words)
    return replace(
        inner,
        runner=f"{wrapper} {inner.runner}",
        code=(*code, *inner.code),
        origin=(*origin, *inner.origin),
    )


def _generic(program: str, words: list[str]) -> Runs:
    """A program run as it is: its first word that is not an option (or an option's value) is read as
    what it runs (a script, a subcommand, a package), so a different one is not the same target."""
    read = _options(words, _GENERIC)
    if read.packages:
        name = read.packages[0]
        return Runs(program, unpinned(name), None, rest=tuple(words[read.index :]))
    words_left = words[read.index :]
    while words_left and words_left[0] in _SUBCOMMANDS:
        words_left = words_left[1:]
    package = unpinned(words_left[0]) if words_left else ""
    return Runs(program, package, None, rest=tuple(words))


_SUBCOMMANDS = frozenset({"run", "dlx", "exec", "x", "tool"})

_READERS = {
    "npx": _npm_runner,
    "bunx": _npm_runner,
    "pnpx": _npm_runner,
    "uvx": _pypi_runner,
    "uv": _uv,
    "node": _node,
    "python": _python,
    "deno": _deno,
    "bun": _bun,
    "docker": _container,
    "podman": _container,
    "nerdctl": _container,
    "java": _java,
    "env": _env,
    **dict.fromkeys(SHELLS, _shell),
}


def _dlx(program: str, words: list[str]) -> Runs:
    if words[:1] in (["dlx"], ["exec"]) or (program == "npm" and words[:1] == ["x"]):
        return _npm_runner(program, words)
    if program == "pipx" and words[:1] == ["run"]:
        return _pypi_runner(program, words)
    return _generic(program, words)


for _program in ("pnpm", "yarn", "npm", "pipx"):
    _READERS[_program] = _dlx


# --- package references ----------------------------------------------------------------------------

_VERSION_PIN = re.compile(r"(?<=.)@[^/@]*$|[=~<>!]=.*$")


def unpinned(package: str) -> str:
    """A package reference without a version pin (`pkg@1.2.3`, `@scope/pkg@latest`, `pkg==1.2`)."""
    return _VERSION_PIN.sub("", package)


def split_npm(spec: str) -> tuple[str, str | None]:
    """`@scope/name@version` as its name and its version (None if none is given)."""
    at = spec.rfind("@")
    if at > 0:
        return spec[:at], spec[at + 1 :] or None
    return spec, None


_PYPI_AFTER_NAME = re.compile(r"[=<>~!\[@ ;(].*", re.DOTALL)  # a version, extras, a marker, a URL


def split_pypi(spec: str) -> tuple[str, str | None]:
    """`name[extras]==version` (or uv's `name@version`) as its name and its exact version (None for a
    range or none). A word that is not a PEP 508 name (a URL, a path) has no name."""
    name = _PYPI_AFTER_NAME.sub("", spec)
    if not PYPI_NAME.fullmatch(name):
        return "", None
    tail = spec[len(name) :]
    tail = re.sub(r"^\[[^\]]*\]", "", tail).strip()
    for pin in ("===", "==", "@"):
        if tail.startswith(pin) and not any(op in tail[len(pin) :] for op in (",", ";", "*")):
            return name, tail[len(pin) :].strip() or None
    return name, None


def split_oci(image: str) -> tuple[str, str | None]:
    """`registry/repository:tag@sha256:...` as its repository and its digest (else its tag)."""
    reference, _, digest = image.partition("@")
    repository, colon, tag = reference.rpartition(":")
    if not colon or "/" in tag:
        return reference, digest or None  # no tag (a colon before a '/' is a registry's port)
    return repository, digest or tag


# npm: https://github.com/npm/validate-npm-package-name (new packages): at most 214 characters, lower
# case, URL-safe; a scope and a name that do not start with '.' or '_'.
NPM_NAME = re.compile(r"(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*")
# npm versions: a semver (build and pre-release parts included) or a dist-tag such as 'latest'.
NPM_VERSION = re.compile(
    r"v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
    r"|[A-Za-z][A-Za-z0-9._-]{0,63}"
)
# PEP 508 names.
PYPI_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?", re.ASCII)
# PEP 440 public versions, as the specification's appendix writes them.
PEP440_VERSION = re.compile(
    r"v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*"
    r"(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?"
    r"(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?"
    r"(?:[-_.]?dev[-_.]?[0-9]*)?"
    r"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?",
    re.IGNORECASE | re.ASCII,
)
# OCI: the distribution spec's reference grammar (an optional registry host and port, a lower-case
# path, then a tag and/or a digest).
_OCI_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_OCI_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?/)"
OCI_REFERENCE = re.compile(
    rf"{_OCI_HOST}?{_OCI_COMPONENT}(?:/{_OCI_COMPONENT})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,})?",
    re.ASCII,
)


_SPECIFIER = r"\s*(?:===|==|!=|~=|>=|<=|<|>)\s*[A-Za-z0-9.*+!_-]+\s*"
_PYPI_REQUIREMENT = re.compile(
    rf"(?P<name>{PYPI_NAME.pattern})\s*(?:\[[A-Za-z0-9._,\s-]*\])?(?:{_SPECIFIER}(?:,{_SPECIFIER})*)?", re.ASCII
)


def problem_with_package(ecosystem: str, name: str, version: str | None = None) -> str | None:
    """What is wrong with a package reference by its ecosystem's grammar, or None if it is valid."""
    if ecosystem == "npm":
        if len(name) > 214 or not NPM_NAME.fullmatch(name):
            return (
                f"{name!r} is not an npm package name (lower-case letters, digits, '-', '.', '_' and '~', "
                "optionally under an @scope/, at most 214 characters)"
            )
        if version is not None and not NPM_VERSION.fullmatch(version):
            return f"{version!r} is not an npm version (a semantic version such as 1.2.3, or a tag such as latest)"
    elif ecosystem == "pypi":
        if not PYPI_NAME.fullmatch(name):
            return f"{name!r} is not a Python package name (PEP 508: letters, digits, '-', '_' and '.')"
        if version is not None and not PEP440_VERSION.fullmatch(version):
            return f"{version!r} is not a Python package version (PEP 440, such as 1.2.3 or 2.0rc1)"
    elif ecosystem == "oci":
        reference = name if version is None else f"{name}:{version}"
        if len(reference) > 255 or not OCI_REFERENCE.fullmatch(reference):
            return (
                f"{reference!r} is not a container image reference ([registry/]repository[:tag][@sha256:digest], "
                "lower-case)"
            )
    return None
