"""Translations of the guide, kept in step with the English by tests.

A translated chapter lives in docs/<lang>/ under the English file's name
(docs/zh-CN/05-refresh-rotation-reuse.md translates
docs/05-refresh-rotation-reuse.md). It is written for its readers, not word
for word, but it must carry the same *checked* parts as the English:

- the same code excerpts (`<!-- excerpt: ... -->`), in the same order: the code
  stays in English, since it is the same code, and docs/tools/docs_excerpts.py
  keeps both editions' copies in sync with the source;
- the same run blocks (`<!-- run: ... -->`), command for command: the English
  ones are run by tests/test_curl.py, so identical copies are proven too;
- the same images, and the same Mermaid diagrams (`%% diagram: NAME`), whose
  labels are translated;
- a link to its counterpart in the other language, both ways.

And it records which English text it translates: its first line is

    <!-- translated-from: 05-refresh-rotation-reuse.md sha256:0123456789ab -->

a hash of the English chapter with its excerpt bodies left out (those follow
the code by themselves). When the English prose changes, the hash no longer
matches and the test fails, naming the chapter: update the translation, then

    python docs/tools/docs_i18n.py --stamp docs/zh-CN/05-refresh-rotation-reuse.md

    python docs/tools/docs_i18n.py           # check every translation
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import docs_excerpts

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

# The editions, and what a chapter in each must look like.
EDITIONS = {
    "zh-CN": {
        "first_section": "本章要做什么",  # "What you will build"
        "last_section": "动手验证",  # "Check it works"
        "switch_label": "English",  # the link text back to the English page
        "english_switch_label": "中文",  # the link text on the English page
        # The glossary fixes the terms; these synonyms are not used in prose.
        "glossary": "glossary.md",
        "terms": (
            "访问令牌",
            "刷新令牌",
            "无感刷新",
            "轮换",
            "重用检测",
            "单飞",
            "合并刷新",
            "跨标签页",
            "主动刷新",
            "CSRF 双重提交",
        ),
        "avoid": {
            "静默刷新": "无感刷新",
            "存取令牌": "访问令牌",
            "更新令牌": "刷新令牌",
            "轮转": "轮换",
            "复用检测": "重用检测",
            "重放检测": "重用检测",
            "多标签页": "跨标签页",
            "预先刷新": "主动刷新",
            "提前刷新": "主动刷新",
            "花掉": "作废（已使用）",
            "过期的 401": "过时的 401",
            "陈旧的 401": "过时的 401",
            "课堂导览": "工作坊导览",
        },
    },
}
STAMP = re.compile(
    r"^<!--\s*translated-from:\s*(?P<source>\S+)\s+sha256:(?P<digest>[0-9a-f]{12})\s*-->$"
)
RUN = re.compile(r"^<!--\s*run:\s*([\w-]+)\s*-->$")
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?|<img\b[^>]*\ssrc=\"([^\"]+)\"")
DIAGRAM = re.compile(r"^\s*%% diagram: ([\w-]+)", re.M)
CHAPTER = re.compile(r"^\d\d-[a-z0-9-]+\.md$")
SWITCH = re.compile(
    r"^\[中文\]\((?:docs/)?zh-CN/[^)]+\)$"
)  # an English page's link to its translation


@dataclass(frozen=True)
class Checked:
    """The parts of a page that every edition must share, in page order."""

    excerpts: tuple[str, ...]
    runs: tuple[str, ...]
    images: tuple[str, ...]
    diagrams: tuple[str, ...]


def checked_parts(path: Path) -> Checked:
    text = path.read_text()
    lines = text.splitlines()
    excerpts = tuple(f"{e.source}::{e.name}" for e in docs_excerpts.find_excerpts(path))
    runs, images, diagrams = [], [], []
    in_fence = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("```"):
            if not in_fence and stripped == "```mermaid":
                end = lines.index("```", i + 1)
                body = "\n".join(lines[i + 1 : end])
                diagrams.append(",".join(DIAGRAM.findall(body)) or "(unnamed)")
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if m := RUN.match(stripped):
            end = lines.index("```", i + 2)
            runs.append(f"{m[1]}\n" + "\n".join(lines[i + 2 : end]))
        for target in IMAGE.findall(line):
            src = target[0] or target[1]
            image = (path.parent / src).resolve()
            # A translation shows the page in its own language: images/zh-CN/NAME
            # stands for the English edition's images/NAME.
            if image.parent.name == path.parent.name and image.parent.parent.name == "images":
                image = image.parent.parent / image.name
            images.append(image.as_posix())
    return Checked(excerpts, tuple(runs), tuple(images), tuple(diagrams))


def english_digest(english: Path) -> str:
    """sha256 of the English page with excerpt bodies removed, 12 hex digits."""
    lines = english.read_text().splitlines()
    for ex in reversed(docs_excerpts.find_excerpts(english)):
        del lines[ex.body_start : ex.body_end]
    # The link to the translation is not text to translate, and neither are
    # blank lines.
    lines = [line for line in lines if line.strip() and not SWITCH.match(line.strip())]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]


def english_pages(docs: Path = DOCS) -> list[Path]:
    """What every edition must translate: the guide's index and its chapters."""
    return [docs / "README.md"] + sorted(p for p in docs.glob("*.md") if CHAPTER.match(p.name))


