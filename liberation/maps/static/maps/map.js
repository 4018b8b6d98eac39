// The map of the events (/fr/carte/, /en/map/): Leaflet with the site's own base map
// (basemap.json), labelled events clustered on the client (leaflet.markercluster),
// national ceremonies and historical places as other layers. Every request goes to
// the site itself. The popup of an event fetches its details when it opens.
// Data format: docs/map.md. The list under the map gives the same items.
(function () {
  "use strict";
  const element = document.getElementById("map");
  if (!element || !window.L) return;
  const L = window.L;
  const labels = element.dataset;
  const status = document.getElementById("map-status");
  const METROPOLE = [[41.2, -5.3], [51.2, 9.7]];

  const map = L.map(element, {
    zoomSnap: 0.5,
    minZoom: 3,
    maxZoom: 16,
    worldCopyJump: false,
    attributionControl: true,
  });
  map.attributionControl.setPrefix("Leaflet");
  map.fitBounds(METROPOLE);

  function text(tag, value, className) {
    const node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  function icon(className, label) {
    return L.divIcon({
      className: "liberation-marker " + className,
      html: "",
      iconSize: [18, 18],
      iconAnchor: [9, 9],
      popupAnchor: [0, -8],
    });
  }

  fetch(labels.basemapUrl, { credentials: "same-origin" })
    .then((response) => response.json())
    .then((geojson) => {
      L.geoJSON(geojson, {
        interactive: false,
        style: (feature) =>
          feature.properties.france
            ? { color: "#000091", weight: 1, fillColor: "#f5f5fe", fillOpacity: 1 }
            : { color: "#929292", weight: 0.5, fillColor: "#eeeeee", fillOpacity: 1 },
      }).addTo(map).bringToBack();
      map.attributionControl.addAttribution("Natural Earth");
    })
    .catch(() => {});

  function eventPopup(publicId) {
    const box = document.createElement("div");
    box.appendChild(text("p", labels.labelLoading));
    fetch(labels.eventUrl.replace("ID", encodeURIComponent(publicId)), { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((data) => {
        box.replaceChildren();
        box.appendChild(text("p", data.title, "liberation-popup__title"));
        box.appendChild(text("p", [data.kind, data.place].filter(Boolean).join(" — ")));
        if (data.dates.length) {
          const list = document.createElement("ul");
          data.dates.forEach((date) => list.appendChild(text("li", date)));
          box.appendChild(list);
        }
        if (data.url) {
          const link = text("a", labels.labelMore);
          link.href = data.url;
          box.appendChild(link);
        }
      })
      .catch(() => box.replaceChildren(text("p", labels.labelError)));
    return box;
  }

  function staticPopup(kind, title, lines, links) {
    const box = document.createElement("div");
    box.appendChild(text("p", kind, "liberation-popup__kind"));
    box.appendChild(text("p", title, "liberation-popup__title"));
    lines.filter(Boolean).forEach((line) => box.appendChild(text("p", line)));
    if (links.length) {
      const list = document.createElement("ul");
      links.forEach(([label, url]) => {
        const item = document.createElement("li");
        const link = text("a", label);
        link.href = url;
        item.appendChild(link);
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    return box;
  }

  if (status) status.textContent = labels.labelLoading;
  fetch(labels.dataUrl, { credentials: "same-origin" })
    .then((response) => response.json())
    .then((data) => {
      const events = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
      const markers = data.events.map(([lat, lon, kind, id]) => {
        const marker = L.marker([lat, lon], {
          icon: icon("liberation-marker--" + data.kinds[kind]),
          title: data.kinds[kind],
          keyboard: true,
        });
        marker.bindPopup(() => eventPopup(id));
        return marker;
      });
      events.addLayers(markers);
      const ceremonies = L.layerGroup(
        data.ceremonies.map(([lat, lon, title, date, url]) =>
          L.marker([lat, lon], { icon: icon("liberation-marker--national"), title: title }).bindPopup(
            staticPopup(labels.labelCeremony, title, [date], url ? [[title, url]] : [])
          )
        )
      );
      const places = L.layerGroup(
        data.places.map(([lat, lon, name, pages]) =>
          L.marker([lat, lon], { icon: icon("liberation-marker--place"), title: name }).bindPopup(
            staticPopup(labels.labelPlace, name, [], pages)
          )
        )
      );
      const stories = L.layerGroup(
        (data.stories || []).map(([lat, lon, title, place, url]) =>
          L.marker([lat, lon], { icon: icon("liberation-marker--story"), title: title }).bindPopup(
            staticPopup(labels.labelStory, title, [place], [[labels.labelStoryLink, url]])
          )
        )
      );
      events.addTo(map);
      ceremonies.addTo(map);
      places.addTo(map);
      stories.addTo(map);
      const overlays = {};
      overlays[markers.length + " " + labels.labelEvents] = events;
      overlays[labels.labelCeremony] = ceremonies;
      overlays[labels.labelPlace] = places;
      overlays[labels.labelStory] = stories;
      L.control.layers(null, overlays, { collapsed: false }).addTo(map);
      if (status) status.textContent = "";
      element.dataset.ready = String(markers.length);
    })
    .catch(() => {
      if (status) status.textContent = labels.labelError;
    });
})();
