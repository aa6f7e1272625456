"""Where the audited repository lives on the web, from `git remote`: links from report evidence to
the file at the audited commit (GitHub, GitLab, Bitbucket), and SARIF versionControlProvenance.

Only the origin remote is read (or the first remote when there is no origin); credentials in the
URL are dropped; an unknown host gives no links rather than wrong ones.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

_SCP = re.compile(r"^(?:[\w.-]+@)?([\w.-]+):(?!//)(.+)$")  # git@github.com:owner/repo.git
_URL = re.compile(r"^(?:https?|ssh|git)://(?:[^@/]+@)?([\w.-]+)(?::\d+)?/(.+)$")


@dataclass(frozen=True)
class Remote:
    host: str  # github, gitlab, bitbucket, or "" for another host
    web_url: str  # https://github.com/owner/repo
    prefix: str  # the audited folder below the git top level ("" at the top)

    def file_url(self, commit: str, path: str, line: int | None = None) -> str | None:
        if not self.host or not commit:
            return None
        full = quote(f"{self.prefix}/{path}" if self.prefix else path)
        if self.host == "github":
            return f"{self.web_url}/blob/{commit}/{full}" + (f"#L{line}" if line else "")
        if self.host == "gitlab":
            return f"{self.web_url}/-/blob/{commit}/{full}" + (f"#L{line}" if line else "")
        return f"{self.web_url}/src/{commit}/{full}" + (f"#lines-{line}" if line else "")


def web_url(remote_url: str) -> tuple[str, str] | None:
    """(host kind, https URL of the project) for a git remote URL, None when it is not one."""
    url = remote_url.strip()
    match = _URL.match(url) or (None if "://" in url else _SCP.match(url))
    if not match:
        return None
    host, path = match.group(1).lower(), match.group(2).strip("/")
    path = path[:-4] if path.endswith(".git") else path
    kind = next((k for k in ("github", "gitlab", "bitbucket") if k in host.split(".")), "")
    return kind, f"https://{host}/{path}"


@lru_cache(maxsize=8)
def remote_for(root: str) -> Remote | None:
    """The audited folder's remote (None outside git or without a remote)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=env, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    if not Path(root).is_dir():
        return None
    remotes = git("remote").split()
    if not remotes:
        return None
    name = "origin" if "origin" in remotes else remotes[0]
    found = web_url(git("remote", "get-url", name))
    if found is None:
        return None
    prefix = git("rev-parse", "--show-prefix").strip("/")
    return Remote(found[0], found[1], prefix)
