// Gate check-in app (see docs/checkin.md).
//
// Before the gates open, with the network: download the ceremony's public key, the
// signed attendee list and the signed revocation list into IndexedDB. Then, with or
// without network: read a badge (camera or typed code), verify it here (Ed25519
// signature, revocation list, attendee list, entries already seen), show the verdict
// full screen, and queue the scan with a random nonce. Queued scans are sent when the
// network is back; the server answers each one idempotently (same nonce, same answer).
// When online, a scan is sent at once and the server's answer is the one shown.

const config = JSON.parse(document.getElementById("checkin-config").textContent);
const S = config.strings;
const CEREMONY = config.ceremony;
const BADGE_PREFIX = "LB1:";
const encoder = new TextEncoder();
const BADGE_CONTEXT = encoder.encode("liberation/badge/v1\n");
// Badges of another source (gate/sources.py, e.g. press): their own signing context.
const contextOf = (kind) => (kind ? encoder.encode(`liberation/badge/${kind}/v1\n`) : BADGE_CONTEXT);
const LIST_CONTEXT = encoder.encode("liberation/gate-list/v1\n");
const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const SEND_TIMEOUT_MS = 4000;

const $ = (id) => document.getElementById(id);
const fmt = (template, values) =>
  template.replace(/%\((\w+)\)[sd]/g, (_m, key) => String(values[key] ?? ""));
const timeFormat = new Intl.DateTimeFormat(config.language, {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: config.timeZone,
});
const hhmm = (iso) => (iso ? timeFormat.format(new Date(iso)) : "");
const seatsText = (n) => fmt(n === 1 ? S.seats_one : S.seats_many, { seats: n });

// --- Encodings ------------------------------------------------------------------------

const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

export function b45decode(text) {
  const values = Array.from(text, (c) => {
    const v = B45.indexOf(c);
    if (v < 0) throw new Error("not base45");
    return v;
  });
  if (values.length % 3 === 1) throw new Error("bad base45 length");
  const out = [];
  for (let i = 0; i < values.length; i += 3) {
    if (i + 2 < values.length) {
      const n = values[i] + values[i + 1] * 45 + values[i + 2] * 2025;
      if (n > 0xffff) throw new Error("bad base45");
      out.push(n >> 8, n & 0xff);
    } else {
      const n = values[i] + values[i + 1] * 45;
      if (n > 0xff) throw new Error("bad base45");
      out.push(n);
    }
  }
  return new Uint8Array(out);
}

function b64urlDecode(text) {
  let s = text.replace(/-/g, "+").replace(/_/g, "/");
  while (s.length % 4) s += "=";
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function newNonce() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// --- Ed25519: WebCrypto where the browser has it, else the vendored @noble/ed25519 ----

let webCryptoEd25519 = null; // unknown until tried
let noble = null;

async function ed25519Verify(publicKey, signature, message) {
  if (webCryptoEd25519 !== false) {
    try {
      const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, [
        "verify",
      ]);
      webCryptoEd25519 = true;
      return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
    } catch (error) {
      if (webCryptoEd25519) return false; // supported, but this key or signature is bad
      webCryptoEd25519 = false;
    }
  }
  noble = noble || (await import(config.urls.noble));
  try {
    return await noble.verifyAsync(signature, message, publicKey, { zip215: false });
  } catch (error) {
    return false;
  }
}

// --- IndexedDB --------------------------------------------------------------------------

let dbPromise = null;

function db() {
  dbPromise =
    dbPromise ||
    new Promise((resolve, reject) => {
      const request = indexedDB.open("liberation-checkin", 1);
      request.onupgradeneeded = () => {
        const database = request.result;
        database.createObjectStore("lists", { keyPath: "ceremony" });
        database.createObjectStore("scans", { keyPath: "nonce" }).createIndex("ceremony", "ceremony");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  return dbPromise;
}

async function store(name, mode, action) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(name, mode);
    const request = action(transaction.objectStore(name));
    transaction.oncomplete = () => resolve(request ? request.result : undefined);
    transaction.onerror = () => reject(transaction.error);
  });
}

const dbGet = (name, key) => store(name, "readonly", (s) => s.get(key));
const dbPut = (name, value) => store(name, "readwrite", (s) => s.put(value));
const scansOfCeremony = () =>
  store("scans", "readonly", (s) => s.index("ceremony").getAll(CEREMONY));

