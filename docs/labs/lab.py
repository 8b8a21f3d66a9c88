"""Workshop labs: repair one defence of the real code, judged by the real tests.

Each lab is a folder docs/labs/NN-name/ holding lab.toml (title, files,
chapter, the tests that guard the defence), start.patch (the real files
with that defence taken out and marked `LAB NN`), README.md and hints.md,
each with a zh-CN twin. The reference code is the code git has committed
(HEAD): a lab's starting version is always HEAD plus its patch, so it cannot
drift from the project. See docs/labs/README.md.

    python docs/labs/lab.py list | start NN | check NN | hint NN | solution NN | reset
    python docs/labs/lab.py make-patch NN | edit NN | verify [NN] | stamp [NN]

`make lab`, `make lab-start LAB=NN` ... call these. LAB_LANG=zh-CN (or a zh
system locale) prints every text in Chinese.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

LABS = Path(__file__).resolve().parent
ROOT = LABS.parent.parent
STATE = ROOT / ".labs" / "state.json"  # progress: gitignored, like the saved attempts
ATTEMPT = ".attempt-lab"  # a saved attempt sits beside its file: auth.py.attempt-lab08

# Exit codes: 0 solved / done, 1 not solved yet, 2 the lab itself is broken
# (its patch no longer applies, its tests are gone): a maintainer's job.
NOT_SOLVED, BROKEN = 1, 2

TEXT = {
    "en": {
        "solved": "solved",
        "not_solved": "not solved",
        "started": "started",
        "pick": "Which lab? Pass LAB=NN (make lab lists them).",
        "unknown": "There is no lab {lab}. make lab lists them.",
        "saved": "Your version of {path} is saved as {saved}",
        "started_lab": "Lab {lab} is started: {files} now hold the starting version.",
        "read": "Chapter to read: {chapter}",
        "next": "Edit the code, then: make lab-check LAB={lab}  (stuck? make lab-hint LAB={lab})",
        "demo": "make demo runs your version: after an edit, reload the page (frontend/) "
        "or restart make demo (backend/).",
        "running": "Running the tests that guard this defence: {what}",
        "pass": "Solved: every test that guards this defence passes. Well done!",
        "fail": "Not solved yet. These tests still fail:",
        "more": "Run make lab-hint LAB={lab} for a hint.",
        "hint": "Hint {n} of {total} for lab {lab}:",
        "last_hint": "That was the last hint. A presenter can show the answer: "
        "make lab-solution LAB={lab}",
        "solution": "FOR PRESENTERS: the reference code of lab {lab} is back in {files}.",
        "solution_diff": "What the lab took out (- is the reference, + the starting version):",
        "reset": "Every lab file is back to the project's code.",
        "reset_nothing": "Every lab file already holds the project's code.",
        "no_git": "The labs need git and a clone of the project (the reference code is HEAD).",
        "no_node": "This lab's tests run on Node.js: install Node 20+ and run the check again.",
        "broken": "Lab {lab} is broken: {why}. Maintainers: see docs/labs/README.md.",
    },
    "zh-CN": {
        "solved": "已解决",
        "not_solved": "未解决",
        "started": "进行中",
        "pick": "要做哪个练习？请传入 LAB=NN（make lab 会列出全部练习）。",
        "unknown": "没有练习 {lab}。make lab 会列出全部练习。",
        "saved": "你改过的 {path} 已保存为 {saved}",
        "started_lab": "练习 {lab} 已开始：{files} 现在是起始版本。",
        "read": "请先阅读：{chapter}",
        "next": "修改代码后运行：make lab-check LAB={lab}   （卡住了？make lab-hint LAB={lab}）",
        "demo": "make demo 运行的就是你的版本："
        "改了 frontend/ 就刷新页面，改了 backend/ 就重启 make demo。",
        "running": "正在运行守护这道防线的测试：{what}",
        "pass": "已解决：守护这道防线的测试全部通过。干得好！",
        "fail": "还没解决。下面这些测试仍然失败：",
        "more": "运行 make lab-hint LAB={lab} 获取提示。",
        "hint": "练习 {lab} 的提示 {n}/{total}：",
        "last_hint": "这是最后一条提示。讲师可以展示答案：make lab-solution LAB={lab}",
        "solution": "讲师专用：练习 {lab} 的参考代码已放回 {files}。",
        "solution_diff": "练习拿掉的内容（- 是参考代码，+ 是起始版本）：",
        "reset": "所有练习文件都已恢复为项目代码。",
        "reset_nothing": "所有练习文件本来就是项目代码。",
        "no_git": "练习需要 git 和项目的克隆（参考代码就是 HEAD）。",
        "no_node": "这个练习的测试在 Node.js 上运行：请安装 Node 20+，然后重新检查。",
        "broken": "练习 {lab} 已损坏：{why}。维护者请看 docs/labs/README.md。",
    },
}


def language() -> str:
    """LAB_LANG wins; otherwise the system locale, as gettext reads it."""
    for name in ("LAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name, "")
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return "en"


def say(key: str, **fields) -> str:
    return TEXT[language()][key].format(**fields)


class LabBroken(Exception):
    """The lab no longer fits the code: a maintainer must regenerate it."""


@dataclass
class Lab:
    number: str
    folder: Path
    spec: dict

    @property
    def files(self) -> list[str]:
        return self.spec["files"]

    def title(self) -> str:
        return self.spec["title"].get(language(), self.spec["title"]["en"])

    def chapter(self) -> str:
        chapter = self.spec["chapter"]
        return chapter.replace("docs/", "docs/zh-CN/", 1) if language() == "zh-CN" else chapter

    def text(self, stem: str) -> str:
        """README or hints in the reader's language (README.zh-CN.md, hints.zh-CN.md)."""
        suffix = ".zh-CN.md" if language() == "zh-CN" else ".md"
        return (self.folder / f"{stem}{suffix}").read_text()

    def hints(self) -> list[str]:
        # hints.md: one hint per `## ` section, shown one at a time.
        parts = re.split(r"^## .*$", self.text("hints"), flags=re.M)[1:]
        return [part.strip() for part in parts]


