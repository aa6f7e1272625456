"""The cold scan's fast paths give exactly what the plain ones give: the outline found from its
keywords, the unrolled docstring pattern, identifiers by translate+split, the file-list answers kept
per question, and the parallel scan in a forked child (words, outlines, warnings, read counts)."""

from __future__ import annotations

import json
import os
import re

import pytest

from mltestscore.audit import _audit
from mltestscore.config import Config
from mltestscore.context import AuditContext
from mltestscore.evidence import python as P
from mltestscore.index import fork
from mltestscore.report.json_report import to_dict

# A module that trips every shortcut: a def inside a parenthesised list, keywords inside strings and
# names, async, tabs, imports over lines, quadruple quotes, an unclosed docstring at the end.
TRICKY = '''\
"""Module docstring with class Fake(Base) and def fake() and import os."""
from __future__ import annotations
import os, sys as system; import json
from . import sibling
from ..pkg import (alpha,
    beta as b,  # a comment with def hidden()
    gamma)
from torch import nn


class Model(nn.Module, metaclass=Meta):
    """A docstring """ + "with def inside()"
    label = "class Fake("
def after_string(x):
    return x

    async def inner(self): pass
\tdef tabbed(): pass
undefined = 1; redefine = 2
subclass = "x"
class Empty: pass
call(class_=1, def_=2)
x = f(a,
      def_)
print("""quad""""")
data = \'\'\'
def not_real():
\'\'\'
class Later(Model, os.PathLike):
    def method(self, y=(1, 2)):
        pass
    class Nested(system.X):
        def deep(self): ...
from os.path import (
    join,
    exists,
)
"""unclosed
def after_unclosed(): pass
'''


def _reference_outline(code: bytes, module: str) -> tuple:
    """The plain outline: every line-anchored match tried at each line start."""
    saved = P._line_matches
    try:
        P._line_matches = lambda pattern, keywords, lead, text: list(pattern.finditer(text))
        return P.outline_of(code, module).to_plain()
    finally:
        P._line_matches = saved


@pytest.mark.parametrize("padding", [0, 4000])  # small files take the plain path; large ones the keyword path
def test_outline_from_keywords_matches_plain_outline(padding):
    code = P.code_bytes((TRICKY + "\n" * padding + TRICKY).encode())
    assert len(code) > 2048 or padding == 0
    outline = P.outline_of(code, "pkg.sub.mod")
    assert outline.to_plain() == _reference_outline(code, "pkg.sub.mod")
    functions = dict(outline.functions)
    assert "after_string" in functions and "Later.method" in functions and "Later.Nested.deep" in functions
    assert "tabbed" in functions and "not_real" not in functions and "fake" not in functions
    assert ("Later", ("Model", "os.PathLike"), 29) in outline.classes and (
        "Later.Nested",
        ("sys.X",),
        32,
    ) in outline.classes
    assert (
        outline.imports["pkg.sub.sibling"] == 4
        and outline.imports["pkg.pkg.alpha"] == 5
        and outline.imports["os.path.exists"] == 34
    )


def test_keyword_search_skips_matches_inside_a_parenthesised_list():
    code = b"x = 1\n" * 400 + b"class A(\n    Base,\n) : pass\ndef f(a,\ndef_b): pass\n  from x import y\n"
    found = P._line_matches(P._DEF, P._DEF_KEYWORDS, P._DEF_LEAD, code)
    assert [(m.start(), m.groups()) for m in found] == [(m.start(), m.groups()) for m in P._DEF.finditer(code)]
    imports = P._line_matches(P._IMPORT, P._IMPORT_KEYWORDS, P._IMPORT_LEAD, code)
    assert [m.group(1) for m in imports] == [b"x"]


@pytest.mark.parametrize(
    "source",
    [
        TRICKY,
        '""""""x = 1',
        '"""a""""b"""',
        "'''x\"\"\"y'''z",
        '# """ not a string\nx = 1\n"""doc"""',
        '"""never closed\nx = 1',
        'a = "#not a comment"  # but this is',
        "'''\n''' + '''\n'''",
    ],
)
def test_code_bytes_blanks_as_the_lazy_pattern_does(source):
    lazy = re.compile(rb'(?s)""".*?"""|\'\'\'.*?\'\'\'|#[^\n]*')
    data = source.encode()
    assert P.code_bytes(data) == lazy.sub(lambda m: b"\n" * m.group(0).count(b"\n"), data)


