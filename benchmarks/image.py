"""The container image, built and run without a Docker engine and without pulling from a registry.

`python -m benchmarks.image` builds it and prints how big it is and how long each step took;
tests/test_image.py builds it the same way and runs it. On a Debian machine, as root:

1. podman, buildah and debootstrap come from the Debian packages (apt-get installs them if missing).
2. The Dockerfile's base (python:3.12-slim) cannot be pulled here, so a stand-in of the same shape
   is made and imported under that name: Debian bookworm from debootstrap (minbase, with python3,
   python3-venv and ca-certificates) with a venv at /usr/local, where the official image keeps
   python and pip. The machine's CA bundle and pip index go in too, as pip here reaches the package
   index through a TLS-inspecting proxy.
3. `podman build --isolation chroot` (this sandbox cannot create cgroups), with podman's storage
   in a temporary folder: nothing is cached from one run to the next.
4. `podman run` is refused here (crun cannot set rlimits), so `docker_run` does what it does for
   a stdio server, minus namespaces and cgroups: the image's entrypoint runs from a container's
   filesystem with chroot, as the image's user, with the image's environment, a /proc, the
   /.dockerenv Docker leaves, and the volumes bind-mounted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).parent.parent
DOCKERFILE = ROOT / "Dockerfile"
TOOLS = {"podman": "podman", "buildah": "buildah", "debootstrap": "debootstrap"}  # command: Debian package
DEBIAN_MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = "python3,python3-venv,ca-certificates"
# What python:3.12-slim sets that the Dockerfile relies on.
BASE_ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
# Left out of the stand-in: the downloaded packages and apt's lists (a slim image has neither).
BASE_LEFT_OUT = ("var/cache/apt/archives", "var/lib/apt/lists")
MACHINE_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Bounds on the downloads, so that a slow mirror costs a run minutes, not its whole time.
APT_TIMEOUT = 300
DEBOOTSTRAP_TIMEOUT = 600


def cannot_build() -> str | None:
    """Why the image cannot be built on this machine (None if it can), after installing the tools."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return "building and running the image needs root on Linux (debootstrap, mount and chroot)"
    missing = [package for command, package in TOOLS.items() if shutil.which(command) is None]
    if not missing:
        return None
    if shutil.which("apt-get") is None:
        return f"{', '.join(missing)} missing, and there is no apt-get to install them with"
    quiet = {"DEBIAN_FRONTEND": "noninteractive", **os.environ}
    for step in (["update", "-q"], ["install", "-y", "-q", "--no-install-recommends", *missing]):
        try:
            done = subprocess.run(
                ["apt-get", *step], env=quiet, capture_output=True, text=True, check=False, timeout=APT_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            return f"apt-get {step[0]} took over {APT_TIMEOUT} s while installing {', '.join(missing)}"
        if done.returncode != 0:
            return f"apt-get {step[0]} failed while installing {', '.join(missing)}: {done.stderr.strip()[-500:]}"
    return None


def base_names() -> list[str]:
    """The images the Dockerfile's FROM lines name (not its own stages)."""
    names: list[str] = []
    stages: set[str] = set()
    for line in DOCKERFILE.read_text().splitlines():
        words = line.split()
        if words and words[0].upper() == "FROM":
            if words[1] not in stages and words[1] not in names:
                names.append(words[1])
            if len(words) == 4 and words[2].upper() == "AS":
                stages.add(words[3])
    return names


def pip_settings() -> dict[str, str]:
    """This machine's pip index settings that a build can use too (`pip config list`, environment
    included): the index and extra indexes reached over the network, and the trusted hosts."""
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False
    ).stdout
    settings: dict[str, str] = {}
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        name = key.rsplit(".", 1)[-1]
        if name in ("index-url", "extra-index-url", "trusted-host"):
            # (A file:// index is on this machine's disk, out of the build's reach.)
            kept = [word for word in value.strip("'\"").split() if name == "trusted-host" or "://" not in word
                    or word.startswith(("http://", "https://"))]  # fmt: skip
            if kept:
                settings[name] = " ".join(kept)
    return settings