def all_labs() -> list[Lab]:
    labs = []
    for folder in sorted(LABS.glob("[0-9][0-9]-*/")):
        spec = tomllib.loads((folder / "lab.toml").read_text())
        labs.append(Lab(folder.name[:2], folder, spec))
    return labs


def find_lab(number: str | None) -> Lab:
    number = number or load_state().get("started")
    if not number:
        sys.exit(say("pick"))
    for lab in all_labs():
        if lab.number == number.zfill(2):
            return lab
    sys.exit(say("unknown", lab=number))


# --- git: the reference is HEAD ------------------------------------------------


def git(*args: str, cwd: Path = ROOT, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, **kwargs)


def reference(path: str) -> str:
    shown = git("show", f"HEAD:{path}")
    if shown.returncode != 0:
        sys.exit(say("no_git") + "\n" + shown.stderr.strip())
    return shown.stdout


def starting_version(lab: Lab) -> dict[str, str]:
    """HEAD's files with the lab's patch applied, computed in a scratch folder."""
    with tempfile.TemporaryDirectory() as scratch:
        for path in lab.files:
            target = Path(scratch, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(reference(path))
        applied = git("apply", "--whitespace=nowarn", str(lab.folder / "start.patch"), cwd=scratch)
        if applied.returncode != 0:
            raise LabBroken(f"start.patch no longer applies: {applied.stderr.strip()}")
        return {path: Path(scratch, path).read_text() for path in lab.files}


def keep_attempt(path: str, number: str) -> Path:
    """Copy the learner's file beside it (gitignored: *.attempt-lab*), never over an older copy."""
    source = ROOT / path
    saved = source.with_name(f"{source.name}{ATTEMPT}{number}")
    n = 1
    while saved.exists():
        n += 1
        saved = source.with_name(f"{source.name}{ATTEMPT}{number}-{n}")
    shutil.copyfile(source, saved)
    print(say("saved", path=path, saved=saved.relative_to(ROOT)))
    return saved


def put(files: dict[str, str], number: str, untouched: list[dict[str, str]]) -> None:
    """Write `files`, first saving each file whose text is none of `untouched`: the learner's."""
    for path, text in files.items():
        current = (ROOT / path).read_text() if (ROOT / path).exists() else None
        if current is not None and all(current != versions.get(path) for versions in untouched):
            keep_attempt(path, number)
        (ROOT / path).write_text(text)


# --- progress ------------------------------------------------------------------


def load_state() -> dict:
    try:
        return json.loads(STATE.read_text())
    except (OSError, ValueError):
        return {}


def save_state(state: dict) -> None:
    STATE.parent.mkdir(exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2) + "\n")


# --- the checks: the project's own tests ---------------------------------------


@dataclass
class Outcome:
    ran: int
    failures: list[str]  # "test name: first line of why"


