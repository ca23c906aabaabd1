"""`make bench`: every benchmark in pipeline order; each writes reports/benchmarks/<name>.md.

    python -m bench                      # all of them, with their defaults
    python -m bench --only topics        # some of them
"""

import argparse
import importlib
import time

BENCHES = ("corpus", "embeddings", "long_text", "topics", "nmi_ceiling", "timelines",
           "narratives", "monitoring", "end_to_end", "fit_sample", "scale", "long_docs", "search")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=BENCHES, default=list(BENCHES))
    args = parser.parse_args()
    for name in [b for b in BENCHES if b in args.only]:
        t0 = time.perf_counter()
        print(f"== bench.{name}", flush=True)
        importlib.import_module(f"bench.{name}").main([])
        print(f"== bench.{name}: {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
