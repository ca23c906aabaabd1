"""The pipeline's stage reuse and the report: every notebook executed on a small slice.

Runs in a throw-away project folder (``CONFLICT_NARRATIVES_HOME``) whose ``notebooks/`` are
the real ones, so nothing here touches the checkout's data or reports. The embedding cache
is shared with the checkout (it is content-addressed), which keeps re-runs fast.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conflict_narratives import config, pipeline, report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = 150

pytestmark = pytest.mark.xdist_group("report")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """``<tmp>/main`` with the real notebooks, ``<tmp>/shared`` -> the real ../shared."""
    workspace = tmp_path_factory.mktemp("workspace")
    home = workspace / "main"
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    (workspace / "shared").symlink_to(ROOT.parent / "shared", target_is_directory=True)
    cache = ROOT / "data" / "interim" / "embeddings"
    cache.mkdir(parents=True, exist_ok=True)
    (home / "data" / "interim").mkdir(parents=True)
    (home / "data" / "interim" / "embeddings").symlink_to(cache, target_is_directory=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(config.ENV_HOME, str(home))
        yield home


@pytest.fixture(scope="module")
def built(project):
    return report.build("ant-multisource", sample=SAMPLE, progress=False)


def test_report_runs_every_stage_and_notebook(built, project):
    assert set(built["stages"]) == {"load", "embed", "topics", "timelines", "narratives"}
    assert set(built["notebooks"]) == {"corpus", "topics", "timelines", "narratives"}
    out = project / "reports" / f"ant-multisource-sample{SAMPLE}"
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


def test_index_links_only_to_existing_files(built):
    index = Path(built["index"])
    assert report.broken_links(index) == []
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


def test_figures_carry_arabic_captions_and_tables_are_csv(built, project):
    out = project / "reports" / f"ant-multisource-sample{SAMPLE}"
    topic_info = (out / "tables" / "topics" / "topic_info.csv").read_text(encoding="utf-8-sig")
    assert re.search(r"[\u0600-\u06FF]{3,}", topic_info)  # Arabic topic words survive
    captions = json.loads((project / "reports" / "figures" / out.name / "captions.json")
                          .read_text(encoding="utf-8"))
    assert captions["topic_sizes"]


def test_second_run_reuses_every_stage(built):
    again = pipeline.run_all("ant-multisource", sample=SAMPLE, progress=False)
    assert all(stage["cached"] for stage in again["stages"].values()), again["stages"]


def test_changed_setting_recomputes_only_what_it_reaches(built):
    settings = config.load_settings("ant-multisource")
    settings["timelines"]["freq"] = "month"
    assert pipeline.is_current("ant-multisource", "topics", settings, SAMPLE)
    assert not pipeline.is_current("ant-multisource", "timelines", settings, SAMPLE)
    assert pipeline.is_current("ant-multisource", "narratives", settings, SAMPLE)
    done = pipeline.get("ant-multisource", "timelines", sample=SAMPLE, settings=settings)
    assert not done.cached and done.summary["freq"] == "month"
    assert pipeline.get("ant-multisource", "timelines", sample=SAMPLE, settings=settings).cached


def test_unknown_stage_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown stage"):
        pipeline.get("fa-kes", "sentiment")