def run_node(files: list[str], pattern: str) -> Outcome:
    if shutil.which("node") is None:
        sys.exit(say("no_node"))
    command = ["node", "--test", "--test-reporter=tap", f"--test-name-pattern={pattern}", *files]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True).stdout
    ran = int(m[1]) if (m := re.search(r"^# tests (\d+)$", out, re.M)) else 0
    skipped = int(m[1]) if (m := re.search(r"^# skipped (\d+)$", out, re.M)) else 0
    failures = []
    lines = out.splitlines()
    for i, line in enumerate(lines):
        # A failing test is "not ok N - name", then its YAML block up to "...".
        if not (match := re.match(r"(\s*)not ok \d+ - (.*)$", line)):
            continue
        block = []
        for following in lines[i + 1 :]:
            if following.strip() == "...":
                break
            block.append(following.strip())
        if "type: 'suite'" in block:
            continue  # a describe() whose tests failed: they are listed already
        failures.append(f"{match[2]}: {tap_error(block)}")
    return Outcome(ran - skipped, failures)


def tap_error(block: list[str]) -> str:
    """The error message of a TAP YAML block: `error: 'text'`, or `error: |-` and its lines."""
    for j, line in enumerate(block):
        if line.startswith("error:"):
            value = line.removeprefix("error:").strip()
            if value in ("|-", "|", ">-", ">"):
                rest = []
                for more in block[j + 1 :]:
                    if re.match(r"^[a-zA-Z]+:( |$)", more) and rest:
                        break  # the next key (code:, name:, expected:)
                    rest.append(more)
                value = " ".join(part for part in rest if part)
                # node's diff "+ actual - expected + 'a' - 'b'" in words
                value = re.sub(
                    r"\+ actual - expected \+ (.*?) - (.*?)( \^)?$", r"got \1, expected \2", value
                )
                value = value.replace("Expected values to be strictly equal: got", "got")
            if len(value) > 1 and value[0] == value[-1] == "'":
                value = value[1:-1]
            return value
    return "failed"


def run_pytest(tests: list[str]) -> Outcome:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", *tests]
    # Labs run on SQLite, on any laptop; COLUMNS: pytest cuts its summary lines to the terminal.
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"} | {"COLUMNS": "240"}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    out = result.stdout
    counts = re.findall(r"(\d+) (passed|failed|error)", out.splitlines()[-1] if out else "")
    ran = sum(int(n) for n, _ in counts)
    failures = []
    for line in re.findall(r"^(?:FAILED|ERROR) (.*)$", out, re.M):
        test, _, why = line.partition(" - ")
        # test_logout_is_refused[wrong-value] -> "logout is refused", once for all its cases
        name = re.sub(r"\[.*\]$", "", test.split("::")[-1]).removeprefix("test_").replace("_", " ")
        failures.append(f"{name}: {why.strip()}" if why else name)
    return Outcome(ran, failures)


def run_checks(lab: Lab) -> Outcome:
    total = Outcome(0, [])
    for check in lab.spec["check"]:
        if "node" in check:
            what = f"node --test {' '.join(check['node'])} --test-name-pattern '{check['pattern']}'"
        else:
            what = "pytest " + " ".join(check["pytest"])
        print(say("running", what=what), flush=True)
        if "node" in check:
            outcome = run_node(check["node"], check["pattern"])
        else:
            outcome = run_pytest(check["pytest"])
        if outcome.ran == 0:
            raise LabBroken(f"its check found no tests to run: {what}")
        total.ran += outcome.ran
        total.failures += outcome.failures
    # The JS suites run once per client (fetch, axios): one line per failing behaviour.
    total.failures = list(dict.fromkeys(total.failures))
    return total


# --- the commands --------------------------------------------------------------


def shorten(line: str, width: int = 200) -> str:
    return line if len(line) <= width else line[: width - 3] + "..."


