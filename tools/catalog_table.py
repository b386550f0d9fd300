"""The README's table of supported toolkits, versions and frameworks, generated from the catalog.

Run it from the repository root (after a catalog change; ``tests/tools/test_catalog_table.py`` fails while the
README's table differs from :func:`render_catalog_table`)::

    python -m tools.catalog_table --write README.md   # rewrite the table between the README's markers
    python -m tools.catalog_table                     # print the table
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.images import TrainingImage, serving_images, training_images
from rl_constructs.core.serving.container import (
    RAY_REFUSAL,
    ServingChoice,
    ServingKind,
    choose_serving,
    loads_code_from_model_archive,
    servable_versions,
)
from rl_constructs.core.toolkits import RLFramework

README_BEGIN = "<!-- catalog-table:begin -->"
README_END = "<!-- catalog-table:end -->"


_FRAMEWORK_NAMES = {
    RLFramework.TENSORFLOW: "TensorFlow Serving",
    RLFramework.MXNET: "MXNet",
    RLFramework.PYTORCH: "PyTorch",
}


def _aliases(versions: tuple[str, ...]) -> str:
    """The ``major.minor`` aliases among ``versions`` (each also accepted as its full release)."""
    return ", ".join(v for v in versions if v.count(".") == 1)


def _serving(row: TrainingImage) -> str:
    """What the ``create_model()`` rules (:func:`choose_serving`) serve the row with, in words."""

    def choose() -> ServingChoice:
        return choose_serving(
            toolkit=row.toolkit,
            framework=row.framework,
            framework_version=row.framework_version,
            processor=row.image.processors[0],
            entry_point="train.py",
            submit_directory="s3://bucket/sourcedir.tar.gz",
            region=row.image.regions[0],
        )

    if row.framework is None or row.framework_version is None:
        return "none (pass `serving_image_uri`)"
    servable = servable_versions(row.framework, row.framework_version)
    argument = "tensorflow_serving_version" if row.framework is RLFramework.TENSORFLOW else "serving_framework_version"
    versions = f"`{argument}`: {_aliases(servable)}" if servable else "no catalog image"
    try:
        choice = choose()
    except RLConfigurationError as refusal:
        if not refusal.problem.startswith(RAY_REFUSAL):
            return "none (pass `serving_image_uri`)"
        return f"refused by default, as by the SDK; {versions} (or `serving_image_uri`)"
    assert choice.family is not None
    default = f"{_FRAMEWORK_NAMES[row.framework]} {choice.family.tag_prefix}"
    if choice.kind is ServingKind.MXNET:
        default += " (py3), runs the entry point"
    return f"{default}; {versions}"


def render_serving_table() -> str:
    """One Markdown row per serving image of the catalog (alias and release share a row)."""
    header = [
        "| framework | versions | repository | tag (cpu) | python | code in model archive | regions |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines = []
    for image in serving_images():
        if image.framework_version != image.release:
            continue  # the alias row; its release row lists both
        aliases = [
            s.framework_version
            for s in serving_images()
            if s.release == image.release and s.framework is image.framework
        ]
        family = image.image
        if loads_code_from_model_archive(image):
            code = "yes: serving code required"
        elif image.framework is RLFramework.TENSORFLOW:
            code = "with an inference script"
        else:
            code = "no"
        lines.append(
            f"| {_FRAMEWORK_NAMES[image.framework]} | {', '.join(aliases)} | `{family.repository}` "
            f"| `{family.tag(family.processors[0])}` | {family.py_version or '—'} | {code} "
            f"| {len(family.regions)} |"
        )
    return "\n".join(header + lines)


def render_catalog_table() -> str:
    """One Markdown row per (toolkit, version, framework) of the catalog, in a stable order, then the serving
    images table."""
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
    return (
        "\n".join(header + lines)
        + "\n\nServing images (generated from the SDK's image tables):\n\n"
        + render_serving_table()
    )


def update_readme(text: str) -> str:
    """``text`` with the table between the markers replaced by the current one."""
    begin, end = text.index(README_BEGIN), text.index(README_END)
    if end < begin:
        raise ValueError(f"{README_END} comes before {README_BEGIN}")
    return text[: begin + len(README_BEGIN)] + "\n" + render_catalog_table() + "\n" + text[end:]


def _main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tools.catalog_table", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--write", type=Path, metavar="README", help="rewrite the table in this file")
    args = parser.parse_args()
    if args.write is None:
        print(render_catalog_table())
        return
    args.write.write_text(update_readme(args.write.read_text()))


if __name__ == "__main__":
    _main()
