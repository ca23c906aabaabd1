"""A partitioned corpus on disk (``parts/part-NNNNN.parquet``), read a part at a time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Parts:
    """The corpus table split into Parquet parts, in corpus order; ``rows`` per part."""

    paths: tuple[Path, ...]
    rows: tuple[int, ...]

    @classmethod
    def open(cls, folder: str | Path) -> Parts:
        import pyarrow.parquet as pq

        paths = tuple(sorted(Path(folder).glob("part-*.parquet")))
        if not paths:
            raise FileNotFoundError(f"no corpus partitions in {folder}")
        return cls(paths, tuple(pq.ParquetFile(p).metadata.num_rows for p in paths))

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def n_docs(self) -> int:
        return int(sum(self.rows))

    @property
    def starts(self) -> np.ndarray:
        """The corpus position of each part's first row."""
        return np.concatenate([[0], np.cumsum(self.rows)[:-1]]).astype(np.int64)

    def read(self, i: int, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.read_parquet(self.paths[i], columns=columns)

    def to_pandas(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The whole table (what an in-process load gives): only for what fits in memory."""
        return pd.concat([self.read(i, columns) for i in range(len(self))], ignore_index=True)

    def split(self, positions: np.ndarray) -> list[np.ndarray]:
        """Sorted corpus ``positions`` as positions within each part."""
        positions = np.asarray(positions, dtype=np.int64)
        ends = np.cumsum(self.rows)
        return [positions[(positions >= s) & (positions < e)] - s
                for s, e in zip(self.starts, ends, strict=True)]

    def take(self, positions: np.ndarray, columns: list[str] | None = None) -> pd.DataFrame:
        """The rows at sorted corpus ``positions`` (a part at a time)."""
        frames = [self.read(i, columns).iloc[pos] for i, pos in enumerate(self.split(positions))
                  if len(pos)]
        return pd.concat(frames, ignore_index=True)


def sample_positions(n_docs: int, size: int | None, seed: int) -> np.ndarray | None:
    """Sorted positions of a seeded sample of ``size`` documents: the rows
    ``df.sample(n=size, random_state=seed)`` draws (so every path samples alike); None when
    ``size`` covers the corpus."""
    if not size or int(size) >= n_docs:
        return None
    return np.sort(np.random.RandomState(int(seed)).choice(n_docs, int(size), replace=False))