// --- Lists --------------------------------------------------------------------------------

let lists = null; // {publicKey, attendees, checkedIn, revoked, issuedAt, sources, revokedSources}
const seen = new Map(); // key (reference, or kind:reference) → {at, gate}: entries known here
const seenKey = (kind, reference) => (kind ? `${kind}:${reference}` : reference);

async function verifyEnvelope(publicKey, envelope) {
  const ok = await ed25519Verify(
    publicKey,
    b64urlDecode(envelope.signature),
    concat(LIST_CONTEXT, encoder.encode(envelope.document))
  );
  return ok ? JSON.parse(envelope.document) : null;
}

async function loadLists(data) {
  const publicKey = b64urlDecode(data.public_key);
  const attendees = await verifyEnvelope(publicKey, data.attendees);
  const revocations = await verifyEnvelope(publicKey, data.revocations);
  if (!attendees || !revocations || attendees.ceremony !== CEREMONY || revocations.ceremony !== CEREMONY) {
    return null;
  }
  return {
    publicKey,
    attendees: attendees.attendees,
    checkedIn: attendees.checked_in,
    revoked: new Set(revocations.references),
    issuedAt: attendees.issued_at,
    // Other sources' badges (press…): kind → {label, prefix, entries, checked_in}.
    sources: attendees.sources || {},
    revokedSources: Object.fromEntries(
      Object.entries(revocations.sources || {}).map(([kind, refs]) => [kind, new Set(refs)])
    ),
  };
}

function showLists(message) {
  if (message) {
    $("lists-status").textContent = message;
  } else if (lists) {
    $("lists-status").textContent = fmt(S.lists_loaded, {
      time: hhmm(lists.issuedAt),
      attendees:
        Object.keys(lists.attendees).length +
        Object.values(lists.sources).reduce((n, source) => n + Object.keys(source.entries).length, 0),
      revoked: Object.values(lists.revokedSources).reduce((n, refs) => n + refs.size, lists.revoked.size),
    });
  } else {
    $("lists-status").textContent = S.lists_none;
  }
}

class SessionExpired extends Error {
  constructor() {
    super("session expired");
    document.getElementById("login").hidden = false; // the scans stay queued meanwhile
  }
}

function expectJson(response) {
  const type = response.headers.get("Content-Type") || "";
  if (response.redirected || response.status === 401 || response.status === 403 || !type.includes("json")) {
    throw new SessionExpired();
  }
  if (!response.ok) throw new Error(String(response.status));
  return response.json();
}

