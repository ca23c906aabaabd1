"""Labels beside their clusters: a greedy placement in display space (largest cluster
first) that tries rings of positions around each cluster's centre and keeps the first
that covers no placed label and few points, then draws a leader line to the centre
(datamapplot's static maps are the model)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

RINGS = (0, 14, 24, 36, 50, 66, 84, 104, 128, 156, 190, 230, 280, 340)  # pixels
ANGLES = np.deg2rad(np.arange(0, 360, 22.5))


def _overlaps(box: np.ndarray, boxes: np.ndarray, pad: float) -> bool:
    if not len(boxes):
        return False
    return bool(np.any((box[0] - pad < boxes[:, 2]) & (boxes[:, 0] < box[2] + pad)
                       & (box[1] - pad < boxes[:, 3]) & (boxes[:, 1] < box[3] + pad)))


def _covered(box: np.ndarray, points: np.ndarray) -> int:
    inside = (points[:, 0] > box[0]) & (points[:, 0] < box[2]) \
        & (points[:, 1] > box[1]) & (points[:, 1] < box[3])
    return int(inside.sum())


def place_labels(anchors: np.ndarray, sizes: np.ndarray, points: np.ndarray, *,
                 bounds: tuple[float, float, float, float] | None = None, pad: float = 3.0,
                 point_cost: float = 6.0) -> np.ndarray:
    """Centres (display pixels) for labels of ``sizes`` (width, height) near ``anchors``,
    in order: no two label boxes overlap (``pad`` apart); among the ring positions left,
    the one nearest its anchor once each of the ``points`` it covers (``pad`` around)
    counts as ``point_cost`` pixels farther, inside ``bounds`` (x0, y0, x1, y1) where
    any position is."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    weight = point_cost
    if len(points) > 20_000:  # a seeded sample is as good a density estimate
        weight *= len(points) / 20_000
        points = points[np.random.default_rng(0).choice(len(points), 20_000, replace=False)]
    placed: list[np.ndarray] = []
    centres = np.zeros((len(anchors), 2))
    for i, ((ax_, ay), (w, h)) in enumerate(zip(anchors, sizes, strict=True)):
        best, best_cost = None, np.inf
        for ring in RINGS:
            if ring >= best_cost:  # no farther position can cost less
                break
            for angle in ANGLES if ring else (0.0,):
                # the box's nearest edge, not its centre, at ``ring`` from the anchor
                cx = ax_ + np.cos(angle) * (ring + w / 2 * bool(ring))
                cy = ay + np.sin(angle) * (ring + h / 2 * bool(ring))
                box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
                if _overlaps(box, np.array(placed).reshape(-1, 4), pad):
                    continue
                cost = ring + weight * _covered(box + [-pad, -pad, pad, pad], points)
                if bounds is not None and not (bounds[0] <= box[0] and box[2] <= bounds[2]
                                               and bounds[1] <= box[1] and box[3] <= bounds[3]):
                    cost += 1e6  # outside: only when nothing inside is free
                if cost < best_cost:
                    best, best_cost = (cx, cy, box), cost
        if best is None:  # every ring taken: stack past the others
            top = max(b[3] for b in placed)
            best = (ax_, top + pad + h / 2,
                    np.array([ax_ - w / 2, top + pad, ax_ + w / 2, top + pad + h]))
        centres[i] = best[:2]
        placed.append(best[2])
    return centres


def label_clusters(ax: Axes, centroids: np.ndarray, names: list[str], xy: np.ndarray,
                   **text) -> list:
    """Draw ``names`` beside the clusters centred at ``centroids`` (data coordinates) of
    the points ``xy``, each with a leader line to its centre; returns the text artists."""
    fig = ax.figure
    probes = [ax.text(*c, n, ha="center", va="center", in_layout=False, **text) for c, n in
              zip(centroids, names, strict=True)]
    fig.draw_without_rendering()  # the final limits (equal aspect) and text extents
    renderer = fig._get_renderer()
    sizes = np.array([[b.width, b.height] for b in
                      (t.get_window_extent(renderer) for t in probes)]).reshape(-1, 2)
    for t in probes:
        t.remove()
    anchors = ax.transData.transform(np.asarray(centroids, dtype=float).reshape(-1, 2))
    centres = place_labels(anchors, sizes, ax.transData.transform(xy), bounds=ax.bbox.extents)
    where = ax.transData.inverted().transform(centres)
    # out of the layout: a layout engine must not move the axes under the placed labels
    return [ax.annotate(n, xy=c, xytext=p, textcoords="data", ha="center", va="center",
                        annotation_clip=False, in_layout=False, arrowprops={
                            "arrowstyle": "-", "color": "#555555", "lw": 0.6,
                            "shrinkA": 0, "shrinkB": 0}, **text)
            for c, p, n in zip(centroids, where, names, strict=True)]