def links_to(page: Path, target: Path) -> bool:
    for _, href in _links(page):
        file_part = href.partition("#")[0]
        if file_part and (page.parent / file_part).resolve() == target.resolve():
            return True
    return False


def _links(page: Path):
    # The same link finder the link checker uses (tests/test_docs.py).
    from test_docs import links

    return links(page)


def problems(lang: str, docs: Path = DOCS) -> list[str]:
    rules = EDITIONS[lang]
    folder = docs / lang
    found = []
    for english in english_pages(docs):
        translated = folder / english.name
        rel = translated.relative_to(docs.parent)
        if not translated.exists():
            found.append(f"{rel}: missing (translates docs/{english.name})")
            continue
        first = translated.read_text().splitlines()[0] if translated.read_text() else ""
        stamp = STAMP.match(first)
        if not stamp or stamp["source"] != english.name:
            found.append(
                f"{rel}:1: first line must be <!-- translated-from: {english.name} sha256:... -->"
            )
        elif stamp["digest"] != english_digest(english):
            found.append(
                f"{rel}: docs/{english.name} changed since it was translated; update the "
                f"translation, then run python docs/tools/docs_i18n.py --stamp {rel}"
            )
        want, got = checked_parts(english), checked_parts(translated)
        for kind in ("excerpts", "runs", "images", "diagrams"):
            if getattr(want, kind) != getattr(got, kind):
                found.append(
                    f"{rel}: its {kind} differ from docs/{english.name}:\n"
                    f"  English: {list(getattr(want, kind))}\n  {lang}: {list(getattr(got, kind))}"
                )
        if not links_to(english, translated):
            found.append(f"docs/{english.name}: no link to its {lang} edition ({rel})")
        if not links_to(translated, english):
            found.append(f"{rel}: no link back to docs/{english.name}")
        if CHAPTER.match(english.name):
            sections = [
                line[3:].strip() for _, line in _prose(translated) if line.startswith("## ")
            ]
            if (
                not sections
                or sections[0] != rules["first_section"]
                or sections[-1] != rules["last_section"]
            ):
                found.append(
                    f"{rel}: first section must be '## {rules['first_section']}' "
                    f"and last '## {rules['last_section']}'"
                )
            title = next((line for _, line in _prose(translated) if line.startswith("# ")), "")
            if not title.startswith(f"# {int(english.name[:2])}. "):
                found.append(f"{rel}: title should start with '# {int(english.name[:2])}. '")
    extra = sorted(
        p.name
        for p in folder.glob("*.md")
        if CHAPTER.match(p.name) and not (docs / p.name).exists()
    )
    found += [f"docs/{lang}/{name}: translates no English chapter" for name in extra]
    found += glossary_problems(lang, folder)
    return found


def glossary_problems(lang: str, folder: Path) -> list[str]:
    """The glossary defines every fixed term, and no page uses a synonym instead."""
    rules = EDITIONS[lang]
    glossary = folder / rules["glossary"]
    if not glossary.exists():
        return [f"docs/{lang}/{rules['glossary']}: missing (it fixes the terms the edition uses)"]
    defined = glossary.read_text()
    found = [
        f"docs/{lang}/{rules['glossary']}: does not define {term}"
        for term in rules["terms"]
        if term not in defined
    ]
    for page in sorted(folder.glob("*.md")):
        if page.name == rules["glossary"]:
            continue  # the glossary names the synonyms it rules out
        for number, line in _prose(page):
            for synonym, term in rules["avoid"].items():
                if synonym in line:
                    found.append(
                        f"docs/{lang}/{page.name}:{number}: says {synonym};"
                        f" the glossary's term is {term}"
                    )
    return found


def _prose(page: Path):
    from test_docs import prose_lines

    return prose_lines(page.read_text())


def stamp(path: Path) -> None:
    """Record that `path` now translates the current English page."""
    english = DOCS / path.name
    lines = path.read_text().splitlines()
    line = f"<!-- translated-from: {english.name} sha256:{english_digest(english)} -->"
    if lines and STAMP.match(lines[0]):
        lines[0] = line
    else:
        lines.insert(0, line)
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--stamp",
        nargs="+",
        type=Path,
        metavar="PAGE",
        help="record that these translated pages match the current English",
    )
    args = parser.parse_args(argv)
    if args.stamp:
        for page in args.stamp:
            stamp(page.resolve())
            print(f"stamped {page}")
        return 0
    all_problems = [p for lang in EDITIONS for p in problems(lang)]
    for problem in all_problems:
        print(problem)
    print(f"{len(all_problems)} translation problems")
    return 1 if all_problems else 0


if __name__ == "__main__":
    # The link finder and prose reader are tests/test_docs.py's own.
    sys.path.insert(0, str(ROOT / "tests"))
    sys.exit(main())
