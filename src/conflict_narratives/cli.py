"""The ``conflict-narratives`` command line: one subcommand per stage, all through the pipeline.

Options that shape a result (``--freq``, ``--backend``, ``--set topics.min_cluster_size=50``)
become settings of the run, and so part of each stage's key: a later command reuses a saved
result only when it was made with the same settings. Stage modules are imported inside each
command, so ``--help`` stays fast. A mistake in the input is reported in one line (exit 2);
``-v`` shows the traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Annotated, Any

import typer
import yaml

app = typer.Typer(
    help="Topic and narrative analysis of conflict reporting (Arabic first).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Sample = Annotated[int | None, typer.Option(
    help="Analyse a seeded random sample of this many documents.")]
Set = Annotated[list[str] | None, typer.Option(
    "--set", help="A setting for this run, SECTION.KEY=VALUE (YAML value); repeatable.")]
Force = Annotated[bool, typer.Option("--force", help="Recompute instead of reusing.")]
Scheduler = Annotated[str | None, typer.Option(
    help="Run on Dask: local | local:N (a LocalCluster of N workers) | tcp://host:8786 "
         "(an existing cluster). Default: in process (setting compute.scheduler).")]
Name = Annotated[str, typer.Argument(help="A named corpus, a corpus file or folder, or the "
                                          "name a corpus was loaded under.")]


def emit(payload: dict[str, Any]) -> None:
    """Print a summary as JSON (UTF-8, Arabic unescaped)."""
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def emit_stage(done) -> None:
    """Print a stage's summary with its own seconds (the original computation's when
    cached), ``cached``, this run's ``wall_seconds`` and where it is saved."""
    from conflict_narratives.pipeline import stage_entry

    emit(stage_entry(done) | {"path": str(done.path)})


def parse_sets(items: list[str] | None) -> dict[str, Any]:
    """``["topics.min_cluster_size=50", "seed=7"]`` → nested overrides (values read as YAML)."""
    out: dict[str, Any] = {}
    for item in items or []:
        path, sep, value = item.partition("=")
        if not sep or not path.strip():
            raise ValueError(f"--set {item!r}: expected SECTION.KEY=VALUE")
        *parents, leaf = path.strip().split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = yaml.safe_load(value)
    return out


def _open(name: str, sample: int | None = None, sets: list[str] | None = None,
          progress: bool = False, scheduler: str | None = None, **sections: dict[str, Any]):
    """The pipeline for ``name`` with the command's options as settings overrides."""
    from conflict_narratives.pipeline import Pipeline
    from conflict_narratives.settings import deep_merge

    sections["compute"] = {"scheduler": scheduler}
    overrides = {k: {o: v for o, v in opts.items() if v is not None}
                 for k, opts in sections.items()}
    overrides = deep_merge({k: v for k, v in overrides.items() if v}, parse_sets(sets))
    return Pipeline(name, sample=sample, overrides=overrides, progress=progress)


def _ours(record: logging.LogRecord) -> bool:
    """This project's records, and other libraries' errors."""
    return record.name.startswith("conflict_narratives") or record.levelno >= logging.ERROR


@app.callback()
def callback(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    if not verbose:  # other libraries' warnings (BERTopic, papermill, nbconvert, sklearn,
        import warnings  # umap, numba…) and a cluster's INFO lines would bury the results

        import dask

        handler.addFilter(_ours)
        logging.getLogger("BERTopic").addFilter(_ours)  # it logs on a handler of its own
        warnings.simplefilter("ignore")  # (this project tells the user through its log)
        dask.config.set({"logging.distributed": "warning"})


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
    date_format: Annotated[str | None, typer.Option(
        help="strptime codes for dates no parser guesses, e.g. '%d-%b-%y' for 9-May-20.")] = None,
    header: Annotated[bool | None, typer.Option(
        "--header/--no-header",
        help="CSV/TSV: the first row names the columns, or is a record (default: detected).")
    ] = None,
    sets: Set = None,
    force: Force = False,
    scheduler: Scheduler = None,
) -> None:
    """Load a corpus into one validated table (on a cluster: partitions); print the load
    report."""
    from conflict_narratives.pipeline import Pipeline
    from conflict_narratives.settings import deep_merge

    mapping = {k: v for k, v in {"text": text_col, "title": title_col, "date": date_col,
                                 "source": source_col, "doc_id": id_col}.items() if v}
    chosen = {"corpus": {"dayfirst": dayfirst, "date_format": date_format,
                         "header_row": header},
              "compute": {"scheduler": scheduler}}
    chosen = {k: {o: v for o, v in opts.items() if v is not None} for k, opts in chosen.items()}
    overrides = deep_merge({k: v for k, v in chosen.items() if v}, parse_sets(sets))
    run = Pipeline(source, name=name, mapping=mapping or None, overrides=overrides)
    emit(run.load(force=force or bool(mapping)).result[1])


