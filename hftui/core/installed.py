"""What is installed for this interpreter, read from the same folders importlib.metadata reads.

importlib.metadata costs ~70 ms of CPU on every start (it imports email, zipfile, csv, a path
finder per sys.path entry) for the two questions hftui asks of it: a few packages' versions (the
app's client libraries, when the app runs in hftui's own Python) and whether a package other than
keyring adds keyring backends. Both are answered here with one listing of each sys.path folder and
a few small reads, the way importlib.metadata finds distributions: the first `.dist-info` or
`.egg-info` on sys.path whose normalised name matches wins; its version is the `Version:` field of
its METADATA (PKG-INFO for an egg), None without one, as importlib.metadata has it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator

_SUFFIXES = (".dist-info", ".egg-info")
_HEADER_CAP = 64 * 1024  # the Version field is in the header, at the top of the file


def normalised(name: str) -> str:
    """PEP 503's comparison form, as wheel folder names spell it: `Foo.Bar-baz` → `foo_bar_baz`."""
    out, dash = [], False
    for char in name.lower():
        if char in "-_.":
            dash = True
            continue
        if dash and out:
            out.append("_")
        dash = False
        out.append(char)
    return "".join(out)


def distributions(paths: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
    """(normalised name, metadata folder or file) of every distribution on `paths` (default sys.path), in
    path order: for one name the first is the one Python imports."""
    for entry in sys.path if paths is None else paths:
        folder = entry or "."
        try:
            names = sorted(os.listdir(folder))
        except OSError:  # a zip, a missing folder, a file: importlib.metadata finds nothing there either
            continue
        for name in names:
            if name.endswith(_SUFFIXES):
                stem = name.rsplit(".", 1)[0]
                yield normalised(stem.split("-", 1)[0]), os.path.join(folder, name)


def version(package: str, paths: Iterable[str] | None = None) -> str | None:
    """The installed version of `package`, or None when it is not installed (importlib.metadata.version)."""
    return versions((package,), paths)[package]


def versions(packages: Iterable[str], paths: Iterable[str] | None = None) -> dict[str, str | None]:
    """{package: version or None} for each of `packages`, in one look at the path."""
    wanted = {normalised(package): package for package in packages}
    found: dict[str, str | None] = dict.fromkeys(wanted.values())
    seen: set[str] = set()
    for name, where in distributions(paths):
        if name in wanted and name not in seen:  # the first on the path is the one Python imports
            seen.add(name)
            found[wanted[name]] = _metadata_version(where)
    return found


def declaring(group: str, paths: Iterable[str] | None = None) -> list[str]:
    """The distributions (normalised names) whose entry points include `group`, e.g. keyring.backends."""
    heading = f"[{group}]"
    found = []
    for name, where in distributions(paths):
        text = _read(os.path.join(where, "entry_points.txt"))
        if text is not None and any(line.strip() == heading for line in text.splitlines()):
            found.append(name)
    return found


def _metadata_version(where: str) -> str | None:
    text = _read(where) if os.path.isfile(where) else None  # an egg-info that is itself the PKG-INFO
    if text is None:
        text = _read(os.path.join(where, "METADATA")) or _read(os.path.join(where, "PKG-INFO"))
    for line in (text or "").splitlines():
        if not line.strip():
            break  # the end of the header
        key, _, value = line.partition(":")
        if key.strip().lower() == "version":
            return value.strip() or None
    return None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read(_HEADER_CAP)
    except OSError:
        return None
