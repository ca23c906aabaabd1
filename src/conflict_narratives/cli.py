"""The ``conflict-narratives`` command line: one subcommand per stage.

Stage modules are imported inside each command, so ``--help`` stays fast and a stage's
heavy dependencies (torch, BERTopic) load only when that stage runs.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Topic and narrative analysis of conflict reporting (Arabic first).",
    no_args_is_help=True,
    add_completion=False,
)


def emit(payload: dict[str, Any]) -> None:
    """Print a stage summary as JSON (UTF-8, Arabic unescaped)."""
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )


@app.command()
def load(
    source: Annotated[str, typer.Argument(help="A file, a .txt folder, or a named corpus.")],
    name: Annotated[str | None, typer.Option(help="Name to save under data/processed/.")] = None,
    text_col: Annotated[str | None, typer.Option(help="Column holding the body text.")] = None,
    title_col: Annotated[str | None, typer.Option()] = None,
    date_col: Annotated[str | None, typer.Option()] = None,
    source_col: Annotated[str | None, typer.Option(help="Column naming the outlet.")] = None,
    id_col: Annotated[str | None, typer.Option()] = None,
    dayfirst: Annotated[
        bool | None, typer.Option("--dayfirst/--monthfirst", help="D/M/YYYY or M/D/YYYY dates.")
    ] = None,
) -> None:
    """Load a corpus into one validated table; print the load report."""
    from conflict_narratives import corpus

    mapping = {
        k: v
        for k, v in {
            "text": text_col,
            "title": title_col,
            "date": date_col,
            "source": source_col,
            "doc_id": id_col,
        }.items()
        if v
    }
    result = corpus.load_corpus(source, name=name, mapping=mapping or None, dayfirst=dayfirst)
    corpus.save(result)
    emit(result.report)


@app.command()
def embed(
    name: Annotated[str, typer.Argument(help="A named corpus or a corpus file (as for `load`).")],
    backend: Annotated[
        str | None,
        typer.Option(help="use-m | e5-small | tfidf-lsa | sentence-transformers:<name-or-path>."),
    ] = None,
    text_view: Annotated[
        str | None, typer.Option(help="title-lead | first-chars | full | paragraphs.")
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
) -> None:
    """Embed a corpus into the cache (data/interim/embeddings); print the run's stats."""
    from conflict_narratives import config, corpus, embeddings

    settings = config.load_settings(name)
    df = corpus.get_corpus(name)
    result = embeddings.embed_corpus(
        df, backend=backend, text_view=text_view, settings=settings, progress=progress
    )
    emit(result.stats)


@app.command()
def timeline(
    name: Annotated[str, typer.Argument(help="A named corpus or a corpus file (as for `load`).")],
    freq: Annotated[
        str | None, typer.Option(help="day | week | month (default: from the corpus span).")
    ] = None,
    evaluate: Annotated[
        bool, typer.Option("--evaluate", help="Score date selection (t17:<Topic> corpora).")
    ] = False,
) -> None:
    """Topic prevalence, bursts and dated events (data/processed/<name>/timelines/)."""
    from conflict_narratives import timelines

    result = timelines.run(name, freq=freq, evaluate=evaluate)
    emit(result.summary | {"path": str(timelines.timelines_dir(name))})


@app.command()
def topics(
    name: Annotated[str, typer.Argument(help="A named corpus or a corpus file (as for `load`).")],
    sample: Annotated[
        int | None, typer.Option(help="Fit a seeded random sample of this many documents.")
    ] = None,
    stability: Annotated[
        bool, typer.Option("--stability/--no-stability", help="Refit with seed+1; report ARI.")
    ] = False,
) -> None:
    """Fit topics (data/processed/<name>/topics/); print their quality figures."""
    from conflict_narratives import topics as topic_stage

    _, summary = topic_stage.run(name, sample=sample, stability=stability)
    emit(summary)


@app.command()
def narratives(
    name: Annotated[str, typer.Argument(help="A named corpus or a corpus file (as for `load`).")],
    sample: Annotated[
        int | None, typer.Option(help="Analyse a seeded random sample of this many documents.")
    ] = None,
) -> None:
    """Outlet divergence, frames, actors and storylines (data/processed/<name>/narratives/)."""
    from conflict_narratives import narratives as narrative_stage

    result = narrative_stage.run(name, sample=sample)
    emit(result.summary | {"path": str(narrative_stage.narratives_dir(result.summary["name"]))})


@app.command()
def trace(
    name: Annotated[str, typer.Argument(help="The corpus to search (named or a file).")],
    file: Annotated[str, typer.Argument(help="A text file whose story to trace.")],
    threshold: Annotated[
        float | None, typer.Option(help="Least cosine similarity for a match.")
    ] = None,
) -> None:
    """Where the story of FILE is told in the corpus: articles, outlets, dates, frames."""
    from conflict_narratives import narratives as narrative_stage

    emit(narrative_stage.trace_file(name, file, threshold=threshold))


@app.command()
def run(
    name: Annotated[str, typer.Argument(help="A named corpus or a corpus file (as for `load`).")],
    sample: Annotated[
        int | None, typer.Option(help="Run on a seeded random sample of this many documents.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Recompute every stage.")] = False,
) -> None:
    """The whole pipeline without notebooks: load → embed → topics → timelines → narratives."""
    from conflict_narratives import pipeline

    emit(pipeline.run_all(name, sample=sample, force=force))


@app.command()
def report(
    name: Annotated[str, typer.Argument(help="A named corpus or a corpus file (as for `load`).")],
    sample: Annotated[
        int | None, typer.Option(help="Report on a seeded sample (reports/<name>-sample<N>/).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Recompute every stage.")] = False,
) -> None:
    """Pipeline + executed notebooks + figures (PNG/SVG/PDF) + reports/<corpus>/index.html."""
    from conflict_narratives import report as report_mod

    emit(report_mod.build(name, sample=sample, force=force))
