"""Fetching dataset files: mirrors, atomic writes, checksums and zip members.

Kept apart from the registry so that it stays readable and tests have a single seam,
:func:`fetch_url`, to stand in for the network.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .errors import DatasetError

log = logging.getLogger(__name__)

#: Seconds to wait on a silent connection; a stalled mirror should fail over, not hang the app.
DEFAULT_TIMEOUT = 60.0

_CHUNK = 1 << 20

# Errors that mean "this mirror did not deliver", as opposed to "it delivered the wrong bytes".
# URLError and socket timeouts are OSErrors; a connection dropped mid-body is an HTTPException.
_NETWORK_ERRORS = (OSError, http.client.HTTPException)

Check = Callable[[Path], None]


class DownloadFailed(OSError):
    """Every mirror failed for network reasons (as opposed to serving bad content)."""


def fetch_url(url: str, dest: Path, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Copy the resource at `url` into the file `dest`, overwriting it.

    Parameters
    ----------
    url : str
        ``https://`` or ``file://`` address.
    dest : Path
        File to write; its folder must exist.
    timeout : float, optional
        Seconds to wait on a connection that sends nothing.

    Raises
    ------
    OSError
        Including :class:`urllib.error.URLError` and :class:`TimeoutError` on network failure.
    """
    # Some hosts refuse urllib's default agent string.
    request = urllib.request.Request(url, headers={"User-Agent": "latent-explorer"})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as out:
        shutil.copyfileobj(response, out, _CHUNK)


def file_digest(path: Path, algorithm: str) -> str:
    """Return the hex digest of the file at `path` with a :mod:`hashlib` `algorithm`."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_check(name: str, *, sha256: str | None = None, md5: str | None = None) -> Check:
    """Build a check that raises :class:`DatasetError` unless a file has the given digest.

    sha256 is preferred when both are known; md5 is there for files whose published checksum
    is md5 only (MNIST's training files).
    """
    algorithm, expected = ("sha256", sha256) if sha256 else ("md5", md5)

    def check(path: Path) -> None:
        if expected is None:
            return
        found = file_digest(path, algorithm)
        if found != expected.lower():
            raise DatasetError(
                f"{name}: {algorithm} checksum mismatch (expected {expected}, got {found}); "
                "the download is corrupt or not the expected release, so it was deleted."
            )

    return check


def _temp_beside(dest: Path) -> Path:
    # A unique name in the destination folder, so that the final os.replace is atomic and
    # two processes downloading at once do not write into the same partial file.
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    os.close(fd)
    return Path(name)


def download_file(
    urls: Sequence[str], dest: Path, *, check: Check, timeout: float = DEFAULT_TIMEOUT
) -> Path:
    """Download the first mirror that works into `dest`, only once `check` accepts it.

    Parameters
    ----------
    urls : sequence of str
        Mirrors, tried in order.
    dest : Path
        Final location; its folder is created. A file only ever appears there complete and
        checked.
    check : callable
        Called with the downloaded temporary file; raises :class:`DatasetError` to reject it.
    timeout : float, optional
        Per-connection timeout in seconds.

    Returns
    -------
    Path
        `dest`.

    Raises
    ------
    DatasetError
        No mirror delivered acceptable content and at least one delivered bad content.
    DownloadFailed
        Every mirror failed with a network error.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    network_failures: list[str] = []
    bad_content: list[DatasetError] = []
    for url in urls:
        tmp = _temp_beside(dest)
        try:
            log.info("Downloading %s", url)
            fetch_url(url, tmp, timeout=timeout)
            check(tmp)
        except DatasetError as exc:
            # Another mirror may still hold a good copy.
            bad_content.append(exc)
            tmp.unlink(missing_ok=True)
            continue
        except _NETWORK_ERRORS as exc:
            network_failures.append(f"{url}: {exc}")
            tmp.unlink(missing_ok=True)
            continue
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, dest)
        return dest
    if bad_content:
        raise DatasetError("\n".join(str(exc) for exc in bad_content))
    raise DownloadFailed("; ".join(network_failures) or "no URL to download from")


def _check_zip(path: Path) -> None:
    if not zipfile.is_zipfile(path):
        raise DatasetError(f"{path.name}: the download is not a zip archive.")


def download_zip_members(
    urls: Sequence[str],
    members: Mapping[str, tuple[Path, Check]],
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Download a zip archive and extract some of its members, each checked, to their places.

    Parameters
    ----------
    urls : sequence of str
        Mirrors of the archive, tried in order.
    members : mapping
        Member base name -> (destination path, check). Members are matched by base name, so
        a folder inside the archive does not matter; they are never extracted by their own
        path, which keeps a hostile archive from writing outside the destination.
    timeout : float, optional
        Per-connection timeout in seconds.

    Raises
    ------
    DatasetError
        The archive is not a zip, lacks a member, or a member fails its check.
    DownloadFailed
        Every mirror failed with a network error.
    """
    if not members:
        return
    workdir = next(iter(members.values()))[0].parent
    workdir.mkdir(parents=True, exist_ok=True)
    # The archive is only a vehicle: keep it in a temporary folder beside the destination.
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".download-") as tmpdir:
        archive = download_file(
            urls, Path(tmpdir) / "archive.zip", check=_check_zip, timeout=timeout
        )
        with zipfile.ZipFile(archive) as zf:
            by_name = {
                Path(info.filename).name: info for info in zf.infolist() if not info.is_dir()
            }
            for member, (dest, check) in members.items():
                info = by_name.get(member)
                if info is None:
                    raise DatasetError(
                        f"The archive from {urls[0]} has no member {member!r} "
                        f"(it holds {', '.join(sorted(by_name)) or 'nothing'})."
                    )
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = _temp_beside(dest)
                try:
                    with zf.open(info) as src, open(tmp, "wb") as out:
                        shutil.copyfileobj(src, out, _CHUNK)
                    check(tmp)
                except zipfile.BadZipFile as exc:
                    tmp.unlink(missing_ok=True)
                    raise DatasetError(f"{member} in the archive is damaged: {exc}") from exc
                except BaseException:
                    tmp.unlink(missing_ok=True)
                    raise
                os.replace(tmp, dest)