@app.command()
def embed(
    name: Name,
    backend: Annotated[
        str | None,
        typer.Option(help="use-m | e5-small | tfidf-lsa | sentence-transformers:<name-or-path>."),
    ] = None,
    text_view: Annotated[
        str | None, typer.Option(help="title-lead | first-chars | full | paragraphs.")
    ] = None,
    sample: Sample = None,
    sets: Set = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    scheduler: Scheduler = None,
) -> None:
    """Embed a corpus into the cache (data/interim/embeddings); print the run's stats."""
    run = _open(name, sample, sets, progress, scheduler,
                embeddings={"backend": backend, "text_view": text_view})
    emit(run.embeddings.stats)


@app.command()
def topics(
    name: Name,
    sample: Sample = None,
    stability: Annotated[
        bool, typer.Option("--stability/--no-stability", help="Refit with seed+1; report ARI.")
    ] = False,
    sets: Set = None,
    force: Force = False,
    scheduler: Scheduler = None,
) -> None:
    """Fit topics (data/processed/<name>/topics/); print their quality figures."""
    done = _open(name, sample, sets, scheduler=scheduler).run_topics(force=force,
                                                                      stability=stability)
    emit_stage(done)


@app.command()
def timeline(
    name: Name,
    freq: Annotated[
        str | None, typer.Option(help="day | week | month (default: from the corpus span).")
    ] = None,
    evaluate: Annotated[
        bool, typer.Option("--evaluate", help="Require reference timelines (t17:<Topic>); "
                                              "their scores are added whenever they exist.")
    ] = False,
    sample: Sample = None,
    sets: Set = None,
    force: Force = False,
    scheduler: Scheduler = None,
) -> None:
    """Topic prevalence, bursts and dated events (data/processed/<name>/timelines/)."""
    from conflict_narratives.common.periods import FREQS

    if freq is not None and freq not in FREQS:
        raise ValueError(f"unknown freq {freq!r}; choose one of {list(FREQS)}")
    if evaluate and not name.startswith("t17:"):
        raise ValueError(f"--evaluate needs a t17:<Topic> corpus (reference timelines), "
                         f"not {name!r}")
    done = _open(name, sample, sets, scheduler=scheduler,
                 timelines={"freq": freq}).run_timelines(force=force)
    emit_stage(done)


@app.command()
def narratives(name: Name, sample: Sample = None, sets: Set = None, force: Force = False,
               scheduler: Scheduler = None) -> None:
    """Outlet divergence, frames, actors and storylines (data/processed/<name>/narratives/)."""
    emit_stage(_open(name, sample, sets, scheduler=scheduler).run_narratives(force=force))


@app.command()
def trace(
    name: Annotated[str, typer.Argument(help="The corpus to search (named or a file).")],
    file: Annotated[str, typer.Argument(help="A text file whose story to trace.")],
    threshold: Annotated[
        float | None, typer.Option(help="Least cosine similarity for a match.")
    ] = None,
    sample: Sample = None,
    sets: Set = None,
) -> None:
    """Where the story of FILE is told in the corpus: articles, outlets, dates, frames."""
    emit(_open(name, sample, sets).trace(file, threshold=threshold))


@app.command()
def explore(
    name: Name,
    query: Annotated[str, typer.Option(help="Words to search for when the page opens.")] = "",
    out: Annotated[str | None, typer.Option(
        help="Where to write the page (default: reports/<corpus>/explore.html).")] = None,
    sample: Sample = None,
    sets: Set = None,
) -> None:
    """The interactive view (map, search, time brush, topics, events, reader) as one
    self-contained page that works offline."""
    run = _open(name, sample, sets)
    path = run.explore(query=query).save(out or run.store.explore_page(run.label))
    emit({"corpus": run.name, "explore": str(path),
          "mb": round(path.stat().st_size / 2**20, 2)})