def test_identifiers_in_matches_the_identifier_pattern():
    code = "x3 = 3d_unet + _private + café_noir + 1e9 + 0x1F + 12abc34_d + __dunder__ + ünïcode\n".encode()
    assert P.identifiers_in(code) == set(P._IDENTIFIER.findall(code))
    assert b"d_unet" in P.identifiers_in(code) and b"caf" in P.identifiers_in(code)


def test_file_list_answers_are_copies_in_path_order(repo):
    root = repo(
        {
            "b/train.py": "x = 1\n",
            "a/train.py": "x = 2\n",
            "a/setup.cfg": "[x]\n",
            "c/train.py": "x = 3\n",
            "setup.cfg": "[y]\n",
            "notes.md": "# notes\n",
        }
    )
    ctx = AuditContext(root, Config())
    files = ctx.files
    first = files.with_suffix(".py")
    first.append("mutated.py")
    assert files.with_suffix(".py") == ["a/train.py", "b/train.py", "c/train.py"]
    assert files.named("setup.cfg", "train.py") == [
        "a/setup.cfg",
        "a/train.py",
        "b/train.py",
        "c/train.py",
        "setup.cfg",
    ]
    assert files.named("train.py") == ["a/train.py", "b/train.py", "c/train.py"]
    assert files.named("absent.py") == [] and files.named("a/train.py") == []
    assert files.with_suffix(".cfg") == ["a/setup.cfg", "setup.cfg"] and files.named(".cfg") == []
    assert files.matching(r"^[ab]/") == ["a/setup.cfg", "a/train.py", "b/train.py"]
    assert files.matching(re.compile(r"\.md$")) == ["notes.md"]
    ctx.close()


def _ml_repo(repo) -> dict[str, str | bytes]:
    """A small ML project: models, data code and their tests, a notebook, and bad sources."""
    files: dict[str, str | bytes] = {
        "src/shop/__init__.py": "",
        "src/shop/utils.py": "import numpy as np\n\ndef helper(x):\n    return np.asarray(x)\n",
        ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
        "notebooks/explore.ipynb": json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "metadata": {},
                        "outputs": [],
                        "execution_count": None,
                        "source": ["import pandas as pd\n", "df = pd.read_csv('x.csv')\n"],
                    }
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        ),
        "src/shop/zz_binary.py": b"\x00\x01\x02 not python",
        "src/shop/zz_latin1.py": "name = 'caf\u00e9'\nimport torch\n".encode("latin-1"),
    }
    for n in range(40):
        files[f"src/shop/model_{n:02}.py"] = (
            f'"""Model {n}."""\nimport torch\nfrom torch import nn\nfrom shop.utils import helper\n\n\n'
            f"class Block{n}(nn.Module):\n    def forward(self, x):\n        baseline_auc = helper(x)\n        return torch.relu(x)\n"
        )
        files[f"tests/test_model_{n:02}.py"] = (
            f"import torch\nfrom shop.model_{n:02} import Block{n}\n\n\ndef test_block_{n}():\n    assert Block{n}()(torch.ones(1)) is not None\n"
        )
    return files


def _run(root, share_min: int, monkeypatch) -> tuple[AuditContext, dict]:
    monkeypatch.setattr(P, "_SHARE_MIN_FILES", share_min)
    monkeypatch.setattr(fork, "_load", lambda: 0.0)  # split even on a busy test machine
    ctx = AuditContext(root, Config())
    report = json.loads(json.dumps(to_dict(_audit(ctx)), default=str))
    report.pop("generated_at", None)
    return ctx, report


needs_fork = pytest.mark.skipif(
    not (fork.forkable() and fork.cores() > 1), reason="the parallel scan needs fork and a second core"
)


