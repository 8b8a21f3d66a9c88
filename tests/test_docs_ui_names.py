"""The guide names the demo page's controls as the page names them.

The page speaks English or Chinese (frontend/demo/strings.js holds every word
it shows, one table per language). The guide names a control in bold:
**Fire N concurrent calls** in English, **同时发出 N 个请求** in Chinese. So:

- a bold name right after "press", "click", "tick", ... (点, 勾选, 按, ...) is
  a label of the page, in the page's language for that edition;
- the Chinese edition never names a control by its English label;
- a chapter and its translation name the same controls.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_docs import prose_lines

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

BOLD = re.compile(r"\*\*([^*]+?)\*\*")
# The keys of what a reader clicks, ticks or reads off the page (not headings
# or messages, whose words are also the guide's ordinary words).
CONTROLS = re.compile(
    r"^(controls|counters|reset|export)\.|^tour\.(open|doIt|next|back)$|"
    r"^breakIt\.button$|^session\.(login|logout)$|^result\.heading$|"
    r"^sessions\.(reload|endOthers|end)$|^reauth\.(confirm|cancel)$"
)
# Words that introduce a control: what follows them in bold must be a label.
ACTIONS = {
    "en": re.compile(
        r"\b(?:press|click|tick|untick|choose|switch to)\s+\*\*([^*\n]+?)\*\*", re.IGNORECASE
    ),
    "zh-CN": re.compile(r"(?:点击|点|取消勾选|勾选|按|切换到|选择) \*\*([^*\n]+?)\*\*"),
}


def normalise(text: str) -> str:
    return " ".join(text.split()).rstrip(".。:：").strip().lower()


@pytest.fixture(scope="module")
def labels() -> dict[str, dict[str, str]]:
    """Per language: normalised label → the English label of the same key."""
    if not shutil.which("node"):
        pytest.skip("needs Node 20+ to read frontend/demo/strings.js")
    script = (
        "import('./frontend/demo/strings.js')"
        ".then(m => process.stdout.write(JSON.stringify(m.tables)))"
    )
    tables = json.loads(
        subprocess.run(
            ["node", "--input-type=module", "-e", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    found = {lang: {} for lang in tables}
    for key, english in tables["en"].items():
        if not CONTROLS.search(key) or "{" in english:  # not a control's name
            continue
        for lang, table in tables.items():
            if key in table:
                found[lang].setdefault(normalise(table[key]), normalise(english))
    return found


def bold_names(path: Path):
    """(line number, bold text) in the prose; a bold name may wrap."""
    lines = dict(prose_lines(path.read_text()))
    text = "\n".join(lines.get(n, "") for n in range(1, max(lines, default=0) + 1))
    for match in BOLD.finditer(re.sub(r"`[^`\n]*`", "", text)):
        if match.group(1).strip():
            yield text.count("\n", 0, match.start()) + 1, normalise(match.group(1))


def problems(english: Path, chinese: Path, labels) -> list[str]:
    found = []
    named = {}
    for lang, path in (("en", english), ("zh-CN", chinese)):
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        mine, other = labels[lang], labels["zh-CN" if lang == "en" else "en"]
        named[lang] = set()
        for number, text in bold_names(path):
            if text in mine:
                named[lang].add(mine[text])
            elif text in other:
                found.append(
                    f"{where}:{number}: **{text}** is the other language's label; "
                    f"this page's is **{next(k for k, v in mine.items() if v == other[text])}**"
                )
        for number, line in prose_lines(path.read_text()):
            for text in ACTIONS[lang].findall(line):  # (a name cut by a line break is skipped)
                if normalise(text) not in mine:
                    found.append(f"{where}:{number}: the page has no control **{text}**")
    for label in sorted(named["en"] - named["zh-CN"]):
        found.append(f"{chinese.name}: the English chapter names **{label}**, this one does not")
    for label in sorted(named["zh-CN"] - named["en"]):
        found.append(f"{english.name}: the Chinese chapter names **{label}**, this one does not")
    return found


def test_the_guide_names_each_control_as_the_page_shows_it_in_both_languages(labels):
    found = []
    for english in sorted(DOCS.glob("*.md")):
        chinese = DOCS / "zh-CN" / english.name
        if chinese.exists():
            found += problems(english, chinese, labels)
    assert not found, "\n".join(found)


# --- the checker on small inputs ---------------------------------------------


@pytest.fixture
def pages(tmp_path):
    english = tmp_path / "01-one.md"
    chinese = tmp_path / "zh-01-one.md"
    english.write_text("Untick **Proactive refresh**, then press **Fire N concurrent calls**.\n")
    chinese.write_text("取消勾选 **主动刷新**，然后点 **同时发出 N 个请求**。\n")
    return english, chinese


def test_matching_names_pass(pages, labels):
    assert problems(*pages, labels) == []


@pytest.mark.parametrize(
    "which, old, new, expected",
    [
        (1, "**同时发出 N 个请求**", "**Fire N concurrent calls**", "other language's label"),
        (1, "**主动刷新**", "**预先刷新**", "the page has no control"),
        (0, "press **Fire N concurrent calls**", "press **Fire many calls**", "no control"),
        (1, "，然后点 **同时发出 N 个请求**", "", "this one does not"),
    ],
)
def test_a_control_named_otherwise_than_on_the_page_is_caught(
    pages, labels, which, old, new, expected
):
    path = pages[which]
    path.write_text(path.read_text().replace(old, new))
    assert any(expected in p for p in problems(*pages, labels))
