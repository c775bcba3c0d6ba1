"""The data folder and checked downloads: where a data file lives, how it is fetched.

`fetch(RemoteFile(...))` finds a file in the data folder (`data_root`) or downloads it
from the first of its URLs that answers, checks its sha256 (else its size) and renames it
into place. The bytes are transferred by pooch's HTTP downloader when pooch is installed
(the `datasets` extra), else by urllib; the checks and the atomic rename are the same.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

DATA_ENV_VAR = "CHAINRULE_DATA"
DEFAULT_ROOT = "~/.cache/chainrule"
DOWNLOAD_TIMEOUT = 10.0  # seconds without an answer before a download gives up
_CHUNK = 1 << 20


# ----------------------------------------------------------------------------- errors


class DatasetNotAvailable(FileNotFoundError):
    """A data file is not in the data folder and could not be downloaded."""


class DatasetIntegrityError(ValueError):
    """A data file is there but is not the expected one (checksum, size or contents)."""


# ----------------------------------------------------------------------------- files


@dataclass(frozen=True)
class RemoteFile:
    """A data file: its name in the data folder, where to download it, how to check it.

    `sha256` is of the file exactly as stored (the compressed bytes for .gz files); None
    when no checksum is known, in which case `size` (bytes), if given, is checked instead."""

    name: str
    urls: tuple[str, ...]
    sha256: str | None = None
    size: int | None = None


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data folder: `root` if given, else $CHAINRULE_DATA, else ~/.cache/chainrule.

    The environment variable is read on every call, so setting it late works."""
    chosen = root if root is not None else os.environ.get(DATA_ENV_VAR) or DEFAULT_ROOT
    return Path(chosen).expanduser()


def fetch(file: RemoteFile, root: str | os.PathLike | None = None, *, who: str = "fetch") -> Path:
    """Path of `file` in the data folder, downloading it first if it is not there.

    A file found in the folder is checked (sha256, else size) but never replaced: a bad
    one raises DatasetIntegrityError, to be deleted by hand. A download goes to a temporary
    file in the same folder, is checked, then renamed into place, so the folder never
    holds a partial or unchecked file. `who` names the calling loader in error messages."""
    folder = data_root(root)
    path = folder / file.name
    if not path.is_file():
        return _download(file, folder, who)
    problem = _problem(path, file)
    if problem:
        raise DatasetIntegrityError(
            f"{who}: {path.absolute()} has {problem}: it is damaged or a different version. "
            f"Delete it and call again to download it from {file.urls[0]}"
        )
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _problem(path: Path, file: RemoteFile) -> str | None:
    """What is wrong with `path` as a copy of `file` (sha256, else size), or None."""
    if file.sha256 is not None:
        actual = _sha256(path)
        return None if actual == file.sha256 else f"sha256 {actual}, expected {file.sha256}"
    size = path.stat().st_size
    if file.size is not None and size != file.size:
        return f"{size} bytes, expected {file.size}"
    return None


def _not_available(file: RemoteFile, folder: Path, who: str, reasons: list[str]):
    urls = "\n".join(f"    {url}" for url in file.urls)
    folder = folder.absolute()
    return DatasetNotAvailable(
        f"{who}: {file.name} is not in {folder} and could not be downloaded "
        f"({'; '.join(reasons)}).\n"
        f"Download it by hand from\n{urls}\n"
        f"and save it as\n    {folder / file.name}\n"
        f"(the data folder is the root= argument, else ${DATA_ENV_VAR}, else {DEFAULT_ROOT})."
    )


def _download(file: RemoteFile, folder: Path, who: str) -> Path:
    """Download `file` into `folder` (first URL that answers), check it, rename into place."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _not_available(file, folder, who, [f"cannot create the folder: {error}"]) from error
    reasons: list[str] = []
    for url in file.urls:
        try:
            partial = _download_to_temporary(url, folder)
        except OSError as error:  # URLError, HTTPError, timeouts, refused connections, disk
            reasons.append(f"{url}: {getattr(error, 'reason', error)}")
            continue
        try:
            problem = _problem(partial, file)
            if problem:
                raise DatasetIntegrityError(
                    f"{who}: the download of {file.name} from {url} has {problem}, so it was "
                    "not saved. The source may have changed; see docs/datasets.md to "
                    f"provide the file by hand in {folder.absolute()}"
                )
            final = folder / file.name
            os.replace(partial, final)
            return final
        finally:
            partial.unlink(missing_ok=True)
    raise _not_available(file, folder, who, reasons)


def _download_to_temporary(url: str, folder: Path) -> Path:
    """Stream `url` into a new temporary file in `folder` and return its path."""
    handle, name = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=folder)
    partial = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            _transfer(url, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return partial


# The downloader: pooch's when pooch is installed and this is True (tests set it to False
# to exercise the urllib path), else urllib's. Either raises an OSError when it fails:
# urllib's URLError and HTTPError are OSErrors, and so are the requests exceptions that
# pooch's downloader raises.
use_pooch = True


def _pooch():
    """The pooch module, or None when it is not installed or `use_pooch` is False."""
    if not use_pooch:
        return None
    try:
        import pooch
    except ImportError:
        return None
    return pooch


def _transfer(url: str, out) -> None:
    """Write the bytes at `url` into the open binary file `out`."""
    pooch = _pooch()
    if pooch is not None:
        pooch.HTTPDownloader(timeout=DOWNLOAD_TIMEOUT)(url, out, None)
        return
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
        while chunk := response.read(_CHUNK):
            out.write(chunk)
