"""The README's table of supported toolkits, versions and frameworks, generated from the catalog.

``python -m rl_constructs.domain.catalog_table --write README.md`` rewrites the table between the
markers; a test fails when the README's table differs from :func:`render_catalog_table`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import RLConfigurationError
from .images import TrainingImage, serving_images, training_images
from .serving import RAY_REFUSAL, ServingChoice, ServingKind, choose_serving
from .toolkits import RLFramework

README_BEGIN = "<!-- catalog-table:begin -->"
README_END = "<!-- catalog-table:end -->"


def _serving(row: TrainingImage) -> str:
    """What the ``create_model()`` rules (:func:`choose_serving`) serve the row with, in words."""

    def choose(**extra: str) -> ServingChoice:
        return choose_serving(
            toolkit=row.toolkit,
            framework=row.framework,
            framework_version=row.framework_version,
            processor=row.image.processors[0],
            entry_point="train.py",
            submit_directory="s3://bucket/sourcedir.tar.gz",
            region=row.image.regions[0],
            **extra,
        )

    try:
        choice = choose()
    except RLConfigurationError as refusal:
        if refusal.argument != "serving_image_uri":
            return "—"  # the SDK's rule names an image the catalog does not have
        if refusal.problem != RAY_REFUSAL:
            return "none (pass `serving_image_uri`)"
        tensorflow_serving = [s.framework_version for s in serving_images() if s.framework is RLFramework.TENSORFLOW]
        try:
            choose(tensorflow_serving_version=tensorflow_serving[0])
        except RLConfigurationError:
            return "refused, as by the SDK (pass `serving_image_uri`)"
        return "refused, as by the SDK (pass `serving_image_uri` or `tensorflow_serving_version`)"
    if choice.kind is ServingKind.TENSORFLOW_SERVING:
        return f"TensorFlow Serving {row.framework_version}"
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