@dataclass
class Podman:
    """podman with its storage in `folder`: images built here are seen nowhere else."""

    folder: Path
    driver: str = "overlay"

    def __call__(self, *args: str, stdin: Any = None, timeout: float = 900) -> str:
        command = [
            "podman", "--root", str(self.folder / "storage"), "--runroot", str(self.folder / "run"),
            "--storage-driver", self.driver, "--cgroup-manager", "cgroupfs", "--events-backend", "file", *args,
        ]  # fmt: skip
        done = subprocess.run(command, stdin=stdin, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"podman {args[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        return done.stdout


@dataclass
class Built:
    """The image, and what building it took."""

    tag: str
    config: dict[str, Any]
    size: int
    base_size: int
    seconds: dict[str, float] = field(default_factory=dict)


def build_folder() -> Path:
    """A new folder to build in, at a short path: podman refuses a runroot over 50 characters (a
    pytest temporary folder is longer)."""
    return Path(tempfile.mkdtemp(prefix="registry-mcp-image-", dir="/tmp"))


def build(folder: Path, tag: str = "registry-mcp") -> tuple[Podman, Built]:
    """Make the base stand-in and build the Dockerfile on it, in `folder`."""
    seconds: dict[str, float] = {}
    podman = Podman(folder)
    started = time.monotonic()
    rootfs = make_base(folder / "base")
    seconds["base (debootstrap, venv)"] = time.monotonic() - started
    started = time.monotonic()
    podman.driver = _working_driver(podman)
    names = base_names()
    changes = [f"--change=ENV {name}={value}" for name, value in BASE_ENVIRONMENT.items()]
    with subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE) as tar:
        podman("import", *changes, "-", names[0], stdin=tar.stdout)
    if tar.returncode != 0:
        raise RuntimeError(f"tar of the base failed ({tar.returncode})")
    shutil.rmtree(rootfs)
    for other in names[1:]:
        podman("tag", names[0], other)
    seconds["import"] = time.monotonic() - started
    started = time.monotonic()
    podman("build", "--isolation", "chroot", "--pull=never", "-t", tag, str(ROOT))
    seconds["podman build"] = time.monotonic() - started
    config = json.loads(podman("image", "inspect", "--format", "{{json .Config}}", tag))
    size = int(podman("image", "inspect", "--format", "{{.Size}}", tag))
    base_size = int(podman("image", "inspect", "--format", "{{.Size}}", names[0]))
    return podman, Built(tag, config, size, base_size, seconds)


