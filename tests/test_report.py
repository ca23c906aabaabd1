"""The report end to end from an installed package, stage and notebook reuse, keys.

The report is built by the package installed from a wheel (not this checkout) into an
empty project folder outside the checkout, as an analyst who installed the package would
work. The embedding cache is shared with the checkout (it is content-addressed), which
keeps re-runs fast.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conflict_narratives.pipeline import Pipeline
from conflict_narratives.report import broken_links
from conflict_narratives.store import ENV_DATA, ENV_HOME, Store
from conftest import share_embedding_cache

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = 150
LABEL = f"ant-multisource-sample{SAMPLE}"

pytestmark = pytest.mark.xdist_group("report")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The package built as a wheel and unpacked into a folder of its own (no checkout)."""
    source = tmp_path_factory.mktemp("source")  # a clean copy: no stale build/ in the tree
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    wheels = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(source)], check=True)
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(next(wheels.glob("*.whl"))) as wheel:
        wheel.extractall(site)
    return site


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """An empty project folder outside the checkout (only the shared embedding cache)."""
    return share_embedding_cache(tmp_path_factory.mktemp("analyst") / "my-project")


@pytest.fixture(scope="module")
def built(installed, project):
    env = {**os.environ, "PYTHONPATH": str(installed), ENV_HOME: str(project),
           ENV_DATA: str(SHARED / "corpora"), "HF_HUB_OFFLINE": "1"}
    where = subprocess.run([sys.executable, "-c", "import conflict_narratives as c; "
                            "print(c.__file__)"], env=env, cwd=project, check=True,
                           capture_output=True, text=True).stdout
    assert where.startswith(str(installed)), where  # the installed copy, not the checkout
    done = subprocess.run(
        [sys.executable, "-m", "conflict_narratives", "report", "ant-multisource", "--sample",
         str(SAMPLE), "--trace", str(SHARED / "seed" / "akhbar-alaan_mosul-isis-collapse.txt")],
        env=env, cwd=project, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout) | {"stderr": done.stderr}


@pytest.fixture
def home(project, monkeypatch):
    monkeypatch.setenv(ENV_DATA, str(SHARED / "corpora"))
    return Store(project)


def test_report_runs_every_stage_and_notebook(built, project):
    assert set(built["stages"]) == {"load", "embed", "topics", "timelines", "narratives"}
    assert set(built["notebooks"]) == {"corpus", "topics", "timelines", "narratives"}
    out = project / "reports" / LABEL
    assert Path(built["index"]) == out / "index.html"
    for stem in ("01_corpus", "02_topics", "03_timelines", "04_narratives"):
        nb = json.loads((out / f"{stem}.ipynb").read_text(encoding="utf-8"))
        errors = [o for c in nb["cells"] for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        assert not errors, (stem, errors)
        assert (out / f"{stem}.html").stat().st_size > 10_000
    # stored notebooks stay without outputs
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), path


def test_the_report_prints_no_third_party_warnings(built):
    """BERTopic's, papermill's, nbconvert's and the kernels' warnings stay out (no -v)."""
    noise = ("BERTopic", "papermill", "IPKernelApp", "traitlets", "Warning", "it/s]")
    assert not [w for w in noise if w in built["stderr"]], built["stderr"][-3000:]


def test_index_links_only_to_existing_files(built):
    index = Path(built["index"])
    assert broken_links(index) == []
    page = index.read_text(encoding="utf-8")
    for section in ("corpus", "topics", "timelines", "narratives"):
        assert f"id='{section}'" in page
    links = re.findall(r"href='([^']+\.(?:png|svg|pdf))'", page)
    stems = {Path(link).stem for link in links}
    assert {"documents_over_time", "topic_sizes", "timeline_topic_shares",
            "narratives_outlet_frame"} <= stems
    for stem in stems:  # every figure in all three formats
        assert {f"{stem}.{ext}" for ext in ("png", "svg", "pdf")} <= {Path(x).name for x in links}
    assert "settings.yaml" in page and "text_view" in page  # settings echoed
    assert "href='explore.html'" in page  # the interactive view, written by the report
    assert (index.parent / "explore.html").stat().st_size > 1_000_000  # BokehJS inline


def test_figures_carry_captions_from_the_manifest_and_tables_are_csv(built, project):
    out = project / "reports" / LABEL
    topic_info = (out / "tables" / "topics" / "topic_info.csv").read_text(encoding="utf-8-sig")
    assert re.search(r"[\u0600-\u06FF]{3,}", topic_info)  # Arabic topic words survive
    manifest = json.loads((out / "figures" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["topic_sizes"]["section"] == "topics"
    assert manifest["topic_sizes"]["caption"].startswith("Documents per topic")
    assert not list(out.glob("figures/captions.json"))  # no side channel any more


def test_second_report_reuses_every_stage_and_notebook(built, home):
    again = Pipeline("ant-multisource", sample=SAMPLE, store=home).report(
        trace=SHARED / "seed" / "akhbar-alaan_mosul-isis-collapse.txt")
    assert all(stage["cached"] for stage in again["stages"].values()), again["stages"]
    assert again["stages"]["embed"]["needed"] is False
    assert set(again["notebooks_reused"]) == {"corpus", "topics", "timelines", "narratives"}
    assert again["explore"]["reused"]  # explore.html is not written again
    assert broken_links(Path(again["index"])) == []


def test_changed_setting_recomputes_only_what_it_reaches(built, home):
    base = Pipeline("ant-multisource", sample=SAMPLE, store=home)
    month = Pipeline("ant-multisource", sample=SAMPLE, store=home,
                     overrides={"timelines": {"freq": "month"}})
    assert month.key("topics") == base.key("topics")
    assert month.key("narratives") == base.key("narratives")
    assert month.key("timelines") != base.key("timelines")
    done = month.run_timelines()
    assert not done.cached and done.summary["freq"] == "month"
    assert Pipeline("ant-multisource", sample=SAMPLE, store=home,
                    overrides={"timelines": {"freq": "month"}}).run_timelines().cached
    assert base.run_timelines().cached  # the earlier version is still there


def test_going_back_to_a_setting_restores_its_notebook_and_figures(built, home, project):
    out = project / "reports" / LABEL
    trace = SHARED / "seed" / "akhbar-alaan_mosul-isis-collapse.txt"

    def timeline_figures():
        manifest = json.loads((out / "figures" / "manifest.json").read_text(encoding="utf-8"))
        return {k: (out / "figures" / v["files"]["png"]).read_bytes()
                for k, v in manifest.items() if v["section"] == "timelines"}

    before = timeline_figures()
    month = Pipeline("ant-multisource", sample=SAMPLE, store=home,
                     overrides={"timelines": {"freq": "month"}}).report(trace=trace)
    assert set(month["notebooks_reused"]) == {"corpus", "topics", "narratives"}
    assert timeline_figures() != before  # monthly figures now
    back = Pipeline("ant-multisource", sample=SAMPLE, store=home).report(trace=trace)
    assert set(back["notebooks_reused"]) == {"corpus", "topics", "timelines", "narratives"}
    assert timeline_figures() == before  # the daily figures again, without a kernel
    assert broken_links(Path(back["index"])) == []


def test_unknown_stage_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown stage"):
        Pipeline("fa-kes").key("sentiment")
