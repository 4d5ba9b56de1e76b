"""The documentation: README.md stays short and points at pages that exist, the MkDocs site builds
with ``mkdocs build --strict`` (broken links and anchors fail it), the options page shows the table
generated from options.py, and the history stays in the changelog."""
import importlib.util
import os
import re
import subprocess
import sys

import pytest

from jetson_pose_ros.core.options import OPTIONS, markdown_table

from conftest import REPO  # noqa: E402
DOCS = REPO / "docs"
HISTORY = re.compile(r"\((?:before|after)\)|after merging|before the pipeline rewrite|this round|"
                     r"now that|results before", re.I)


def load_hook():
    spec = importlib.util.spec_from_file_location("options_table_hook", DOCS / "hooks" / "options_table.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    return hook


def test_readme_is_short_and_links_to_existing_pages():
    text = (REPO / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    links = re.findall(r"\]\((docs/[^)#]+)", text)
    assert links, "README.md links to no docs page"
    for link in links:
        assert (REPO / link).is_file(), f"README.md links to {link}, which does not exist"
    # the install section's two commands, as CI (.ci/run) runs them
    assert "bash scripts/setup.sh" in text and "bash scripts/test.sh" in text


def test_options_page_is_generated_from_the_table():
    page = (DOCS / "options.md").read_text()
    hook = load_hook()
    assert hook.MARKER in page, "docs/options.md lost its options-table marker"
    rendered = hook.on_page_markdown(page, None, None, None)
    assert hook.MARKER not in rendered
    assert markdown_table() in rendered
    for name in OPTIONS:
        assert f"| `{name}` |" in rendered, name


def test_history_only_in_the_changelog():
    for page in [REPO / "README.md", *DOCS.glob("*.md")]:
        if page.name == "changelog.md":
            continue
        hits = [m.group(0) for m in HISTORY.finditer(page.read_text())]
        assert not hits, f"{page.name} narrates history ({hits}); it belongs in docs/changelog.md"


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install mkdocs mkdocs-material)")
    pytest.importorskip("material", reason="mkdocs-material is not installed (pip install mkdocs-material)")
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                          str(REPO / "mkdocs.yml"), "--site-dir", str(site)],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-5000:]
    options = (site / "options" / "index.html").read_text()
    assert "options-table" not in options
    for name, o in OPTIONS.items():
        assert f"<code>{name}</code>" in options, name
    assert (site / "img" / "overlay.jpg").stat().st_size > 0
    for page in DOCS.glob("*.md"):
        out = site / ("index.html" if page.stem == "index" else f"{page.stem}/index.html")
        assert out.is_file(), f"{page.name} was not built"
