"""MkDocs hook: renders the options table of jetson_pose_ros/options.py into docs/options.md.

The page holds the marker ``<!-- options-table -->``; at build time it is replaced by
``options.markdown_table()``, so the site always shows the table the code uses (the CLI flags,
ROS parameters and checks are generated from the same rows). ``python -m jetson_pose_ros.core.options``
prints the same table.
"""
import sys
from pathlib import Path

MARKER = "<!-- options-table -->"
PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "jetson_pose_ros"


def options_markdown() -> str:
    if str(PACKAGE_ROOT) not in sys.path:
        sys.path.insert(0, str(PACKAGE_ROOT))   # the checkout's package, also without an install
    from jetson_pose_ros.core.options import markdown_table
    return markdown_table()


def on_page_markdown(markdown: str, page, config, files) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, options_markdown())
