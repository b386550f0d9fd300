"""The README's catalog table is generated from the catalog and cannot go stale."""

from __future__ import annotations

from rl_constructs.core import serving_images, training_images
from tests.cdk_support import ROOT
from tools.catalog_table import (
    README_BEGIN,
    README_END,
    render_catalog_table,
    render_serving_table,
    update_readme,
)


def test_one_row_per_catalog_row() -> None:
    training_table = render_catalog_table().split("\n\n")[0]
    rows = training_table.splitlines()[2:]
    assert len(rows) == len(training_images())
    assert len(set(rows)) == len(rows)


def test_one_row_per_serving_release_with_its_aliases() -> None:
    serving_table = render_serving_table()
    assert serving_table in render_catalog_table()
    rows = serving_table.splitlines()[2:]
    assert len(rows) == len({(s.framework, s.release) for s in serving_images()})
    assert (
        "| TensorFlow Serving | 2.5, 2.5.1 | `tensorflow-inference` | `2.5.1-cpu` | — | with an inference script | 40 |"
    ) in rows
    assert (
        "| MXNet | 1.8, 1.8.0 | `mxnet-inference` | `1.8.0-cpu-py37` | py37 | yes: serving code required | 35 |" in rows
    )


def test_rows_say_what_the_sdk_does() -> None:
    rows = render_catalog_table().splitlines()
    assert (
        "| coach | 0.11.0 | tensorflow | 1.11 | cpu, gpu | py3 | `sagemaker-rl-tensorflow:coach0.11.0-cpu-py3` | 25 "
        "| TensorFlow Serving 1.11; `tensorflow_serving_version`: 1.11, 1.12 |"
    ) in rows
    assert any(
        row.startswith("| vw | 8.7.0 | — | — | cpu | ") and "none (pass `serving_image_uri`)" in row for row in rows
    )
    (ray_torch,) = [row for row in rows if row.startswith("| ray | 1.6.0 | pytorch | ")]
    assert ray_torch.endswith(
        "| refused by default, as by the SDK; `serving_framework_version`: 1.8 (or `serving_image_uri`) |"
    )
    (ray_tf,) = [row for row in rows if row.startswith("| ray | 1.6.0 | tensorflow | ")]
    assert ray_tf.endswith(
        "| refused by default, as by the SDK; `tensorflow_serving_version`: 2.5 (or `serving_image_uri`) |"
    )
    assert any(row.startswith("| coach | 0.11.0 | mxnet | ") and "MXNet 1.3" in row for row in rows)


def test_the_readme_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert README_BEGIN in readme and README_END in readme
    assert update_readme(readme) == readme, "run: python -m tools.catalog_table --write README.md"


def test_update_replaces_only_between_the_markers() -> None:
    text = f"before\n{README_BEGIN}\nold\n{README_END}\nafter\n"
    assert update_readme(text) == f"before\n{README_BEGIN}\n{render_catalog_table()}\n{README_END}\nafter\n"
