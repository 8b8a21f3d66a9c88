"""The workshop labs (docs/labs/) cannot rot.

Every lab's cycle runs in a scratch copy of this checkout: its start version
fails the lab's check, the reference passes it, and `reset` leaves git status
clean. A change to the code a lab is cut from breaks its patch or its check
here, at once, naming the lab; docs/labs/README.md says how to regenerate it.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("lab", ROOT / "docs" / "labs" / "lab.py")
lab = importlib.util.module_from_spec(_spec)
sys.modules["lab"] = lab  # its dataclasses look their module up there
_spec.loader.exec_module(lab)

LABS = lab.all_labs()


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setenv("LAB_LANG", "en")  # the titles and hints read here, whatever the locale


@pytest.fixture(scope="module")
def scratch():
    if shutil.which("git") is None or shutil.which("node") is None:
        skip_or_fail("the labs need git, and node for the JavaScript labs")
    with lab.scratch_copy() as copy:
        yield copy


def run_lab(copy: Path, *args: str, language: str = "en") -> subprocess.CompletedProcess:
    command = [sys.executable, str(copy / "docs/labs/lab.py"), *args]
    env = {**os.environ, "LAB_LANG": language}
    return subprocess.run(command, cwd=copy, capture_output=True, text=True, env=env)


def status(copy: Path) -> str:
    return lab.git("status", "--porcelain", cwd=copy).stdout


def test_there_are_at_least_eight_labs_listed_one_per_line(scratch):
    lines = run_lab(scratch, "list").stdout.splitlines()
    assert len(lines) == len(LABS) >= 8
    for line, each in zip(lines, LABS, strict=True):
        assert re.fullmatch(rf"{each.number}  {re.escape(each.title())} +(solved|not solved)", line)


@pytest.mark.slow
@pytest.mark.parametrize("number", [each.number for each in LABS])
def test_the_start_fails_its_check_the_solution_passes_and_reset_restores_the_tree(scratch, number):
    assert lab.cycle(scratch, number) == []


@pytest.mark.slow
def test_a_start_that_no_longer_fails_or_no_longer_applies_is_caught(scratch):
    patch = scratch / "docs/labs/01-the-token-stays-home/start.patch"
    original = patch.read_text()
    target = "frontend/js/silent-refresh.js"
    try:
        # A start that takes nothing out: only a comment changes.
        lines = (scratch / target).read_text().splitlines(keepends=True)
        (scratch / target).write_text("".join(lines[:1] + ["// LAB 01: nothing\n"] + lines[1:]))
        patch.write_text(lab.git("diff", "HEAD", "--", target, cwd=scratch).stdout)
        lab.git("checkout", "HEAD", "--", target, cwd=scratch, check=True)
        problems = lab.cycle(scratch, "01")
        assert "`check` exited 0, expected 1" in problems[0]

        # A start whose context is gone from the code.
        patch.write_text(original.replace("function checkOrigin(url)", "function gone()"))
        problems = lab.cycle(scratch, "01")
        assert "`start` exited 2" in problems[0]
        assert "start.patch no longer applies" in problems[0]
    finally:
        patch.write_text(original)
    assert status(scratch) == ""


def test_starting_a_lab_keeps_the_learners_edits_and_reset_saves_the_attempt(scratch):
    path = scratch / "frontend/js/silent-refresh.js"
    path.write_text(path.read_text() + "// my own idea\n")
    started = run_lab(scratch, "start", "01")
    assert started.returncode == 0, started.stdout + started.stderr
    kept = scratch / "frontend/js/silent-refresh.js.attempt-lab01"
    assert kept.read_text().endswith("// my own idea\n")
    assert "LAB 01" in path.read_text()

    path.write_text(path.read_text().replace("LAB 01", "LAB 01 (my attempt)"))
    assert run_lab(scratch, "reset").returncode == 0
    second = scratch / "frontend/js/silent-refresh.js.attempt-lab01-2"
    assert "LAB 01 (my attempt)" in second.read_text()
    assert "LAB 01" not in path.read_text()
    assert status(scratch) == ""  # the saved attempts are gitignored
    kept.unlink()
    second.unlink()


def test_hints_come_one_at_a_time_and_the_last_one_says_so(scratch):
    hints = LABS[0].hints()
    assert run_lab(scratch, "start", "01").returncode == 0  # starting counts hints from 1 again
    outputs = [run_lab(scratch, "hint", "01").stdout for _ in range(len(hints) + 1)]
    for n, (hint, out) in enumerate(zip(hints, outputs, strict=False), start=1):
        assert f"Hint {n} of {len(hints)}" in out and hint in out
    assert "last hint" in outputs[-1] and hints[-1] in outputs[-1]
    assert run_lab(scratch, "reset").returncode == 0 and status(scratch) == ""


def test_lab_lang_zh_cn_gives_every_text_in_chinese(scratch, monkeypatch):
    listed = run_lab(scratch, "list", language="zh-CN").stdout
    assert LABS[0].spec["title"]["zh-CN"] in listed and "解决" in listed
    started = run_lab(scratch, "start", "02", language="zh-CN").stdout
    assert "练习 02 已开始" in started and "docs/zh-CN/06-logout-and-revocation.md" in started
    hint = run_lab(scratch, "hint", "02", language="zh-CN").stdout
    monkeypatch.setenv("LAB_LANG", "zh-CN")
    assert "提示 1/" in hint and LABS[1].hints()[0] in hint
    assert run_lab(scratch, "reset", language="zh-CN").returncode == 0 and status(scratch) == ""


@pytest.mark.parametrize("each", LABS, ids=lambda each: each.folder.name)
def test_every_lab_has_both_languages_and_two_or_three_hints(each):
    for name in ("README.md", "README.zh-CN.md", "hints.md", "hints.zh-CN.md", "start.patch"):
        assert (each.folder / name).is_file(), f"{each.folder.name}/{name} is missing"
    assert set(each.spec["title"]) == {"en", "zh-CN"}
    counts = [
        len(re.findall(r"^## ", (each.folder / n).read_text(), re.M))
        for n in ("hints.md", "hints.zh-CN.md")
    ]
    assert counts[0] == counts[1] and 2 <= counts[0] <= 3, counts
    chapter = ROOT / each.spec["chapter"]
    assert chapter.is_file() and (chapter.parent / "zh-CN" / chapter.name).is_file()
    first = (each.folder / "README.zh-CN.md").read_text().splitlines()[0]
    assert first == lab.stamp_line(each.folder), (
        f"{each.folder.name}/README.md changed since it was translated: update README.zh-CN.md, "
        f"then run python docs/labs/lab.py stamp {each.number}"
    )


def test_the_labs_index_has_a_chinese_edition_in_step():
    first = (lab.LABS / "README.zh-CN.md").read_text().splitlines()[0]
    assert first == lab.stamp_line(lab.LABS), (
        "docs/labs/README.md changed since it was translated: update README.zh-CN.md, "
        "then run python docs/labs/lab.py stamp"
    )


@pytest.mark.parametrize("each", LABS, ids=lambda each: each.folder.name)
def test_every_start_patch_touches_only_the_labs_files_and_marks_what_it_took_out(each):
    patch = (each.folder / "start.patch").read_text()
    touched = re.findall(r"^\+\+\+ b/(\S+)$", patch, re.M)
    assert sorted(touched) == sorted(each.files)
    added = [line for line in patch.splitlines() if line.startswith("+") and "+++" not in line]
    assert any(f"LAB {each.number}:" in line for line in added)
