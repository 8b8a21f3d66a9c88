"""The Chinese edition (docs/zh-CN/) stays in step with the English.

docs/tools/docs_i18n.py does the checking; these tests run it on the real docs,
and on small broken copies, so each rule is shown to fail when it should.
"""

from pathlib import Path

import docs_i18n
import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_english_page_has_a_chinese_edition_in_step():
    problems = docs_i18n.problems("zh-CN")
    assert not problems, "\n".join(problems)


def test_the_readme_links_to_the_chinese_guide_at_the_top():
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:6])
    assert "docs/zh-CN/README.md" in head and "中文" in head


# --- the checker on small inputs ----------------------------------------------

ENGLISH = """\
# 1. One

[中文](zh-CN/01-one.md)

## What you will build

<!-- excerpt: backend/tokens.py::spend_refresh_token -->
```python
code
```

![the demo](images/demo.png)

<!-- run: walk -->
```sh
curl -s http://127.0.0.1:5001/health
```

## Check it works

Done.
"""

CHINESE = """\
# 1. 第一章

[English](../01-one.md)

## 本章要做什么

<!-- excerpt: backend/tokens.py::spend_refresh_token -->
```python
code
```

![演示](../images/demo.png)

<!-- run: walk -->
```sh
curl -s http://127.0.0.1:5001/health
```

## 动手验证

完成。刷新令牌。
"""


@pytest.fixture
def docs(tmp_path):
    docs = tmp_path / "docs"
    (docs / "zh-CN").mkdir(parents=True)
    (docs / "images").mkdir()
    (docs / "images" / "demo.png").write_bytes(b"png")
    (docs / "README.md").write_text("# Guide\n\n[中文](zh-CN/README.md) [1](01-one.md)\n")
    (docs / "01-one.md").write_text(ENGLISH)
    (docs / "zh-CN" / "README.md").write_text("# 指南\n\n[English](../README.md)\n")
    (docs / "zh-CN" / "01-one.md").write_text(CHINESE)
    terms = "、".join(docs_i18n.EDITIONS["zh-CN"]["terms"])
    (docs / "zh-CN" / "glossary.md").write_text(f"# 术语表\n\n{terms}\n")
    for page in ("README.md", "01-one.md"):
        stamp(docs, page)
    return docs


def stamp(docs: Path, name: str) -> None:
    page = docs / "zh-CN" / name
    digest = docs_i18n.english_digest(docs / name)
    lines = page.read_text().splitlines()
    if lines and docs_i18n.STAMP.match(lines[0]):
        lines = lines[1:]
    page.write_text(f"<!-- translated-from: {name} sha256:{digest} -->\n" + "\n".join(lines) + "\n")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_faithful_translation_passes(docs):
    assert docs_i18n.problems("zh-CN", docs) == []


def test_a_missing_chapter_is_caught(docs):
    (docs / "zh-CN" / "01-one.md").unlink()
    assert any("01-one.md: missing" in p for p in docs_i18n.problems("zh-CN", docs))


def test_changing_the_english_prose_without_the_translation_is_caught(docs):
    edit(docs / "01-one.md", "Done.", "Done, and more.")
    assert any("changed since it was translated" in p for p in docs_i18n.problems("zh-CN", docs))
    stamp(docs, "01-one.md")  # after updating the translation
    assert docs_i18n.problems("zh-CN", docs) == []


def test_changing_only_the_code_in_an_excerpt_needs_no_new_translation(docs):
    edit(docs / "01-one.md", "code\n", "new code\n")
    assert not any("changed since" in p for p in docs_i18n.problems("zh-CN", docs))


@pytest.mark.parametrize(
    "old, new, kind",
    [
        (
            "<!-- excerpt: backend/tokens.py::spend_refresh_token -->",
            "<!-- excerpt: backend/tokens.py::revoke_family -->",
            "excerpts",
        ),
        ("curl -s http://127.0.0.1:5001/health", "curl http://127.0.0.1:5001/health", "runs"),
        ("../images/demo.png", "../images/other.png", "images"),
    ],
)
def test_a_different_excerpt_run_block_or_image_is_caught(docs, old, new, kind):
    if kind == "images":
        (docs / "images" / "other.png").write_bytes(b"png")
    edit(docs / "zh-CN" / "01-one.md", old, new)
    assert any(f"its {kind} differ" in p for p in docs_i18n.problems("zh-CN", docs))


def test_language_links_are_required_both_ways(docs):
    edit(docs / "01-one.md", "[中文](zh-CN/01-one.md)", "")
    edit(docs / "zh-CN" / "01-one.md", "[English](../01-one.md)", "")
    stamp(docs, "01-one.md")
    problems = docs_i18n.problems("zh-CN", docs)
    assert any("no link to its zh-CN edition" in p for p in problems)
    assert any("no link back" in p for p in problems)


def test_a_synonym_of_a_glossary_term_is_caught(docs):
    edit(docs / "zh-CN" / "01-one.md", "完成。刷新令牌。", "完成。更新令牌。")
    assert any("the glossary's term is 刷新令牌" in p for p in docs_i18n.problems("zh-CN", docs))


def test_the_chinese_section_names_are_required(docs):
    edit(docs / "zh-CN" / "01-one.md", "## 动手验证", "## Check it works")
    assert any("first section must be" in p for p in docs_i18n.problems("zh-CN", docs))


# --- section anchors ------------------------------------------------------------


def missing_anchors(english: Path, chinese: Path) -> set[str]:
    """The English page's #anchors that the Chinese page lacks: a link copied
    from the English edition (or written against it) would land at the top."""
    from test_docs import anchors, github_slug

    titles = {
        github_slug(line[2:]) for line in english.read_text().splitlines() if line[:2] == "# "
    }
    return anchors(english) - anchors(chinese) - titles  # a link to a page needs no anchor


def test_every_english_section_anchor_lands_in_the_chinese_edition_too():
    problems = []
    for chinese in sorted((ROOT / "docs" / "zh-CN").glob("*.md")):
        english = ROOT / "docs" / chinese.name
        if english.exists():
            for anchor in sorted(missing_anchors(english, chinese)):
                problems.append(f'docs/zh-CN/{chinese.name}: no #{anchor} (add <a id="{anchor}">)')
    assert not problems, "\n".join(problems)


def test_a_chinese_section_without_the_english_anchor_is_caught(docs):
    assert missing_anchors(docs / "01-one.md", docs / "zh-CN" / "01-one.md") == {
        "what-you-will-build",
        "check-it-works",
    }
    edit(docs / "zh-CN" / "01-one.md", "## 动手验证", '<a id="check-it-works"></a>\n\n## 动手验证')
    assert missing_anchors(docs / "01-one.md", docs / "zh-CN" / "01-one.md") == {
        "what-you-will-build"
    }
