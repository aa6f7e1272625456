"""Parses of repository files, each done at most once: YAML, JSON, TOML, INI, notebooks, Python.

Every parser is read-only and safe: YAML through a safe loader with an alias budget, no code from
the repository is imported or run. A file that fails to parse becomes a warning and `None`.
"""

from __future__ import annotations

import ast
import configparser
import json
import re
import time
import warnings
from dataclasses import dataclass
from typing import Any

from mltestscore.index.files import RepoFiles

MAX_YAML_ALIASES = 1000  # far above real CI files
MAX_YAML_EXPANDED = 1_000_000  # nodes once aliases are expanded: stops "billion laughs" documents


class _YamlTooManyAliases(Exception):
    pass


def _yaml_loader():
    """libyaml's safe loader when present (10× faster); else the pure-Python one, with an alias
    budget checked while composing. Either way the expanded size is checked after loading."""
    import yaml

    if hasattr(yaml, "CSafeLoader"):
        return yaml.CSafeLoader

    class BoundedSafeLoader(yaml.SafeLoader):
        aliases = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > MAX_YAML_ALIASES:
                    raise _YamlTooManyAliases
            return super().compose_node(parent, index)

    return BoundedSafeLoader


_LOADER = None


def load_yaml_text(text: str) -> Any:
    """Safe YAML load that refuses alias bombs; raises on bad YAML."""
    global _LOADER
    if _LOADER is None:
        _LOADER = _yaml_loader()
    loader = _LOADER(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    if _expanded_size(data, {}) > MAX_YAML_EXPANDED:
        raise _YamlTooManyAliases
    return data


def _expanded_size(node: Any, memo: dict[int, int]) -> int:
    """Node count with every alias expanded, computed over shared nodes once (cycles count as huge)."""
    if not isinstance(node, (dict, list)):
        return 1
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = MAX_YAML_EXPANDED + 1  # a cycle meets this placeholder
    items = [*node.keys(), *node.values()] if isinstance(node, dict) else node
    size = 1
    for item in items:
        size += _expanded_size(item, memo)
        if size > MAX_YAML_EXPANDED:
            break
    memo[key] = size
    return size


@dataclass(frozen=True)
class NotebookSource:
    """A notebook's code cells joined into one Python source, with a map back to cells."""

    source: str
    cell_starts: tuple[int, ...]  # 1-based line in `source` where each code cell begins
    cell_numbers: tuple[int, ...]  # the cell's index among all cells, 1-based

    def cell_of(self, line: int) -> int | None:
        cell = None
        for start, number in zip(self.cell_starts, self.cell_numbers):
            if start > line:
                break
            cell = number
        return cell

    def where(self, line: int | None) -> str:
        """'cell 4, line 2' for a line of the joined source: what a notebook's reader can find."""
        if not line:
            return "line ?"
        found = None
        for start, number in zip(self.cell_starts, self.cell_numbers):
            if start > line:
                break
            found = (number, line - start + 1)
        return f"cell {found[0]}, line {found[1]}" if found else f"line {line}"


_MAGIC = re.compile(r"^\s*[%!]")
_ASSIGNED_MAGIC = re.compile(r"^(\s*[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*)[%!].*$")  # files = !ls, t = %timeit …


def _without_magics(lines: list[str]) -> list[str]:
    """A cell's lines with IPython syntax made Python, line numbers kept: a line magic or shell escape
    becomes `pass` at its indentation (a magic alone in an `if` block keeps the block valid), and the
    lines it continues with a trailing backslash (`!cmd \\`) become blank; `x = !ls` becomes `x = None`."""
    out: list[str] = []
    continued = False
    for line in lines:
        if continued:
            out.append("")
            continued = line.rstrip().endswith("\\")
        elif _MAGIC.match(line):
            out.append(line[: len(line) - len(line.lstrip())] + "pass")
            continued = line.rstrip().endswith("\\")
        elif _ASSIGNED_MAGIC.match(line):
            out.append(_ASSIGNED_MAGIC.sub(r"\1None", line))
            continued = line.rstrip().endswith("\\")
        else:
            out.append(line)
    return out


class Parsed:
    """Cached parses over a RepoFiles. Each method returns None (after one warning) on failure."""

    def __init__(self, files: RepoFiles, warn) -> None:
        self.files = files
        self.warn = warn
        self.problems: dict[str, str] = {}  # path -> the last problem reported for it
        self._cache: dict[tuple[str, str], Any] = {}
        self.seconds: dict[str, float] = {}  # parse time per kind (python, yaml ...): --profile shows it

    def _warn(self, path: str, message: str) -> None:
        self.problems[path] = message
        self.warn(path, message)

    def _cached(self, kind: str, path: str, parse):
        key = (kind, path)
        if key not in self._cache:
            start = time.perf_counter()
            self._cache[key] = parse(path)
            self.seconds[kind] = self.seconds.get(kind, 0.0) + time.perf_counter() - start
        return self._cache[key]

    # -- data formats ------------------------------------------------------------------
    def yaml(self, path: str) -> Any:
        return self._cached("yaml", path, self._parse_yaml)

    def _parse_yaml(self, path: str) -> Any:
        text = self.files.text(path)
        if text is None:
            return None
        try:
            return load_yaml_text(text)
        except _YamlTooManyAliases:
            self._warn(path, "YAML aliases expand to an absurd size (an alias bomb?); not parsed")
        except RecursionError:
            self._warn(path, "YAML nested too deeply; not parsed")
        except Exception as error:  # yaml.YAMLError and constructor errors (custom tags)
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self._warn(path, f"invalid YAML ({first}); skipped")
        return None

    def json(self, path: str) -> Any:
        return self._cached("json", path, self._parse_json)

    def _parse_json(self, path: str) -> Any:
        text = self.files.text(path)
        if text is None:
            return None
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as error:
            self._warn(path, f"invalid JSON ({error}); skipped")
            return None

    def toml(self, path: str) -> Any:
        return self._cached("toml", path, self._parse_toml)

    def _parse_toml(self, path: str) -> Any:
        text = self.files.text(path)
        if text is None:
            return None
        try:
            return load_toml_text(text)
        except (ValueError, RecursionError) as error:  # TOMLDecodeError is a ValueError
            self._warn(path, f"invalid TOML ({error}); skipped")
            return None

    def ini(self, path: str) -> configparser.ConfigParser | None:
        return self._cached("ini", path, self._parse_ini)

    def _parse_ini(self, path: str) -> configparser.ConfigParser | None:
        text = self.files.text(path)
        if text is None:
            return None
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(text, source=path)
        except configparser.Error as error:
            self._warn(path, f"invalid INI ({error.__class__.__name__}); skipped")
            return None
        return parser

    # -- code ----------------------------------------------------------------------------
    def notebook(self, path: str) -> NotebookSource | None:
        return self._cached("notebook", path, self._parse_notebook)

    def _parse_notebook(self, path: str) -> NotebookSource | None:
        data = self._parse_json(path)  # not cached: a notebook's outputs can be large
        if data is None:
            return None
        cells = data.get("cells") if isinstance(data, dict) else None
        if not isinstance(cells, list):
            self._warn(path, "not a Jupyter notebook (no cells list); skipped")
            return None
        lines: list[str] = []
        starts: list[int] = []
        numbers: list[int] = []
        for number, cell in enumerate(cells, start=1):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(s for s in source if isinstance(s, str))
            if not isinstance(source, str) or source.lstrip().startswith("%%"):
                continue  # cell magics (%%bash, %%sql) are not Python
            starts.append(len(lines) + 1)
            numbers.append(number)
            lines.extend(_without_magics(source.splitlines()))
        return NotebookSource("\n".join(lines) + "\n", tuple(starts), tuple(numbers))

    def _parse_cells(self, path: str, notebook: NotebookSource) -> ast.Module | None:
        """The notebook's AST with each code cell that will not parse left out (a warning names it):
        one bad cell must not hide the rest of the notebook."""
        lines = notebook.source.split("\n")
        bounds = [*notebook.cell_starts, len(lines) + 1]
        for index, number in enumerate(notebook.cell_numbers):
            first, last = bounds[index] - 1, bounds[index + 1] - 1
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ast.parse("\n".join(lines[first:last]))
            except SyntaxError as error:
                self._warn(path, f"Python syntax error cell {number}, line {error.lineno}; cell skipped")
                lines[first:last] = [""] * (last - first)
            except (ValueError, RecursionError, MemoryError):
                self._warn(path, f"Python source cannot be parsed in cell {number}; cell skipped")
                lines[first:last] = [""] * (last - first)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse("\n".join(lines), filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self._warn(path, "Python source cannot be parsed; not analysed")
            return None

    def python(self, path: str) -> ast.Module | None:
        """The AST of a .py file, or of a notebook's code cells."""
        return self._cached("python", path, self._parse_python)

    def _parse_python(self, path: str) -> ast.Module | None:
        notebook = None
        if path.endswith(".ipynb"):
            notebook = self.notebook(path)
            source = notebook.source if notebook else None
        else:
            source = self.files.text(path)
        if source is None:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not our business
                return ast.parse(source, filename=path)
        except SyntaxError as error:
            if notebook is not None:
                return self._parse_cells(path, notebook)
            self._warn(path, f"Python syntax error line {error.lineno}; not analysed")
        except (ValueError, RecursionError, MemoryError) as error:
            self._warn(path, f"Python source cannot be parsed ({type(error).__name__}); not analysed")
        return None


MAX_TOML_KEY_PARTS = 256


def load_toml_text(text: str) -> Any:
    """tomllib.loads, refusing keys of more than MAX_TOML_KEY_PARTS dotted parts first: its key
    parser is quadratic in them (a 100k-part key took seconds). Raises ValueError or RecursionError."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    if _dotted_key_parts(text) > MAX_TOML_KEY_PARTS:
        raise ValueError(f"a key with more than {MAX_TOML_KEY_PARTS} dotted parts")
    return tomllib.loads(text)


def _dotted_key_parts(text: str) -> int:
    """The most dots in any line's key part (before `=`, or a whole `[table.header]` line)."""
    if text.count(".") <= MAX_TOML_KEY_PARTS:
        return 0
    return max((line.partition("=")[0].count(".") for line in text.splitlines()), default=0)