@needs_fork
def test_parallel_scan_finds_what_the_serial_scan_finds(repo, tmp_path, monkeypatch):
    outside = tmp_path / "outside.py"
    outside.write_text("import os\n")
    root = repo(_ml_repo(repo))
    os.symlink(outside, root / "src" / "shop" / "zz_link.py")
    serial, serial_report = _run(root, 10**9, monkeypatch)
    parallel, parallel_report = _run(root, 1, monkeypatch)
    assert parallel.python._outlines_made, "the child took no share"
    assert not serial.python._outlines_made
    assert parallel.python.words == serial.python.words
    for path in serial.python.files.with_suffix(".py"):
        assert parallel.python.outline(path).to_plain() == serial.python.outline(path).to_plain(), path
    assert [(w.path, w.message) for w in parallel.warnings] == [(w.path, w.message) for w in serial.warnings]
    messages = {w.path: w.message for w in parallel.warnings}
    assert messages["src/shop/zz_binary.py"] == "binary content where Python was expected; skipped"
    assert messages["src/shop/zz_latin1.py"] == "not valid UTF-8; read with replacement characters"
    assert messages["src/shop/zz_link.py"] == "symbolic link pointing outside the repository; not followed"
    # The child's files are not kept in this process: later queries read them again.
    assert parallel.files.reads >= serial.files.reads
    assert parallel_report == serial_report
    serial.close()
    parallel.close()


@needs_fork
def test_a_failing_child_leaves_the_scan_to_this_process(repo, monkeypatch):
    root = repo(_ml_repo(repo))
    serial, serial_report = _run(root, 10**9, monkeypatch)

    def broken(*args):
        raise RuntimeError("child fails")

    monkeypatch.setattr(P, "_scan_files", broken)
    fallback, fallback_report = _run(root, 1, monkeypatch)
    assert not fallback.python._outlines_made
    assert fallback.python.words == serial.python.words
    assert fallback_report == serial_report
    serial.close()
    fallback.close()


@needs_fork
def test_parallel_scan_fills_the_cache_a_warm_run_replays(repo, tmp_path, monkeypatch):
    root = repo(_ml_repo(repo))
    monkeypatch.setattr(P, "_SHARE_MIN_FILES", 1)
    monkeypatch.setattr(fork, "_load", lambda: 0.0)
    cold = AuditContext(root, Config(), cache_dir=tmp_path / "cache")
    cold_report = json.loads(json.dumps(to_dict(_audit(cold)), default=str))
    assert cold.python._outlines_made
    cold.close()
    warm = AuditContext(root, Config(), cache_dir=tmp_path / "cache")
    warm_report = json.loads(json.dumps(to_dict(_audit(warm)), default=str))
    assert warm.files.reads < cold.files.reads  # words and outlines came from the cache
    for report in (cold_report, warm_report):
        report.pop("generated_at", None)
    assert warm_report == cold_report
    warm.close()


def test_no_split_on_a_busy_machine_or_for_few_files(repo, monkeypatch):
    root = repo(_ml_repo(repo))
    monkeypatch.setattr(fork, "_load", lambda: float(fork.cores()))  # every core busy
    monkeypatch.setattr(P, "_SHARE_MIN_FILES", 1)
    busy = AuditContext(root, Config())
    assert busy.python.words and not busy.python._outlines_made
    monkeypatch.setattr(fork, "_load", lambda: 0.0)
    monkeypatch.undo()  # the default threshold: far more files than these 80
    few = AuditContext(root, Config())
    assert few.python.words and not few.python._outlines_made
    assert few.python.words == busy.python.words
    busy.close()
    few.close()


def test_collected_by_finds_what_a_walk_over_every_test_file_finds(repo):
    files = {f"tests/unit/test_{n}.py": "def test_a():\n    assert True\n" for n in range(30)}
    files.update(
        {
            "tests/unit0/test_x.py": "def test_b():\n    assert True\n",
            "tests/unit.py/test_y.py": "def test_c():\n    assert True\n",
            "tests/test_top.py": "def test_d():\n    assert True\n",
            "other/test_z.py": "def test_e():\n    assert True\n",
        }
    )
    root = repo(files)
    ctx = AuditContext(root, Config())
    suite = ctx.tests

    def walked(args):
        targets = [a.split("::")[0].rstrip("/") for a in args if not a.startswith("-")] or ["."]
        return [f for f in suite.files if any(t in (".", "") or f == t or f.startswith(t + "/") for t in targets)]

    for args in (
        ["tests/unit"],
        ["tests/unit/"],
        ["-q", "tests/test_top.py::test_d"],
        ["tests/unit", "other"],
        [],
        ["tests/unit/test_3.py", "tests/unit0"],
        ["absent"],
        ["tests"],
        ["-x", "."],
    ):
        assert suite.collected_by(args) == walked(args), args
    assert "tests/unit0/test_x.py" not in suite.collected_by(["tests/unit"])
    ctx.close()
