"""The docs are checked like code.

- every code excerpt still matches the source it was copied from
  (docs/tools/docs_excerpts.py; `python docs/tools/docs_excerpts.py --write` updates them);
- every relative link, image and #anchor resolves (GitHub's heading slugs);
- every numbered chapter is in docs/README.md's index, and the other way round,
  and each one starts with what you will build and ends with how to check it;
- every Mermaid block starts with a known diagram type, and sequence diagrams
  only use participants they declare.

The checkers are also run against small broken inputs, so each of them is
shown to fail when it should.
"""

import re
import shutil
from pathlib import Path

import docs_excerpts
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHAPTER = re.compile(r"^(\d\d)-[a-z0-9-]+\.md$")


def markdown_files() -> list[Path]:
    return sorted(DOCS.rglob("*.md")) + [ROOT / "README.md"]


def chapters() -> list[Path]:
    return sorted(p for p in DOCS.glob("*.md") if CHAPTER.match(p.name))


# --- Markdown helpers ----------------------------------------------------------

FENCE = re.compile(r"^(```|~~~)")


def prose_lines(text: str):
    """(line number, line) outside fenced code blocks."""
    in_fence = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line.strip()):
            in_fence = not in_fence
            continue
        if not in_fence:
            yield number, line


def fenced_blocks(text: str):
    """(line number of the opening fence, info string, body) for each fenced block."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\S*)", lines[i].strip())
        if m:
            end = next(
                (j for j in range(i + 1, len(lines)) if lines[j].strip() == "```"), len(lines)
            )
            yield i + 1, m.group(1), "\n".join(lines[i + 1 : end])
            i = end
        i += 1


def github_slug(heading: str) -> str:
    """The id GitHub gives a heading: rendered text, lower case, punctuation
    dropped (letters, digits, _, - and spaces stay), spaces to hyphens."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # images: alt text
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every #fragment a link into this Markdown file may use."""
    found, seen = set(), {}
    for _, line in prose_lines(path.read_text()):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            slug = github_slug(heading.group(1))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
        found.update(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", line))
    return found


LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
HTML_REF = re.compile(r"<(?:img|a|source)\b[^>]*?\s(?:src|href|srcset)=\"([^\"]+)\"")


def links(path: Path):
    """(line number, target) of every link and image in the prose."""
    for number, line in prose_lines(path.read_text()):
        line_without_code = re.sub(r"`[^`]*`", "", line)
        for target in LINK.findall(line_without_code) + HTML_REF.findall(line_without_code):
            yield number, target
        ref = REFERENCE.match(line)
        if ref:
            yield number, ref.group(1)


def broken_links(files: list[Path]) -> list[str]:
    problems = []
    for path in files:
        for number, target in links(path):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:
                continue
            where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{number}"
            file_part, _, fragment = target.partition("#")
            resolved = (path.parent / file_part).resolve() if file_part else path
            if not resolved.exists():
                problems.append(f"{where}: {target}: no such file")
                continue
            if re.fullmatch(r"L\d+(-L\d+)?", fragment):
                problems.append(
                    f"{where}: {target}: line-number anchors drift; link a name instead"
                )
            elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
                problems.append(f"{where}: {target}: no heading with the anchor #{fragment}")
    return problems


# --- Mermaid -----------------------------------------------------------------

DIAGRAM_TYPES = {
    "sequenceDiagram",
    "flowchart",
    "graph",
    "classDiagram",
    "stateDiagram",
    "stateDiagram-v2",
    "erDiagram",
    "journey",
    "gantt",
    "pie",
    "gitGraph",
    "mindmap",
    "timeline",
    "quadrantChart",
}
ARROW = r"(?:-->>|->>|-->|->|--x|-x|--\)|-\))[+-]?"
MESSAGE = re.compile(rf"^(?P<from>[\w ]+?)\s*{ARROW}\s*(?P<to>[\w ]+?)\s*:(?P<text>.*)$")
DECLARATION = re.compile(r"^(?:participant|actor)\s+(?P<id>\w+)(?:\s+as\s+\S.*)?$")
NOTE = re.compile(r"^Note\s+(?:left of|right of|over)\s+(?P<ids>\w+(?:\s*,\s*\w+)?)\s*:.+$")
ACTIVATION = re.compile(r"^(?:activate|deactivate)\s+(?P<id>\w+)$")
BLOCK = re.compile(r"^(?:loop|alt|else|opt|par|and|critical|option|break|rect|box)\b.*$|^end$")
OTHER = re.compile(r"^(?:autonumber\b.*|title\s+.+|%%.*)$")


def mermaid_problems(body: str) -> list[str]:
    """A light check: a known diagram type; in sequence diagrams, every line
    is a statement we know and uses declared participants only."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if not lines or lines[0].split()[0] not in DIAGRAM_TYPES:
        return [f"unknown diagram type: {lines[0] if lines else '(empty)'}"]
    if lines[0] != "sequenceDiagram":
        return []
    problems, declared, used = [], set(), []
    for line in lines[1:]:
        if m := DECLARATION.match(line):
            declared.add(m["id"])
        elif m := MESSAGE.match(line):
            used += [m["from"].strip(), m["to"].strip()]
            if ";" in m["text"] or "#" in m["text"]:
                problems.append(f"';' or '#' in a message ends or escapes it in Mermaid: {line}")
        elif m := NOTE.match(line):
            used += [p.strip() for p in m["ids"].split(",")]
        elif m := ACTIVATION.match(line):
            used.append(m["id"])
        elif not (BLOCK.match(line) or OTHER.match(line)):
            problems.append(f"not a sequence diagram statement: {line}")
    problems += [
        f"participant {p!r} is used but not declared"
        for p in dict.fromkeys(used)
        if p not in declared
    ]
    return problems


def mermaid_blocks(files: list[Path]):
    for path in files:
        for number, info, body in fenced_blocks(path.read_text()):
            if info == "mermaid":
                yield path, number, body


# --- the docs themselves -------------------------------------------------------


def test_every_excerpt_matches_its_source():
    problems = docs_excerpts.check(ROOT, markdown_files())
    assert not problems, (
        "Docs and code have drifted; run `python docs/tools/docs_excerpts.py --write` "
        "and reread the prose around each excerpt:\n\n" + "\n\n".join(problems)
    )


def test_the_docs_quote_the_code_they_teach():
    quoted = {(e.source, e.name) for p in markdown_files() for e in docs_excerpts.find_excerpts(p)}
    expected = {
        ("backend/auth.py", "login"),
        ("backend/auth.py", "refresh"),
        ("backend/auth.py", "logout"),
        ("backend/tokens.py", "issue_tokens"),
        ("backend/tokens.py", "spend_refresh_token"),
        ("backend/tokens.py", "revoke_family"),
        ("backend/resources.py", "aaa"),
        ("backend/errors.py", "error_response"),
        ("frontend/js/silent-refresh.js", "attach-token"),
        ("frontend/js/silent-refresh.js", "queue-and-replay"),
        ("frontend/js/silent-refresh.js", "refresh-single-flight"),
        ("frontend/js/silent-refresh.js", "refresh-failure"),
        ("frontend/js/silent-refresh.js", "stale-401"),
        ("frontend/js/cross-tab.js", "cross-tab"),
        ("frontend/js/proactive-refresh.js", "proactive-refresh"),
        ("frontend/js/restore-session.js", "restore"),
        ("frontend/js/naive.js", "naive-interceptor"),
    }
    assert expected <= quoted, f"not quoted anywhere in the docs: {sorted(expected - quoted)}"


def test_the_tests_the_docs_name_exist():
    """A renamed test must not leave the docs pointing at nothing."""
    defined = {
        m
        for p in (ROOT / "tests").rglob("*.py")
        for m in re.findall(r"^\s*def (test_\w+)", p.read_text(), re.M)
    }
    named = {
        m
        for p in markdown_files()
        for _, line in prose_lines(p.read_text())
        for m in re.findall(r"\b(test_[a-z0-9_]+)\b(?!\.py|\.mjs)", line)
    }
    assert named, "the docs name no tests"
    assert named <= defined, (
        f"named in the docs but not defined in tests/: {sorted(named - defined)}"
    )


def test_relative_links_images_and_anchors_resolve():
    problems = broken_links(markdown_files())
    assert not problems, "\n".join(problems)


def test_every_chapter_is_in_the_index_and_the_index_lists_only_chapters():
    index = DOCS / "README.md"
    linked = [target.partition("#")[0] for _, target in links(index)]
    linked_chapters = list(
        dict.fromkeys(t for t in linked if CHAPTER.match(t))
    )  # first mention of each
    on_disk = [p.name for p in chapters()]
    assert on_disk, "no numbered chapters in docs/"
    assert sorted(set(linked_chapters)) == on_disk, (
        f"missing from the index: {sorted(set(on_disk) - set(linked_chapters))}; "
        f"in the index but not on disk: {sorted(set(linked_chapters) - set(on_disk))}"
    )
    assert linked_chapters == sorted(linked_chapters), "the index lists chapters out of order"
    numbers = [int(name[:2]) for name in on_disk]
    assert numbers == list(range(1, len(numbers) + 1)), (
        f"chapter numbers have gaps or repeats: {numbers}"
    )


@pytest.mark.parametrize("chapter", chapters(), ids=lambda p: p.name)
def test_each_chapter_starts_with_what_you_build_and_ends_with_how_to_check(chapter):
    text = chapter.read_text()
    h1 = [line for _, line in prose_lines(text) if line.startswith("# ")]
    assert len(h1) == 1, "one # title per chapter"
    assert h1[0].startswith(f"# {int(chapter.name[:2])}. "), (
        f"title should start with its number: {h1[0]}"
    )
    sections = [line[3:].strip() for _, line in prose_lines(text) if line.startswith("## ")]
    assert sections and sections[0] == "What you will build", f"first section: {sections[:1]}"
    assert sections[-1] == "Check it works", f"last section: {sections[-1:]}"
    last = text.split("\n## Check it works", 1)[1]
    assert "```" in last, "'Check it works' needs a command to run"
    assert re.search(r"\[[^\]]+\]\((\d\d-[a-z0-9-]+\.md|README\.md)\)", last), (
        "'Check it works' should link to the next chapter (or back to the index)"
    )


def test_mermaid_diagrams_parse_and_cover_the_flows():
    blocks = list(mermaid_blocks(markdown_files()))
    problems = [
        f"{p.relative_to(ROOT)}:{n}: {msg}"
        for p, n, body in blocks
        for msg in mermaid_problems(body)
    ]
    assert not problems, "\n".join(problems)
    names = {
        m for _, _, body in blocks for m in re.findall(r"^\s*%% diagram: ([\w-]+)", body, re.M)
    }
    required = {
        "login",
        "guarded-call",
        "silent-refresh-burst",
        "reuse-detection",
        "failed-refresh",
    }
    assert required <= names, f"missing sequence diagrams: {sorted(required - names)}"


def test_the_demo_timeline_screenshot_is_shown():
    images = [t for p in markdown_files() for _, t in links(p) if t.endswith(".png")]
    assert any("images/" in t for t in images), "no screenshot of the demo referenced in the docs"


def test_readme_links_into_the_docs():
    targets = [t for _, t in links(ROOT / "README.md")]
    assert any(t.startswith("docs/") for t in targets), "README.md should link into docs/"


# The project's text speaks of the project as it is: a reader has no issues,
# rounds or versions, so these belong in git's history, not in the text.
HISTORY_WORDS = re.compile(
    r"\bissue \d+|\(issue\b|\b(?:this|that|last|next) round\b|\b(?:new|changed) in this\b"
    r"|本轮|\bbefore (?:this|the) (?:fix|change)\b|\bafter (?:this|the) (?:fix|change)\b",
    re.IGNORECASE,
)
TEXT_FILES = (
    "*.md",
    "*.py",
    "*.js",
    "*.mjs",
    "*.css",
    "*.html",
    "*.sh",
    "Makefile",
    ".env.example",
)
NOT_THE_PROJECTS = {".venv", "node_modules", ".git", "instance", "screenshots"}


def history_words(files) -> list[str]:
    problems = []
    for path in files:
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for match in HISTORY_WORDS.finditer(line):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                problems.append(f"{where}:{number}: {match.group(0)!r}")
    return problems


def project_text_files() -> list[Path]:
    found = set()
    for pattern in TEXT_FILES:
        for path in ROOT.rglob(pattern):
            parts = set(path.relative_to(ROOT).parts)
            if not parts & NOT_THE_PROJECTS and path != Path(__file__):
                found.add(path)
    return sorted(found)


def test_the_text_speaks_of_the_project_as_it_is_not_of_its_history():
    problems = history_words(project_text_files())
    assert not problems, "\n".join(problems)


# --- the checkers fail when they should -----------------------------------------

PY_SOURCE = '''\
import functools


@functools.cache
def spend(jti):
    """Spend it."""
    return jti


class Box:
    def open(self):
        return "open"
'''

JS_SOURCE = """\
function outer() {
  // #region attach
  function attach(config) {
    // #region inner
    config.ok = true;
    // #endregion
    return config;
  }
  // #endregion
}
"""


@pytest.fixture
def sample(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/mod.py").write_text(PY_SOURCE)
    (tmp_path / "src/client.js").write_text(JS_SOURCE)
    doc = tmp_path / "doc.md"
    doc.write_text(
        "# Doc\n\nText.\n\n"
        "<!-- excerpt: src/mod.py::spend -->\n```python\nstale\n```\n\n"
        "<!-- excerpt: src/mod.py::Box.open -->\n```python\n```\n\n"
        "<!-- excerpt: src/client.js::attach -->\n```js\n```\n"
    )
    return tmp_path, doc


def test_excerpt_check_reports_stale_blocks_and_write_fixes_them(sample):
    root, doc = sample
    problems = docs_excerpts.check(root, [doc])
    assert len(problems) == 3 and all("differs from the code" in p for p in problems)
    assert docs_excerpts.write(root, [doc]) == [doc]
    assert docs_excerpts.check(root, [doc]) == []
    text = doc.read_text()
    assert "@functools.cache\ndef spend(jti):" in text  # decorators come along
    assert '```python\ndef open(self):\n    return "open"\n```' in text  # dedented method
    assert (
        "function attach(config) {\n  config.ok = true;\n  return config;\n}" in text
    )  # nested markers dropped
    assert docs_excerpts.write(root, [doc]) == []  # idempotent


def test_excerpt_check_fails_when_the_source_changes(sample, tmp_path):
    root, doc = sample
    docs_excerpts.write(root, [doc])
    source = root / "src/mod.py"
    source.write_text(source.read_text().replace("return jti", "return jti.upper()"))
    problems = docs_excerpts.check(root, [doc])
    assert len(problems) == 1
    assert "src/mod.py::spend differs" in problems[0] and "+    return jti.upper()" in problems[0]


def test_excerpt_check_fails_when_the_real_code_changes(tmp_path):
    """The same, on a temporary copy of this repository's backend and a chapter."""
    chapter = next(
        p
        for p in chapters()
        if any(
            e.source == "backend/tokens.py" and e.name == "spend_refresh_token"
            for e in docs_excerpts.find_excerpts(p)
        )
    )
    shutil.copytree(ROOT / "backend", tmp_path / "backend")
    (tmp_path / "docs").mkdir()
    copy = tmp_path / "docs" / chapter.name
    shutil.copy(chapter, copy)
    assert docs_excerpts.check(tmp_path, [copy]) == []
    tokens = tmp_path / "backend/tokens.py"
    tokens.write_text(tokens.read_text().replace("if spent == 1:", "if spent >= 1:"))
    problems = docs_excerpts.check(tmp_path, [copy])
    assert any("backend/tokens.py::spend_refresh_token differs" in p for p in problems)


def test_excerpt_check_reports_renamed_code_and_bad_fences(sample):
    root, doc = sample
    (root / "src/mod.py").write_text(PY_SOURCE.replace("def spend", "def spend_token"))
    (root / "src/client.js").write_text(JS_SOURCE.replace("#region attach", "#region attach-token"))
    problems = "\n".join(docs_excerpts.check(root, [doc]))
    assert "mod.py defines no 'spend'" in problems
    assert "client.js has no '// #region attach'" in problems
    doc.write_text("<!-- excerpt: src/mod.py::Box -->\nno fence here\n")
    assert "must be followed by a ``` fence" in "\n".join(docs_excerpts.check(root, [doc]))


def test_link_checker_finds_missing_files_anchors_and_line_anchors(tmp_path):
    (tmp_path / "other.md").write_text(
        "# Other page\n\n## Step 2: log in (`/auth/login`)\n\n## Step 2: log in (`/auth/login`)\n"
    )
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n## A heading\n\n"
        "[ok](other.md#step-2-log-in-authlogin) [ok](other.md#step-2-log-in-authlogin-1)"
        " [ok](#a-heading)\n"
        "[gone](missing.md) [bad anchor](other.md#nope) [bad local](#nope)"
        " ![img](images/none.png)\n"
        "[lines](other.md#L10) [web](https://example.com/x.md#whatever)\n"
        "```\n[inside code](ignored.md)\n```\n"
    )
    problems = broken_links([page])
    assert len(problems) == 5, problems
    for expected in (
        "missing.md: no such file",
        "other.md#nope: no heading",
        "#nope: no heading",
        "images/none.png: no such file",
        "line-number anchors",
    ):
        assert any(expected in p for p in problems), expected