def pad(text: str, width: int) -> str:
    """Left-justify by display width: a Chinese character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 0)


def cmd_list(_lab=None) -> int:
    state = load_state()
    for lab in all_labs():
        status = say("solved") if lab.number in state.get("solved", []) else say("not_solved")
        started = f"  ({say('started')})" if state.get("started") == lab.number else ""
        print(f"{lab.number}  {pad(lab.title(), 52)}  {status}{started}")
    return 0


def cmd_start(lab: Lab) -> int:
    heads = {path: reference(path) for path in lab.files}
    start = starting_version(lab)
    put(start, lab.number, [heads, start])
    state = load_state()
    state.update(started=lab.number, hints={**state.get("hints", {}), lab.number: 0})
    save_state(state)
    print(say("started_lab", lab=lab.number, files=", ".join(lab.files)) + "\n")
    print(strip_stamp(lab.text("README")).strip() + "\n")
    print(say("read", chapter=lab.chapter()))
    print(say("demo"))
    print(say("next", lab=lab.number))
    return 0


def cmd_check(lab: Lab) -> int:
    outcome = run_checks(lab)
    state = load_state()
    solved = [n for n in state.get("solved", []) if n != lab.number]
    if not outcome.failures:
        print("\n" + say("pass"))
        save_state({**state, "solved": sorted(solved + [lab.number])})
        return 0
    print("\n" + say("fail"))
    for failure in outcome.failures:
        print(f"  - {shorten(failure)}")
    print(say("more", lab=lab.number))
    save_state({**state, "solved": solved})
    return NOT_SOLVED


def cmd_hint(lab: Lab) -> int:
    hints, state = lab.hints(), load_state()
    shown = state.get("hints", {}).get(lab.number, 0)
    n = min(shown + 1, len(hints))
    print(say("hint", n=n, total=len(hints), lab=lab.number) + "\n\n" + hints[n - 1] + "\n")
    if n == len(hints):
        print(say("last_hint", lab=lab.number))
    save_state({**state, "hints": {**state.get("hints", {}), lab.number: n}})
    return 0


def cmd_solution(lab: Lab) -> int:
    heads = {path: reference(path) for path in lab.files}
    put(heads, lab.number, [heads, starting_version(lab)])
    print(say("solution", lab=lab.number, files=", ".join(lab.files)))
    print(say("solution_diff") + "\n")
    print((lab.folder / "start.patch").read_text())
    return 0


def cmd_reset(_lab=None) -> int:
    state, changed = load_state(), False
    labs = all_labs()
    number = state.get("started") or ""
    starts = []
    for lab in labs:
        try:
            starts.append(starting_version(lab))
        except LabBroken:
            pass  # a broken lab's start cannot be recognised: its files are saved instead
    for path in sorted({path for lab in labs for path in lab.files}):
        head = reference(path)
        if (ROOT / path).read_text() == head:
            continue
        changed = True
        put({path: head}, number, [{path: head}, *starts])
    save_state({**state, "started": None})
    print(say("reset") if changed else say("reset_nothing"))
    return 0


# --- for maintainers -----------------------------------------------------------


def cmd_make_patch(lab: Lab) -> int:
    """Write start.patch from the working tree's lab files (edited into the
    starting version), then check that the start fails and put HEAD back."""
    diff = git("diff", "--no-color", "--no-ext-diff", "--full-index", "HEAD", "--", *lab.files)
    if not diff.stdout:
        sys.exit(
            f"{', '.join(lab.files)} equal HEAD: edit them into lab {lab.number}'s start first"
        )
    if f"LAB {lab.number}" not in "".join(
        line for line in diff.stdout.splitlines(True) if line.startswith("+")
    ):
        sys.exit(f"mark what you took out with a `LAB {lab.number}:` comment on an added line")
    (lab.folder / "start.patch").write_text(diff.stdout)
    print(f"wrote {(lab.folder / 'start.patch').relative_to(ROOT)}; checking that it fails...")
    try:
        outcome = run_checks(lab)
    finally:  # HEAD back, in the index too (a 3-way merge leaves it unmerged)
        git("checkout", "HEAD", "--", *lab.files)
    if not outcome.failures:
        print(
            f"lab {lab.number}: the start PASSES its check: the tests do not see what it takes out"
        )
        return BROKEN
    print(f"lab {lab.number}: the start fails {len(outcome.failures)} test(s), as it should:")
    for failure in outcome.failures:
        print(f"  - {failure}")
    print("The lab files are back to HEAD. Next: python docs/labs/lab.py verify " + lab.number)
    return 0


def cmd_edit(lab: Lab) -> int:
    """Put the starting version in the working tree for a maintainer to repair:
    the patch as it is, else a 3-way merge, else what fits plus *.rej files."""
    patch = str(lab.folder / "start.patch")
    plain = git("apply", patch)
    if plain.returncode == 0:
        print("applied cleanly: the files hold the starting version.")
    elif "with conflicts" in (merged := git("apply", "--3way", patch)).stderr:
        print(merged.stderr.strip())
        print("resolve the conflict markers (<<<<<<< ours: the code now; >>>>>>> theirs: the lab),")
    elif merged.returncode == 0:
        print("applied with a 3-way merge: check the result,")
    else:
        print(git("apply", "--reject", patch).stderr.strip())
        print("applied what fits; redo each rejected hunk (*.rej beside the file) by hand,")
        print("then delete the .rej files,")
    print(
        f"keep the `LAB {lab.number}:` comment, then: python docs/labs/lab.py make-patch",
        lab.number,
    )
    return 0


def cmd_verify(lab: Lab | None) -> int:
    """Every lab's cycle (or one) in a scratch copy of this checkout."""
    labs = [lab] if lab else all_labs()
    with scratch_copy() as copy:
        problems = [p for each in labs for p in cycle(copy, each.number)]
    for problem in problems:
        print(problem)
    print(f"{len(labs)} lab(s) checked, {len(problems)} problem(s)")
    return 1 if problems else 0


