"""The README's table of supported toolkits, versions and frameworks, generated from the catalog.

``python -m rl_constructs.domain.catalog_table --write README.md`` rewrites the table between the
markers; a test fails when the README's table differs from :func:`render_catalog_table`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .images import TrainingImage, serving_images, training_images
from .toolkits import RLFramework, RLToolkit

README_BEGIN = "<!-- catalog-table:begin -->"
README_END = "<!-- catalog-table:end -->"


def _serving(row: TrainingImage) -> str:
    """The container ``RLEstimator.create_model()`` serves the row with, as the README names it."""
    if row.toolkit is RLToolkit.RAY:
        return "refused (pass `serving_image_uri`, or `tensorflow_serving_version` with TensorFlow)"
    if row.toolkit is RLToolkit.VW:
        return "none (pass `serving_image_uri`)"
    if row.framework is RLFramework.TENSORFLOW:
        known = {s.framework_version for s in serving_images() if s.framework is RLFramework.TENSORFLOW}
        return f"TensorFlow Serving {row.framework_version}" if row.framework_version in known else "—"
    return "MXNet 1.3 (py3), runs the entry point"


def render_catalog_table() -> str:
    """One Markdown row per (toolkit, version, framework) of the catalog, in a stable order."""
    header = [
        "| toolkit | version | framework | framework version | processors | python | image (first processor) "
        "| regions | serving |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    rows = sorted(
        training_images(),
        key=lambda r: (
            r.toolkit.value,
            tuple(int(p) for p in r.toolkit_version.split(".")),
            r.framework.value if r.framework else "",
        ),
    )
    lines = [
        f"| {row.toolkit.value} | {row.toolkit_version} | {row.framework.value if row.framework else '—'} "
        f"| {row.framework_version or '—'} | {', '.join(p.value for p in row.image.processors)} "
        f"| {row.image.py_version or '—'} | `{row.image.repository}:{row.image.tag(row.image.processors[0])}` "
        f"| {len(row.image.regions)} | {_serving(row)} |"
        for row in rows
    ]
    return "\n".join(header + lines)


def update_readme(text: str) -> str:
    """``text`` with the table between the markers replaced by the current one."""
    begin, end = text.index(README_BEGIN), text.index(README_END)
    if end < begin:
        raise ValueError(f"{README_END} comes before {README_BEGIN}")
    return text[: begin + len(README_BEGIN)] + "\n" + render_catalog_table() + "\n" + text[end:]


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--write", type=Path, metavar="README", help="rewrite the table in this file")
    args = parser.parse_args()
    if args.write is None:
        print(render_catalog_table())
        return
    args.write.write_text(update_readme(args.write.read_text()))


if __name__ == "__main__":
    _main()