async function downloadLists() {
  try {
    const response = await fetch(config.urls.data, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    const data = await expectJson(response);
    const loaded = await loadLists(data);
    if (!loaded) return showLists(S.lists_bad);
    await dbPut("lists", { ceremony: CEREMONY, data });
    lists = loaded;
    showLists();
  } catch (error) {
    showLists(error instanceof SessionExpired ? S.session_expired : fmt(S.download_failed, { error: error.message }));
  }
}

// --- Verification, on this device ---------------------------------------------------------

function refused(reason, extra = {}) {
  return { status: "refused", reason, message: S["reason_" + reason] || S.refused, ...extra };
}

function alreadyMessage(at, gate) {
  return gate ? fmt(S.already, { time: hhmm(at), gate }) : fmt(S.already_no_gate, { time: hhmm(at) });
}

function splitTypedCode(text) {
  // [kind, reference, check]: kind "" for an attendee, else the source whose prefix starts it.
  const cleaned = Array.from(text.toUpperCase()).filter((c) => /[A-Z0-9]/.test(c)).join("");
  for (const [kind, source] of Object.entries(lists.sources)) {
    if (source.prefix && cleaned.startsWith(source.prefix)) {
      const parts = splitCode(cleaned.slice(source.prefix.length));
      if (parts) return [kind, ...parts];
    }
  }
  const parts = splitCode(cleaned);
  return parts ? ["", ...parts] : null;
}

function splitCode(cleaned) {
  if (cleaned.length !== 12 || Array.from(cleaned).some((c) => !CODE_ALPHABET.includes(c))) return null;
  return [cleaned.slice(0, 8), cleaned.slice(8)];
}

function sameNames(a, b) {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

export async function verifyLocally(input) {
  if (!lists) return refused("no_data", { message: S.no_data });
  const text = input.trim();
  let reference;
  let kind = "";
  let fromBadge = null;
  if (text.toUpperCase().startsWith(BADGE_PREFIX)) {
    let payload;
    let message;
    let signature;
    try {
      const raw = b45decode(text.slice(BADGE_PREFIX.length));
      if (raw.length <= 64) throw new Error("short");
      message = raw.slice(0, -64);
      signature = raw.slice(-64);
      payload = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(message));
      const [version, , ref, seats, issued, names, ...rest] = payload;
      if (version !== 1 || typeof ref !== "string" || !Number.isInteger(seats) || !Number.isInteger(issued) || !Array.isArray(names)) {
        throw new Error("shape");
      }
      if (rest.length > 1 || (rest.length === 1 && !Object.hasOwn(lists.sources, rest[0]))) {
        throw new Error("kind");
      }
      kind = rest.length ? rest[0] : "";
    } catch (error) {
      return refused("malformed");
    }
    if (payload[1] !== CEREMONY) return refused("wrong_ceremony");
    if (!(await ed25519Verify(lists.publicKey, signature, concat(contextOf(kind), message)))) {
      return refused("bad_signature");
    }
    reference = payload[2];
    fromBadge = { seats: payload[3], names: payload[5] };
  } else {
    const parts = splitTypedCode(text);
    if (!parts) return refused("malformed");
    [kind, reference] = parts;
    const entry = (kind ? lists.sources[kind].entries : lists.attendees)[reference];
    if ((kind ? lists.revokedSources[kind] : lists.revoked)?.has(reference)) return refused("revoked", { reference });
    if (!entry) return refused("unknown", { reference });
    if (entry.code !== parts[2]) return refused("bad_code", { reference });
  }
  const source = kind ? lists.sources[kind] : null;
  const shown = source ? { kind, label: source.label } : {};
  if ((source ? lists.revokedSources[kind] : lists.revoked)?.has(reference)) {
    return refused("revoked", { reference, ...shown });
  }
  const entry = (source ? source.entries : lists.attendees)[reference];
  if (!entry) {
    // Signed by this ceremony's key, yet absent: confirmed after the download?
    return { status: "unlisted", reason: "not_listed", reference, names: fromBadge.names, seats: fromBadge.seats, ...shown };
  }
  if (source) shown.detail = entry.detail || "";
  if (fromBadge && (fromBadge.seats !== entry.seats || !sameNames(fromBadge.names, entry.names))) {
    return refused("superseded", { reference });
  }
  const known = seen.get(seenKey(kind, reference)) || (source ? source.checked_in : lists.checkedIn)[reference];
  if (known) {
    return {
      status: "already",
      reference,
      names: entry.names,
      seats: entry.seats,
      message: alreadyMessage(known.at, known.gate),
      ...shown,
    };
  }
  return { status: "accepted", reference, names: entry.names, seats: entry.seats, ...shown };
}

// --- Sending --------------------------------------------------------------------------------

function csrfToken() {
  const name = config.csrfCookie + "=";
  const cookie = document.cookie.split("; ").find((c) => c.startsWith(name));
  return cookie ? decodeURIComponent(cookie.slice(name.length)) : config.csrfToken;
}

async function post(scans, timeoutMs) {
  const controller = new AbortController();
  const timer = timeoutMs ? setTimeout(() => controller.abort(), timeoutMs) : null;
  try {
    const response = await fetch(config.urls.scans, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({
        scans: scans.map((s) => ({ nonce: s.nonce, token: s.token, gate: s.gate, scanned_at: s.scanned_at })),
      }),
      signal: controller.signal,
    });
    const data = await expectJson(response);
    return data.results;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function record(scans, results) {
  const byNonce = new Map(scans.map((s) => [s.nonce, s]));
  for (const result of results) {
    const scan = byNonce.get(result.nonce);
    if (!scan) continue;
    scan.synced = true;
    scan.server = result;
    await dbPut("scans", scan);
    const key = seenKey(scan.kind, scan.reference);
    if (result.status === "accepted" || result.status === "already") {
      seen.set(key, { at: result.checked_in_at, gate: result.gate });
    } else if (seen.get(key)?.at === scan.scanned_at) {
      seen.delete(key); // the server refused what this device let in
    }
  }
}

let sending = false;

async function sendPending() {
  if (sending || !navigator.onLine) return;
  sending = true;
  try {
    const pending = (await scansOfCeremony()).filter((s) => !s.synced);
    for (let i = 0; i < pending.length; i += 200) {
      const batch = pending.slice(i, i + 200);
      await record(batch, await post(batch));
    }
    await showQueue();
  } catch (error) {
    await showQueue(error instanceof SessionExpired ? S.session_expired : S.sync_failed);
  } finally {
    sending = false;
  }
}

async function showQueue(message) {
  const scans = await scansOfCeremony();
  const pending = scans.filter((s) => !s.synced).length;
  $("queue-status").textContent =
    message || (pending ? fmt(S.pending, { count: pending }) : S.pending_none);
  $("queue-status").dataset.pending = String(pending);
  const history = $("history");
  history.replaceChildren();
  scans
    .sort((a, b) => b.scanned_at.localeCompare(a.scanned_at))
    .slice(0, 10)
    .forEach((scan) => {
      const item = document.createElement("li");
      const answer = scan.server ? scan.server.message : S.queued;
      const ok = scan.server ? scan.server.status === "accepted" : true;
      item.className = ok ? "is-ok" : "is-ko";
      item.textContent = `${hhmm(scan.scanned_at)} · ${scan.reference} · ${(scan.names || []).join(", ")} — ${answer}`;
      history.append(item);
    });
}

// --- A scan, from reading to verdict ----------------------------------------------------------

let busy = false;

export async function check(input) {
  if (busy || !input.trim()) return null;
  busy = true;
  try {
    const verdict = await verifyLocally(input);
    if (verdict.status !== "accepted" && verdict.status !== "unlisted") {
      show(verdict);
      return verdict;
    }
    const scan = {
      nonce: newNonce(),
      ceremony: CEREMONY,
      token: input.trim(),
      reference: verdict.reference,
      kind: verdict.kind || "",
      names: verdict.names,
      gate: $("gate").value.trim(),
      scanned_at: new Date().toISOString(),
      synced: false,
      server: null,
    };
    if (verdict.status === "accepted") {
      // Kept before anything else: a crash or a closed tab must not lose an entry.
      await dbPut("scans", scan);
      seen.set(seenKey(scan.kind, scan.reference), { at: scan.scanned_at, gate: scan.gate });
    }
    if (navigator.onLine) {
      try {
        const [result] = await post([scan], SEND_TIMEOUT_MS);
        await record([scan], [result]);
        const answer = { ...result, note: S.synced };
        show(answer);
        await showQueue();
        return answer;
      } catch (error) {
        // No answer in time: the verdict of this device stands, the scan stays queued.
      }
    }
    const answer =
      verdict.status === "unlisted"
        ? refused("not_listed", { reference: verdict.reference, kind: verdict.kind, label: verdict.label })
        : { ...verdict, note: S.queued };
    show(answer);
    await showQueue();
    return answer;
  } finally {
    busy = false;
  }
}

function show(answer) {
  const box = $("result");
  const ok = answer.status === "accepted";
  box.classList.toggle("is-ok", ok);
  box.dataset.status = answer.status;
  $("result-title").textContent =
    ok ? S.accepted : answer.status === "already" ? S.already_title : S.refused;
  $("result-message").textContent = answer.message || "";
  // Another source's badge (e.g. PRESS) and its detail (e.g. the pool), in large type.
  $("result-label").textContent = answer.label || "";
  $("result-label").hidden = !answer.label;
  $("result-detail").textContent = ok || answer.status === "already" ? answer.detail || "" : "";
  $("result-names").replaceChildren(
    ...(ok || answer.status === "already" ? answer.names || [] : []).map((name) => {
      const item = document.createElement("li");
      item.textContent = name;
      return item;
    })
  );
  $("result-seats").textContent = ok && answer.seats ? seatsText(answer.seats) : "";
  $("result-note").textContent = answer.note || "";
  $("content").inert = true;
  box.hidden = false;
  $("result-close").focus();
}

function closeResult() {
  $("result").hidden = true;
  $("content").inert = false;
  if (!camera.stream) $("code").focus();
}

// --- Camera -----------------------------------------------------------------------------------

const camera = { stream: null, timer: null, detector: null, last: "", lastAt: 0 };

async function startCamera() {
  const status = $("camera-status");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    status.textContent = S.camera_unsupported;
    return;
  }
  try {
    camera.stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" } },
      audio: false,
    });
  } catch (error) {
    status.textContent = fmt(S.camera_failed, { error: error.name || error.message });
    return;
  }
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) camera.detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (error) {
      camera.detector = null;
    }
  }
  const video = $("video");
  video.srcObject = camera.stream;
  $("camera-box").hidden = false;
  await video.play();
  setCameraButton(true);
  status.textContent = "";
  camera.timer = setInterval(readFrame, 200);
}

