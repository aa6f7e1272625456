"""Keys in deployment and infrastructure config files (Kubernetes manifests, Helm templates,
CloudFormation, Terraform, serving configs), found line by line so Helm templates and
multi-document YAML need no full parse.

Given the audit context, each search's hits are kept in the fact cache under the pattern and the
paths and content ids of the files searched: an audit after an edit to anything but a config file
reads no config file for them (a search costs ~1 ms a pattern, and checks make dozens)."""

from __future__ import annotations

import re

try:  # the regex parser, to find what literals a pattern requires
    from re import _parser as _sre  # type: ignore[attr-defined]  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre
from dataclasses import dataclass
from hashlib import sha1

from mltestscore.index.files import RepoFiles

CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".tf", ".tfvars", ".pbtxt", ".config", ".toml")
_KIND = "config-lines:2"  # bump when the search below changes


@dataclass(frozen=True)
class ConfigHit:
    path: str
    line: int
    text: str


def search_configs(source, pattern: str, suffixes: tuple[str, ...] = CONFIG_SUFFIXES) -> list[ConfigHit]:
    """Lines of config files matching `pattern` (a regex over one line). `source` is the audit
    context, or its RepoFiles (then nothing is cached)."""
    if isinstance(source, RepoFiles):
        return _search(source, pattern, _candidates(source, suffixes))[0]
    ctx = source
    candidates, state = ctx.fact(_ConfigSets).get(suffixes)
    if state is None:  # a file without a content id: search without the cache
        return _search(ctx.files, pattern, candidates)[0]
    key = sha1(f"{state}\0{pattern}".encode()).hexdigest()
    kind = f"{_KIND}:{ctx.files.max_bytes}"
    known = ctx.cache.get_many(kind, [key]).get(key)
    if known is not None:
        return [ConfigHit(*hit) for hit in known]
    hits, clean = _search(ctx.files, pattern, candidates)
    if clean:  # a file that warned is searched again next time, so the warning repeats
        ctx.cache.put(kind, key, tuple((hit.path, hit.line, hit.text) for hit in hits))
    return hits


def _candidates(files: RepoFiles, suffixes: tuple[str, ...]) -> list[str]:
    return [p for p in files.with_suffix(*suffixes) if not p.endswith(".ipynb")]


def _search(files: RepoFiles, pattern: str, candidates: list[str]) -> tuple[list[ConfigHit], bool]:
    """(hits, clean): clean when every file was read without a warning."""
    regex = re.compile(pattern)
    prefilter = re.compile(pattern.encode(), re.M)
    needs = required_literals(pattern)
    hits = []
    clean = True
    for path in candidates:
        data = files.read_bytes(path)
        if data is None:
            clean = False
            continue
        if needs is not None and not any(literal in data for literal in needs):
            continue  # a substring test (memchr fast) spares the regex most files
        if not prefilter.search(data):
            continue
        clean = clean and _decodes_quietly(data)
        text = files.text(path) or ""
        json_file = path.endswith(".json")
        for number, line in enumerate(text.splitlines(), start=1):
            found = regex.search(line)
            if found and not (json_file and _in_prose(line, found.start())):
                hits.append(ConfigHit(path, number, line.strip()[:120]))
    return hits, clean


def required_literals(pattern: str) -> tuple[bytes, ...] | None:
    """Literals of which every match of `pattern` holds at least one (`^\\s*(warn_after|error_after)`
    needs b"warn_after" or b"error_after"), or None when no such set is known. Exact: a text holding
    none of them cannot match."""
    try:
        parsed = _sre.parse(pattern)
    except Exception:  # noqa: BLE001 - a pattern the parser rejects is left to re.compile to report
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    needs = _needs(list(parsed))
    return tuple(sorted(needs)) if needs else None


def _needs(items: list) -> set[bytes] | None:
    """Of a sequence of parsed items: the best set of literals one of which any match holds."""
    best: set[bytes] | None = None
    run: list[str] = []

    def consider(found: set[bytes] | None) -> None:
        nonlocal best
        if found and all(found) and (best is None or min(map(len, found)) > min(map(len, best))):
            best = found

    for op, arg in [*items, (None, None)]:
        if op is _sre.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            consider({"".join(run).encode()})
            run = []
        if op is _sre.SUBPATTERN and not arg[1] & re.IGNORECASE:  # (?i:...) matches other cases
            consider(_needs(list(arg[-1])))
        elif op is _sre.BRANCH:
            branches = [_needs(list(branch)) for branch in arg[1]]
            consider(set().union(*branches) if all(branches) else None)  # type: ignore[arg-type]
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and arg[0] >= 1:
            consider(_needs(list(arg[2])))
    return best


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _in_prose(line: str, at: int) -> bool:
    """Whether position `at` of a JSON line falls inside a string value of words (a sentence in
    a report or description): keywords count in JSON keys and identifier-like values only."""
    for literal in _JSON_STRING.finditer(line):
        if literal.start() <= at < literal.end():
            return " " in literal.group() and not line[literal.end() :].lstrip().startswith(":")
    return False


def _decodes_quietly(data: bytes) -> bool:
    """Whether RepoFiles.text reads these bytes without a warning (not binary, valid UTF-8)."""
    if b"\x00" in data[:8192]:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


class _ConfigSets:
    """Per audit: the config files of each suffix set, and a digest of their paths and content ids
    (None when a file has no content id)."""

    def __init__(self, ctx) -> None:
        self.files = ctx.files
        self._sets: dict[tuple[str, ...], tuple[list[str], str | None]] = {}

    def get(self, suffixes: tuple[str, ...]) -> tuple[list[str], str | None]:
        if suffixes not in self._sets:
            candidates = _candidates(self.files, suffixes)
            digest = sha1()
            for path in candidates:
                content_id = self.files.content_id(path)
                if content_id is None:
                    self._sets[suffixes] = candidates, None
                    return self._sets[suffixes]
                digest.update(f"{path}\0{content_id}\0".encode())
            self._sets[suffixes] = candidates, digest.hexdigest()
        return self._sets[suffixes]
