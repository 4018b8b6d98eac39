// The Liberation day by day: a labelled range input chooses the day; the map shows the
// places liberated by then (green) and on that day (red), and the list under the map
// (an aria-live region) names that day's liberations. Without JavaScript, the date
// field and its button do the same through the server.
(function () {
  "use strict";
  const slider = document.getElementById("day-slider");
  const element = document.getElementById("day-map");
  const dataNode = document.getElementById("liberation-dataset");
  if (!slider || !element || !dataNode) return;
  const rows = JSON.parse(dataNode.textContent);
  const dateField = document.getElementById("day-date");
  const title = document.getElementById("day-title");
  const count = document.getElementById("day-count");
  const list = document.getElementById("day-places");
  const language = element.dataset.language === "en" ? "en-GB" : "fr-FR";
  const format = new Intl.DateTimeFormat(language, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  const first = Date.parse(slider.dataset.first + "T00:00:00Z");
  const DAY = 86400000;
  document.getElementById("day-slider-group").hidden = false;

  const iso = (index) => new Date(first + index * DAY).toISOString().slice(0, 10);
  const label = (isoDate) => format.format(new Date(isoDate + "T00:00:00Z"));

  let map = null;
  let markers = [];
  if (window.L) {
    const L = window.L;
    map = L.map(element, { zoomSnap: 0.5, minZoom: 3, maxZoom: 12 });
    map.attributionControl.setPrefix("Leaflet");
    map.fitBounds([[41.2, -5.3], [51.2, 9.7]]);
    fetch(element.dataset.basemapUrl, { credentials: "same-origin" })
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
    markers = rows.map(([key, place, date, lat, lon]) => {
      const marker = L.marker([lat, lon], {
        icon: L.divIcon({ className: "liberation-marker", iconSize: [14, 14] }),
        title: place + " — " + label(date),
        keyboard: false,
      });
      return { marker, date };
    });
  }

  function show(index) {
    const day = iso(index);
    const text = label(day);
    slider.setAttribute("aria-valuetext", text);
    dateField.value = day;
    title.textContent = text;
    const today = rows.filter((row) => row[2] === day);
    const done = rows.filter((row) => row[2] <= day).length;
    const template = document.getElementById(done === 1 ? "day-count-one" : "day-count-many");
    count.textContent = template.content.textContent.replace("N", String(done));
    list.replaceChildren();
    if (!today.length) {
      const item = document.createElement("li");
      item.textContent = document.getElementById("day-empty").content.textContent;
      list.appendChild(item);
    }
    today.forEach((row) => {
      const item = document.createElement("li");
      item.textContent = row[1] + " (" + row[5] + ")";
      list.appendChild(item);
    });
    if (map) {
      markers.forEach(({ marker, date }) => {
        if (date > day) {
          marker.remove();
          return;
        }
        marker.setIcon(
          window.L.divIcon({
            className: "liberation-marker " + (date === day ? "liberation-marker--today" : "liberation-marker--liberated"),
            iconSize: date === day ? [18, 18] : [12, 12],
          })
        );
        marker.addTo(map);
      });
    }
    const url = new URL(window.location.href);
    url.searchParams.set("date", day);
    window.history.replaceState(null, "", url);
  }

  slider.addEventListener("input", () => show(Number(slider.value)));
  show(Number(slider.value));
})();