function stopCamera() {
  clearInterval(camera.timer);
  if (camera.stream) camera.stream.getTracks().forEach((track) => track.stop());
  camera.stream = null;
  $("camera-box").hidden = true;
  setCameraButton(false);
}

function setCameraButton(on) {
  const button = $("camera");
  button.setAttribute("aria-pressed", String(on));
  button.textContent = on ? button.dataset.labelStop : button.dataset.labelStart;
}

const canvas = document.createElement("canvas");
let reading = false;

async function readFrame() {
  const video = $("video");
  if (reading || busy || !$("result").hidden || video.readyState < 2) return;
  reading = true;
  try {
    let text = null;
    if (camera.detector) {
      const codes = await camera.detector.detect(video);
      text = codes.length ? codes[0].rawValue : null;
    } else if (window.jsQR) {
      const scale = Math.min(1, 800 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      const context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      text = code ? code.data : null;
    }
    // The same badge still in front of the camera right after its verdict is not a new scan.
    if (text && !(text === camera.last && Date.now() - camera.lastAt < 4000)) {
      camera.last = text;
      camera.lastAt = Date.now();
      await check(text);
    } else if (text) {
      camera.lastAt = Date.now();
    }
  } finally {
    reading = false;
  }
}

// --- Start --------------------------------------------------------------------------------------

function showNetwork() {
  const badge = $("network");
  badge.textContent = navigator.onLine ? S.online : S.offline;
  badge.classList.toggle("fr-badge--success", navigator.onLine);
  badge.classList.toggle("fr-badge--warning", !navigator.onLine);
}

async function start() {
  const gate = $("gate");
  gate.value = localStorage.getItem("liberation-checkin-gate") || "";
  gate.addEventListener("change", () => localStorage.setItem("liberation-checkin-gate", gate.value.trim()));
  $("code-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("code");
    const value = input.value;
    if (await check(value)) input.value = "";
  });
  $("result-close").addEventListener("click", closeResult);
  $("result").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeResult();
  });
  $("camera").addEventListener("click", () => (camera.stream ? stopCamera() : startCamera()));
  $("download").addEventListener("click", downloadLists);
  $("sync").addEventListener("click", sendPending);
  window.addEventListener("online", () => {
    showNetwork();
    sendPending();
  });
  window.addEventListener("offline", showNetwork);
  showNetwork();

  const stored = await dbGet("lists", CEREMONY);
  if (stored) {
    lists = await loadLists(stored.data);
    showLists(lists ? null : S.lists_bad);
  } else {
    showLists();
  }
  for (const scan of await scansOfCeremony()) {
    const result = scan.server;
    const key = seenKey(scan.kind, scan.reference);
    if (!result) seen.set(key, { at: scan.scanned_at, gate: scan.gate });
    else if (result.status === "accepted" || result.status === "already") {
      seen.set(key, { at: result.checked_in_at, gate: result.gate });
    }
  }
  await showQueue();
  if (navigator.onLine) {
    await downloadLists();
    sendPending();
  }
  setInterval(sendPending, 30000);

  if ("serviceWorker" in navigator) {
    try {
      await navigator.serviceWorker.register(config.urls.serviceWorker, { scope: config.urls.scope });
      await navigator.serviceWorker.ready;
      // The first visit is not yet controlled by the worker: keep this page for offline use.
      if (navigator.onLine) {
        const cache = await caches.open("liberation-checkin-pages");
        await cache.add(new Request(location.href, { credentials: "same-origin" }));
      }
    } catch (error) {
      // Without a service worker the app still works while this tab stays open.
    }
  }
  document.documentElement.dataset.checkinReady = "true";
}

start();
