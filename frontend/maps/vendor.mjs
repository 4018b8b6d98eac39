// Copy the map's browser libraries from node_modules into
// liberation/maps/static/maps/vendor/, where Django serves them (no CDN at run time), and
// build the base map (France and its neighbours from Natural Earth via world-atlas) as a
// compact GeoJSON file. Run after `npm ci`: `npm run vendor` (see docs/map.md).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { feature } from "topojson-client";

const here = dirname(fileURLToPath(import.meta.url));
const statics = join(here, "..", "..", "liberation", "maps", "static", "maps");
const target = join(statics, "vendor");
const files = [
  ["leaflet/dist/leaflet.js", "leaflet.js"],
  ["leaflet/dist/leaflet.css", "leaflet.css"],
  ["leaflet/dist/images/layers.png", "images/layers.png"],
  ["leaflet/dist/images/layers-2x.png", "images/layers-2x.png"],
  ["leaflet/dist/images/marker-icon.png", "images/marker-icon.png"],
  ["leaflet/dist/images/marker-icon-2x.png", "images/marker-icon-2x.png"],
  ["leaflet/dist/images/marker-shadow.png", "images/marker-shadow.png"],
  ["leaflet/LICENSE", "leaflet.LICENSE.txt"],
  ["leaflet.markercluster/dist/leaflet.markercluster.js", "leaflet.markercluster.js"],
  ["leaflet.markercluster/dist/MarkerCluster.css", "MarkerCluster.css"],
  ["leaflet.markercluster/dist/MarkerCluster.Default.css", "MarkerCluster.Default.css"],
  ["leaflet.markercluster/MIT-LICENCE.txt", "leaflet.markercluster.LICENSE.txt"],
  ["world-atlas/LICENSE", "world-atlas.LICENSE.txt"],
];

mkdirSync(join(target, "images"), { recursive: true });
const versions = {};
for (const [source, name] of files) {
  const path = join(here, "node_modules", source);
  if (name.endsWith(".js") || name.endsWith(".css")) {
    // Source maps are not shipped: a dangling sourceMappingURL would make Django's
    // manifest storage (collectstatic) fail.
    const text = readFileSync(path, "utf8")
      .replace(/^\/\/# sourceMappingURL=.*$/gm, "")
      .replace(/\/\*# sourceMappingURL=.*?\*\//g, "");
    writeFileSync(join(target, name), text);
  } else {
    copyFileSync(path, join(target, name));
  }
  const pkg = source.split("/")[0];
  versions[pkg] = JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"))).version;
}
writeFileSync(join(target, "VERSIONS.json"), JSON.stringify(versions, null, 2) + "\n");

// The base map: France (ISO 3166 numeric 250, with its overseas départements) drawn in
// full, the neighbours around metropolitan France in grey. Natural Earth 1:10m, rounded
// to 0.01° (about 1 km), which is finer than the screen at the zoom levels offered.
const FRANCE = "250";
const NEIGHBOURS = new Set(["056", "442", "276", "756", "380", "724", "020", "492", "826", "372", "528"]);
const BOX = [-6.5, 40.5, 11, 52.5]; // west, south, east, north: around metropolitan France
const atlas = JSON.parse(readFileSync(join(here, "node_modules", "world-atlas", "countries-10m.json")));
const countries = feature(atlas, atlas.objects.countries).features;
const round = (value) => Math.round(value * 100) / 100;
function roundRing(ring) {
  const out = [];
  for (const [x, y] of ring) {
    const point = [round(x), round(y)];
    const last = out[out.length - 1];
    if (!last || last[0] !== point[0] || last[1] !== point[1]) out.push(point);
  }
  return out;
}
function polygons(geometry) {
  return geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
}
function inBox(polygon) {
  return polygon[0].some(([x, y]) => x >= BOX[0] && x <= BOX[2] && y >= BOX[1] && y <= BOX[3]);
}
const features = [];
for (const country of countries) {
  const isFrance = country.id === FRANCE;
  if (!isFrance && !NEIGHBOURS.has(country.id)) continue;
  const kept = polygons(country.geometry)
    .filter((polygon) => isFrance || inBox(polygon))
    .map((polygon) => polygon.map(roundRing).filter((ring) => ring.length >= 4));
  if (!kept.length) continue;
  features.push({
    type: "Feature",
    properties: { id: country.id, name: country.properties.name, france: isFrance ? 1 : 0 },
    geometry: { type: "MultiPolygon", coordinates: kept },
  });
}
const base = { type: "FeatureCollection", features };
writeFileSync(join(statics, "basemap.json"), JSON.stringify(base) + "\n");
console.log(`copied ${files.length} files to ${target}`, versions, `basemap: ${features.length} features`);