def test_github_slugs():
    assert github_slug("3. Backend: login and tokens") == "3-backend-login-and-tokens"
    assert github_slug("Why `localStorage` is out") == "why-localstorage-is-out"
    assert (
        github_slug("[Linked](x.md) heading, with punctuation!")
        == "linked-heading-with-punctuation"
    )
    assert github_slug("naive vs. queued: N → 1") == "naive-vs-queued-n--1"


def test_mermaid_checker_rejects_typos():
    good = (
        "sequenceDiagram\n  %% diagram: x\n  participant B as Browser\n  actor U\n"
        "  U->>B: click\n  B-->>U: 200\n  Note over B,U: ok\n  alt yes\n  B-)U: ping\n  end"
    )
    assert mermaid_problems(good) == []
    assert mermaid_problems("sequencediagram\n  A->>B: x") == [
        "unknown diagram type: sequencediagram"
    ]
    bad = "sequenceDiagram\n  participant A\n  A->>C: hi\n  A=>>A: typo\n  A->>A: a; b"
    problems = mermaid_problems(bad)
    assert any("'C' is used but not declared" in p for p in problems)
    assert any("not a sequence diagram statement: A=>>A: typo" in p for p in problems)
    assert any("';' or '#'" in p for p in problems)


@pytest.mark.parametrize(
    "line",
    [
        "*Changed in this round (issue 11).* The update is atomic.",
        "Logout is checked (issue 7).",
        "*New in this round.* A grace window.",
        "## 本轮的变化",
        "17/40 before the fix, 0/40 after the fix.",
    ],
)
def test_history_words_are_caught(tmp_path, line):
    page = tmp_path / "page.md"
    page.write_text(f"# Page\n\n{line}\n")
    assert history_words([page])


def test_ordinary_words_are_not_history(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "Four rounds of 50 refreshes; a round trip; it issues a new token; issue_tokens.\n"
    )
    assert history_words([page]) == []
