"""One process (BLAS threads = cores) against a pool of one-thread processes, embedding the
same ant-multisource articles with empty caches, side by side in one run (the pool's
start-up included): what sets ``embeddings.workers``'s default.

    python -m bench.embed_workers [--n-docs 1500] [--corpus ant-multisource]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def main(argv: list[str] | None = None) -> None:
    import conflict_narratives as cn
    from conflict_narratives.common.system import n_threads
    from conflict_narratives.embeddings import embed_corpus
    from conflict_narratives.settings import Settings

    p = argparse.ArgumentParser(prog="python -m bench.embed_workers")
    p.add_argument("--n-docs", type=int, default=1500)
    p.add_argument("--corpus", default="ant-multisource")
    args = p.parse_args(argv)
    df = cn.open(args.corpus).corpus.sample(args.n_docs, random_state=7).reset_index(drop=True)
    runs = [("one process", {"workers": 1}),
            (f"pool of {n_threads()}", {"workers": "auto", "pool_min_texts": 10}),
            ("one process again", {"workers": 1})]
    for name, over in runs:
        t0 = time.perf_counter()
        done = embed_corpus(df, settings=Settings.defaults().replace({"embeddings": over}),
                            cache_dir=tempfile.mkdtemp(), progress=False)
        took = time.perf_counter() - t0
        print(f"{name}: {took:.1f} s, {len(df) / took:.1f} docs/s, "
              f"workers {done.stats['workers']}, load {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
