"""The guide shows only pictures that `make images` makes from the real page.

docs/tools/make_images.py lists each image with the scenario that produces it;
a picture drawn or taken by hand would drift from the page, so the docs may
not use one.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generated_images() -> set[str]:
    import make_images  # docs/tools/make_images.py

    return set(make_images.IMAGES)


def test_every_image_in_the_docs_is_regenerated_by_make_images():
    generated = generated_images()
    used = set()
    for doc in [*ROOT.glob("docs/**/*.md"), ROOT / "README.md"]:
        used |= set(re.findall(r"\]\((?:docs/)?images/([^)]+)\)", doc.read_text()))
    assert used, "the docs show the demo page somewhere"
    assert used <= generated, f"made by hand, not by make images: {sorted(used - generated)}"
    folder = ROOT / "docs" / "images"
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert generated <= present, f"run make images: missing {sorted(generated - present)}"
    assert present <= generated, f"stray files in docs/images/: {sorted(present - generated)}"
