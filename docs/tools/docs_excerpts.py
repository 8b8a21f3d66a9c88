"""Code excerpts in the docs, pulled from the real source files.

In a Markdown file, a marker comment names the code; the fenced block right
after it holds a copy of that code:

    <!-- excerpt: backend/tokens.py::spend_refresh_token -->
    ```python
    def spend_refresh_token(jti: str) -> None:
        ...
    ```

- Python is selected by name with the `ast` module: a function, a class, a
  method (`ClassName.method`) or a module-level assignment (`NAME`),
  decorators included.
- JavaScript is selected by region: the lines between `// #region NAME` and
  its `// #endregion` (marker lines of nested regions are left out).

Never by line numbers: they drift silently, names do not.

    python docs/tools/docs_excerpts.py           # check: lists every excerpt that differs
    python docs/tools/docs_excerpts.py --write   # rewrite the blocks from the sources

tests/test_docs.py runs the check, so `make test` fails when docs and code drift.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MARKER = re.compile(r"^<!--\s*excerpt:\s*(?P<source>\S+?)::(?P<name>[\w.\-]+)\s*-->\s*$")
FENCE_OPEN = re.compile(r"^```(?P<lang>[\w-]*)\s*$")
LANGUAGES = {".py": "python", ".js": "js", ".mjs": "js"}


class ExcerptError(Exception):
    """The named code cannot be found, or the Markdown around a marker is malformed."""


@dataclass
class Excerpt:
    doc: Path
    line: int  # 1-based line of the marker comment
    source: str  # path relative to the repository root
    name: str
    lang: str  # language written on the opening fence
    body_start: int  # 0-based index of the first code line
    body_end: int  # 0-based index of the closing fence
    body: str

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


# --- selecting code ---------------------------------------------------------


def python_excerpt(path: Path, name: str) -> str:
    """Source of `name` (dotted for nested: Class.method), decorators included."""
    text = path.read_text()
    tree = ast.parse(text, filename=str(path))
    body = tree.body
    node = None
    for part in name.split("."):
        node = next((n for n in body if _defines(n, part)), None)
        if node is None:
            raise ExcerptError(f"{path.name} defines no {name!r}")
        body = getattr(node, "body", [])
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    lines = text.splitlines()[first - 1 : node.end_lineno]
    return textwrap.dedent("\n".join(lines))


def _defines(node: ast.AST, name: str) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    return False


REGION = re.compile(r"^\s*//\s*#region\s+(?P<name>\S+)\s*$")
ENDREGION = re.compile(r"^\s*//\s*#endregion\b")


def js_excerpt(path: Path, name: str) -> str:
    """The lines inside `// #region name` ... `// #endregion`."""
    lines = path.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if (m := REGION.match(line)) and m["name"] == name]
    if not starts:
        raise ExcerptError(f"{path.name} has no '// #region {name}'")
    if len(starts) > 1:
        raise ExcerptError(f"{path.name} has {len(starts)} regions named {name!r}")
    depth, kept = 1, []
    for line in lines[starts[0] + 1 :]:
        if REGION.match(line):
            depth += 1
            continue
        if ENDREGION.match(line):
            depth -= 1
            if depth == 0:
                break
            continue
        kept.append(line)
    else:
        raise ExcerptError(f"{path.name}: region {name!r} has no '// #endregion'")
    while kept and not kept[0].strip():
        kept.pop(0)
    while kept and not kept[-1].strip():
        kept.pop()
    return textwrap.dedent("\n".join(kept))


def excerpt_source(root: Path, source: str, name: str) -> str:
    path = root / source
    if not path.is_file():
        raise ExcerptError(f"no such file: {source}")
    if path.suffix == ".py":
        return python_excerpt(path, name)
    if path.suffix in (".js", ".mjs"):
        return js_excerpt(path, name)
    raise ExcerptError(f"cannot select code by name in {source} (only .py, .js, .mjs)")


# --- finding excerpts in Markdown ---------------------------------------------


def find_excerpts(doc: Path) -> list[Excerpt]:
    lines = doc.read_text().splitlines()
    found = []
    in_fence = False
    for i, line in enumerate(lines):
        if line.strip().startswith("```"):
            in_fence = not in_fence  # markers shown inside code blocks are examples, not excerpts
            continue
        marker = MARKER.match(line.strip())
        if in_fence or not marker:
            continue
        fence = FENCE_OPEN.match(lines[i + 1]) if i + 1 < len(lines) else None
        if not fence:
            raise ExcerptError(f"{doc}:{i + 1}: an excerpt marker must be followed by a ``` fence")
        end = next((j for j in range(i + 2, len(lines)) if lines[j].rstrip() == "```"), None)
        if end is None:
            raise ExcerptError(f"{doc}:{i + 2}: code fence never closed")
        found.append(
            Excerpt(
                doc,
                i + 1,
                marker["source"],
                marker["name"],
                fence["lang"],
                i + 2,
                end,
                "\n".join(lines[i + 2 : end]),
            )
        )
    return found


def default_docs(root: Path = ROOT) -> list[Path]:
    return sorted((root / "docs").rglob("*.md")) + [root / "README.md"]


def check(root: Path = ROOT, docs: list[Path] | None = None) -> list[str]:
    """One message per excerpt that no longer matches its source (empty = all good)."""
    problems = []
    for doc in docs if docs is not None else default_docs(root):
        try:
            excerpts = find_excerpts(doc)
        except ExcerptError as error:
            problems.append(str(error))
            continue
        for ex in excerpts:
            try:
                expected = excerpt_source(root, ex.source, ex.name)
            except ExcerptError as error:
                problems.append(f"{ex.where}: {error}")
                continue
            want_lang = LANGUAGES.get(Path(ex.source).suffix)
            if ex.lang != want_lang:
                problems.append(
                    f"{ex.where}: fence says {ex.lang or 'nothing'!r}, expected {want_lang!r}"
                )
            if ex.body != expected:
                diff = "\n".join(
                    difflib.unified_diff(
                        ex.body.splitlines(),
                        expected.splitlines(),
                        f"{ex.doc.name} (docs)",
                        f"{ex.source}::{ex.name} (code)",
                        lineterm="",
                        n=1,
                    )
                )
                problems.append(
                    f"{ex.where}: excerpt {ex.source}::{ex.name} differs from the code\n{diff}"
                )
    return problems


def write(root: Path = ROOT, docs: list[Path] | None = None) -> list[Path]:
    """Rewrite every excerpt block from its source; returns the files changed."""
    changed = []
    for doc in docs if docs is not None else default_docs(root):
        lines = doc.read_text().splitlines()
        # Bottom-up, so earlier indexes stay valid while we splice.
        for ex in reversed(find_excerpts(doc)):
            code = excerpt_source(root, ex.source, ex.name)
            lang = LANGUAGES.get(Path(ex.source).suffix, ex.lang)
            lines[ex.body_start - 1 : ex.body_end] = [f"```{lang}", *code.splitlines()]
        text = "\n".join(lines) + "\n"
        if text != doc.read_text():
            doc.write_text(text)
            changed.append(doc)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--write", action="store_true", help="rewrite the excerpts from the sources"
    )
    parser.add_argument(
        "docs", nargs="*", type=Path, help="Markdown files (default: docs/ and README.md)"
    )
    args = parser.parse_args(argv)
    docs = [d.resolve() for d in args.docs] or None
    if args.write:
        for doc in write(ROOT, docs):
            print(f"updated {doc.relative_to(ROOT)}")
        return 0
    problems = check(ROOT, docs)
    for problem in problems:
        print(problem, end="\n\n")
    count = sum(len(find_excerpts(d)) for d in (docs or default_docs(ROOT)))
    print(
        f"{count} excerpts, {len(problems)} out of date"
        + (": run python docs/tools/docs_excerpts.py --write" if problems else "")
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
