"""The co-occurrence network as a picture: a circle layout drawn as SVG by the template.

Entities sit on a circle grouped by kind, their names along the radius (they never overlap) (people, organisations, places), each group by article
count, so the eye finds a kind and its largest names; a node's size follows its articles, an
edge's width the articles the two share. No layout iteration, no JavaScript: the same picture
for the same answer, and drawn in the page's HTML (the CSP forbids inline script). For a
network to explore, the page offers the GEXF download (Gephi, Cytoscape, sigma.js).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from search.cooccurrence import Cooccurrence

MAX_NODES = 40     # more names than this on one circle cannot be read
WIDTH = HEIGHT = 900       # the picture (viewBox units): room for the labels all round
_RADIUS = 250
_KIND_ORDER = {"person": 0, "org": 1, "place": 2}


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    r: float
    label: str
    kind: str
    articles: int
    anchor: str      # the label's text-anchor: start on the right half, end on the left
    lx: float        # the label's position, outside the circle
    ly: float
    rotate: float    # the label's rotation (degrees): along the radius, never upside down


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    count: int
    title: str


@dataclass(frozen=True)
class Picture:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    left_out: int    # entities of the table not drawn (beyond MAX_NODES)


def network_picture(found: Cooccurrence) -> Picture | None:
    """The picture of the table's pairs among its MAX_NODES best-connected entities; None when
    there is no pair."""
    if not found.pairs:
        return None
    degree: dict[tuple[str, str], int] = {}
    for pair in found.pairs:
        degree[pair.a] = degree.get(pair.a, 0) + pair.count
        degree[pair.b] = degree.get(pair.b, 0) + pair.count
    drawn = sorted(degree, key=lambda e: (-degree[e], e))[:MAX_NODES]
    drawn.sort(key=lambda e: (_KIND_ORDER.get(e[0], 3), -found.entities.get(e, 0), e[1]))
    most = max(found.entities.get(e, 1) for e in drawn)
    cx, cy = WIDTH / 2, HEIGHT / 2
    place: dict[tuple[str, str], Node] = {}
    for i, entity in enumerate(drawn):
        angle = 2 * math.pi * i / len(drawn) - math.pi / 2
        cos, sin = math.cos(angle), math.sin(angle)
        articles = found.entities.get(entity, 0)
        radius = 4 + 10 * math.sqrt(articles / most)
        place[entity] = Node(
            x=round(cx + _RADIUS * cos, 1), y=round(cy + _RADIUS * sin, 1), r=round(radius, 1),
            label=entity[1] if len(entity[1]) <= 28 else entity[1][:27] + "…", kind=entity[0], articles=articles,
            anchor="start" if cos >= -1e-9 else "end",
            lx=round(cx + (_RADIUS + radius + 5) * cos, 1), ly=round(cy + (_RADIUS + radius + 5) * sin, 1),
            rotate=round(math.degrees(angle) + (0 if cos >= -1e-9 else 180), 1))
    heaviest = max(p.count for p in found.pairs)
    edges = []
    for pair in found.pairs:
        if pair.a in place and pair.b in place:
            a, b = place[pair.a], place[pair.b]
            edges.append(Edge(a.x, a.y, b.x, b.y, round(0.6 + 5 * pair.count / heaviest, 2), pair.count,
                              f"{pair.a[1]} and {pair.b[1]}: {pair.count} articles"))
    edges.sort(key=lambda e: e.count)  # the heaviest drawn last, on top
    return Picture(list(place.values()), edges, WIDTH, HEIGHT, len(found.entities) - len(drawn))


__all__ = ["network_picture", "Picture", "Node", "Edge", "MAX_NODES"]