def make_base(rootfs: Path) -> Path:
    """Debian bookworm in the shape of python:3.12-slim: python and pip in /usr/local, and this
    machine's CA bundle and pip index, so that a build here can reach the package index."""
    subprocess.run(
        ["debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}", "bookworm", str(rootfs), DEBIAN_MIRROR],
        capture_output=True, check=True, timeout=DEBOOTSTRAP_TIMEOUT,
    )  # fmt: skip
    for left_out in BASE_LEFT_OUT:
        shutil.rmtree(rootfs / left_out, ignore_errors=True)
        (rootfs / left_out).mkdir(parents=True)
    subprocess.run(["chroot", str(rootfs), "python3", "-m", "venv", "/usr/local"], check=True, timeout=600)
    bundle = Path(os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE") or MACHINE_CA_BUNDLE)
    if bundle.is_file():
        shutil.copyfile(bundle, rootfs / "etc/ssl/certs/ca-certificates.crt")
    settings = {**pip_settings(), "cert": "/etc/ssl/certs/ca-certificates.crt"}
    (rootfs / "etc/pip.conf").write_text(
        "[global]\n" + "".join(f"{key} = {value}\n" for key, value in settings.items())
    )
    return rootfs


def _working_driver(podman: Podman) -> str:
    """overlay where the kernel allows it here, else vfs (which copies every layer: slower)."""
    try:
        podman("info")
    except RuntimeError:
        return "vfs"
    return podman.driver


@contextmanager
def container_root(podman: Podman, tag: str) -> Iterator[Path]:
    """A fresh container's writable filesystem, mounted (removed afterwards, as `docker run --rm` does)."""
    container = podman("create", tag).strip()
    try:
        yield Path(podman("mount", container).strip())
    finally:
        podman("umount", container)
        podman("rm", container)


@contextmanager
def docker_run(
    root: Path, config: dict[str, Any], argv: list[str], volumes: dict[str, Path], environ: dict[str, str]
) -> Iterator[list[str]]:
    """The command that does what `argv` (`docker run ...`) would do for a stdio server, on the
    container filesystem `root` of the image `config`: chroot to it as the image's user, with the
    image's environment and `-e` variables (their values from `environ`), and `-v` volumes mounted
    (a named one is the folder `volumes[name]`, made as Docker makes a new named volume: owned and
    moded as the image's folder). Mounts are undone afterwards."""
    assert argv[:2] == ["docker", "run"], argv
    environment = dict(entry.split("=", 1) for entry in config.get("Env") or [])
    mounts: list[tuple[Path, str]] = []
    image_args: list[str] = []
    words = iter(argv[2:])
    for word in words:
        if word in ("-i", "--interactive", "--rm"):
            continue
        if word in ("-e", "--env"):
            name, has_value, value = next(words).partition("=")
            if has_value or name in environ:
                environment[name] = value if has_value else environ[name]
        elif word in ("-v", "--volume"):
            named, target = next(words).split(":")[:2]
            mounts.append((_volume(named, root / target.lstrip("/"), volumes), target))
        elif word.startswith("-"):
            raise ValueError(f"docker run option {word} is not emulated")
        else:
            image_args = list(words)
            break
    user, group, home = _user(root, str(config.get("User") or "0"))
    environment.setdefault("HOME", home)
    (root / ".dockerenv").touch()
    mounted: list[Path] = []
    try:
        _mount(["-t", "proc", "proc"], root / "proc", mounted)
        for source, target in mounts:
            _mount(["--bind", str(source)], root / target.lstrip("/"), mounted)
        entrypoint = list(config.get("Entrypoint") or []) + image_args
        yield [
            "env", "-i", *(f"{name}={value}" for name, value in environment.items()),
            "chroot", f"--userspec={user}:{group}", str(root), *entrypoint,
        ]  # fmt: skip
    finally:
        for point in reversed(mounted):
            subprocess.run(["umount", str(point)], check=False)


def _volume(source: str, image_folder: Path, volumes: dict[str, Path]) -> Path:
    if source.startswith("/"):
        return Path(source)
    folder = volumes[source]
    if not folder.exists():
        folder.mkdir(parents=True)
        made = image_folder.stat()
        os.chown(folder, made.st_uid, made.st_gid)
        folder.chmod(made.st_mode & 0o7777)
    return folder


def _user(root: Path, user: str) -> tuple[int, int, str]:
    """uid, gid and home of the image's USER (a name or a uid), from its /etc/passwd."""
    name, _, group = user.partition(":")
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if name in (fields[0], fields[2]):
            return int(fields[2]), int(group or fields[3]), fields[5]
    return int(name), int(group or name), "/"


def _mount(how: list[str], point: Path, mounted: list[Path]) -> None:
    subprocess.run(["mount", *how, str(point)], check=True, capture_output=True)
    mounted.append(point)


def unmount_all_under(folder: Path) -> None:
    """Undo every mount left under `folder` (deepest first), so that removing it removes only its own files."""
    points = [
        Path(line.split()[4].replace("\\040", " "))
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
        if Path(line.split()[4]).is_relative_to(folder)
    ]
    for point in sorted(points, key=lambda path: len(path.parts), reverse=True):
        subprocess.run(["umount", "--lazy", str(point)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the image as tests/test_image.py does; print its size.")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    options = parser.parse_args()
    if reason := cannot_build():
        sys.exit(f"cannot build the image here: {reason}")
    folder = options.keep or build_folder()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _, built = build(folder)
    finally:
        if options.keep is None:
            unmount_all_under(folder)
            shutil.rmtree(folder, ignore_errors=True)
    megabytes = 1_000_000
    print(f"image {built.tag}: {built.size / megabytes:.1f} MB uncompressed")
    print(f"  base stand-in (Debian bookworm, python3 in a venv at /usr/local): {built.base_size / megabytes:.1f} MB")
    print(f"  added by the Dockerfile (registry-mcp and its dependencies, the user, /data): "
          f"{(built.size - built.base_size) / megabytes:.1f} MB")  # fmt: skip
    for step, seconds in built.seconds.items():
        print(f"  {step}: {seconds:.0f} s")


if __name__ == "__main__":
    main()