class scratch_copy:
    """A throwaway git clone of the working tree as it is (committed or not)."""

    def __enter__(self) -> Path:
        self.folder = Path(tempfile.mkdtemp(prefix="labs-"))
        listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
        for path in filter(None, listed.split("\0")):
            if (ROOT / path).is_file():
                (self.folder / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / path, self.folder / path)
        # The JS suites run against axios too, when it is installed.
        modules = ROOT / "tests" / "axios" / "node_modules"
        if modules.is_dir():
            (self.folder / "tests" / "axios" / "node_modules").symlink_to(modules)
        identity = ["-c", "user.name=labs", "-c", "user.email=labs@localhost"]
        for command in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-q", "-m", "copy"]):
            git(*command, cwd=self.folder, check=True)
        return self.folder

    def __exit__(self, *_exc) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def cycle(copy: Path, number: str) -> list[str]:
    """start -> check fails; solution -> check passes; reset -> git status clean."""
    env = {**os.environ, "LAB_LANG": "en"}

    def lab(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, str(copy / "docs/labs/lab.py"), *args]
        return subprocess.run(command, cwd=copy, capture_output=True, text=True, env=env)

    problems = []
    steps = [
        ("start", 0),
        ("check", NOT_SOLVED),
        ("solution", 0),
        ("check", 0),
    ]
    for step, expected in steps:
        result = lab(step, number)
        if result.returncode != expected:
            problems.append(
                f"lab {number}: `{step}` exited {result.returncode}, expected {expected}:\n"
                + (result.stdout + result.stderr)[-3000:]
            )
            break
    if lab("reset").returncode != 0:
        problems.append(f"lab {number}: reset failed")
    status = git("status", "--porcelain", cwd=copy).stdout
    if status:
        problems.append(f"lab {number}: after reset, git status is not clean:\n{status}")
    return problems


def cmd_stamp(lab: Lab | None) -> int:
    """Record that a README.zh-CN.md translates the current README.md: the
    lab's, or without a number this folder's."""
    page = (lab.folder if lab else LABS) / "README.zh-CN.md"
    lines = page.read_text().splitlines()
    if lines and lines[0].startswith("<!-- translated-from:"):
        lines = lines[1:]
    page.write_text("\n".join([stamp_line(page.parent), *lines]) + "\n")
    print(f"stamped {page.relative_to(ROOT)}")
    return 0


def stamp_line(folder: Path) -> str:
    """The first line of folder/README.zh-CN.md: a hash of the English, as the chapters use."""
    sys.path.insert(0, str(ROOT / "docs" / "tools"))
    from docs_i18n import english_digest

    return f"<!-- translated-from: README.md sha256:{english_digest(folder / 'README.md')} -->"


def strip_stamp(text: str) -> str:
    return re.sub(r"^<!-- translated-from: .*-->\n", "", text)


COMMANDS = {
    "list": cmd_list,
    "start": cmd_start,
    "check": cmd_check,
    "hint": cmd_hint,
    "solution": cmd_solution,
    "reset": cmd_reset,
    "make-patch": cmd_make_patch,
    "edit": cmd_edit,
    "verify": cmd_verify,
    "stamp": cmd_stamp,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip())
        return 2
    command, number = argv[0], (argv[1] if len(argv) > 1 and argv[1] else None)
    needs_lab = command not in ("list", "reset", "verify", "stamp")
    lab = find_lab(number) if needs_lab or number else None
    try:
        return COMMANDS[command](lab)
    except LabBroken as why:
        print(say("broken", lab=lab.number if lab else "?", why=why))
        return BROKEN


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