@app.command()
def search(
    name: Name,
    query: Annotated[str, typer.Argument(
        help='Words, "a phrase", AND / OR / NOT, parentheses; or what the documents are '
             'about (semantic).')],
    k: Annotated[int, typer.Option("--k", "-k", help="How many documents.")] = 20,
    mode: Annotated[str, typer.Option(help="auto | words | semantic.")] = "auto",
    topic: Annotated[list[str] | None, typer.Option(help="A topic id or label; repeatable.")
                     ] = None,
    outlet: Annotated[list[str] | None, typer.Option(help="An outlet; repeatable.")] = None,
    language: Annotated[list[str] | None, typer.Option(
        help="An ISO 639-1 code (ar, en…); repeatable.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="To this date, inclusive.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    sample: Sample = None,
    sets: Set = None,
    scheduler: Scheduler = None,
) -> None:
    """Search a corpus by words or meaning; print the best documents with a snippet each.
    The word index is built on first use and kept (data/processed/<name>/search/)."""
    from conflict_narratives.search import describe

    found = _open(name, sample, sets, scheduler=scheduler).search(
        query, k=k, mode=mode, topic=topic or None, outlet=outlet or None,
        language=language or None, since=since, until=until)
    if not as_json:
        typer.echo(describe(found, query))
        return
    records = found.astype(object).where(found.notna(), None).to_dict("records")
    emit({"query": query, "mode": found["mode"].iloc[0] if len(found) else mode,
          "n": len(found), "results": records})


@app.command()
def update(
    name: Name,
    files: Annotated[list[str] | None, typer.Argument(
        help="New documents: files in the corpus's own shape (its columns).")] = None,
    refit: Annotated[bool, typer.Option(
        "--refit", help="Then refit on the whole corpus; matched topics keep ids and names."
    )] = False,
    stages: Annotated[bool, typer.Option(
        "--stages/--no-stages", help="Bring timelines and narratives up to date.")] = True,
    sets: Set = None,
) -> None:
    """Add new documents to a corpus without refitting its topics; print what changed.

    Duplicates of the corpus are skipped, only new texts embedded, each document placed in
    the existing topics (ids and labels unchanged) or, far from all, in emerging-story
    candidates. With no FILE, --refit alone refits."""
    from conflict_narratives.pipeline import STAGES

    run = _open(name, None, sets)
    todo = STAGES[1:] if stages else ()
    if not files:
        if not refit:
            raise ValueError("give the files to add (or --refit to refit alone)")
        emit(run.refit(stages=todo))
        return
    emit(run.update(files, refit=refit, stages=todo))


@app.command()
def run(name: Name, sample: Sample = None, sets: Set = None, force: Force = False,
        scheduler: Scheduler = None) -> None:
    """The whole pipeline without notebooks: load → embed → topics → timelines → narratives."""
    emit(_open(name, sample, sets, progress=True, scheduler=scheduler).run(force=force))


@app.command()
def report(
    name: Name,
    sample: Sample = None,
    trace_file: Annotated[str | None, typer.Option(
        "--trace", help="A text file whose story notebook 04 traces.")] = None,
    sets: Set = None,
    force: Force = False,
    scheduler: Scheduler = None,
) -> None:
    """Pipeline + executed notebooks + figures (PNG/SVG/PDF) + reports/<corpus>/index.html."""
    emit(_open(name, sample, sets, progress=True, scheduler=scheduler).report(
        trace=trace_file, force=force))


USER_ERRORS = (ValueError, FileNotFoundError, NotADirectoryError, IsADirectoryError,
               PermissionError, UnicodeDecodeError)


def main(argv: list[str] | None = None) -> None:
    """The console entry point: the app, with user mistakes reported in one line."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        app(args=argv, standalone_mode=False)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        sys.exit(1)
    except Exception as err:  # noqa: BLE001 - one line for users, the traceback with -v
        import click

        if isinstance(err, click.ClickException):
            err.show()
            sys.exit(err.exit_code)
        if not isinstance(err, USER_ERRORS) or {"-v", "--verbose"} & set(argv):
            raise
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
