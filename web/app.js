// The page of `facenet serve`: plain JavaScript over the /v1 API, no external files.
'use strict';
const $ = (id) => document.getElementById(id);
const state = { collection: null, person: null };

function headers(extra) {
  const h = Object.assign({}, extra || {});
  const key = $('api-key').value || localStorage.getItem('facenet-api-key') || '';
  if (key) h['Authorization'] = 'Bearer ' + key;
  return h;
}

async function api(method, path, body, contentType) {
  const init = { method, headers: headers(contentType ? { 'Content-Type': contentType } : {}) };
  if (body !== undefined) init.body = body;
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = { raw: text }; }
  if (!res.ok) {
    const err = new Error(data && data.error ? data.error.code + ': ' + data.error.message : 'HTTP ' + res.status);
    err.data = data;
    throw err;
  }
  return data;
}

function status(text, bad) {
  $('status').textContent = text;
  $('status').className = bad ? 'bad' : '';
}

function imageBody(file) { return file; }  // raw body: the server reads the format from its bytes

async function draw(canvas, file, faces, labels) {
  const bitmap = await createImageBitmap(file);
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const g = canvas.getContext('2d');
  g.drawImage(bitmap, 0, 0);
  const w = Math.max(2, bitmap.width / 200);
  faces.forEach((f, i) => {
    const b = f.box;
    const known = labels && labels[i] && labels[i] !== 'unknown';
    g.strokeStyle = labels ? (known ? '#1c3' : '#e33') : '#2af';
    g.lineWidth = w;
    g.strokeRect(b.x, b.y, b.width, b.height);
    if (f.landmarks) {
      g.fillStyle = '#fc0';
      f.landmarks.forEach(([x, y]) => { g.beginPath(); g.arc(x, y, w * 1.2, 0, 2 * Math.PI); g.fill(); });
    }
    if (labels && labels[i]) {
      const size = Math.max(12, bitmap.width / 30);
      g.font = `bold ${size}px sans-serif`;
      g.fillStyle = g.strokeStyle;
      g.fillText(labels[i], b.x, Math.max(size, b.y - w * 2));
    }
  });
}

// ---- detect ----
async function detect(file) {
  const r = await api('POST', '/v1/detect', imageBody(file), file.type || 'application/octet-stream');
  await draw($('detect-canvas'), file, r.faces);
  $('detect-result').textContent = `faces: ${r.faces.length}\n` + r.faces.map((f, i) =>
    `#${i + 1} box ${f.box.x.toFixed(0)},${f.box.y.toFixed(0)} ${f.box.width.toFixed(0)}x${f.box.height.toFixed(0)} score ${f.score.toFixed(2)}` +
    (f.landmarks ? ' (5 landmarks)' : '')).join('\n');
  return r;
}

// ---- compare ----
async function compare(a, b) {
  const form = new FormData();
  form.append('a', a, a.name || 'a');
  form.append('b', b, b.name || 'b');
  const r = await api('POST', '/v1/compare', form);
  await draw($('compare-canvas-a'), a, [r.faces[0]]);
  await draw($('compare-canvas-b'), b, [r.faces[1]]);
  $('compare-result').textContent = `${r.same ? 'SAME person' : 'DIFFERENT people'}\nsimilarity ${r.similarity.toFixed(3)}, ` +
    `${r.metric} distance ${r.distance.toFixed(3)} (threshold ${r.threshold})`;
  return r;
}

// ---- collections and people ----
function item(name, onPick, onRename, onDelete, selected) {
  const li = document.createElement('li');
  if (selected) li.className = 'selected';
  const span = document.createElement('span');
  span.className = 'name';
  span.textContent = name;
  span.onclick = onPick;
  const ren = document.createElement('button');
  ren.textContent = 'rename';
  ren.onclick = onRename;
  const del = document.createElement('button');
  del.textContent = 'delete';
  del.onclick = onDelete;
  li.append(span, ren, del);
  return li;
}

async function loadCollections() {
  const r = await api('GET', '/v1/collections');
  const ul = $('collections');
  ul.textContent = '';
  r.collections.forEach((c) => ul.append(item(`${c.name} (${c.persons} people, ${c.faces} faces)${c.model_matches ? '' : ' [other model]'}`,
    () => pickCollection(c),
    async () => { const n = prompt('New name', c.name); if (n) { await api('PATCH', `/v1/collections/${c.id}`, JSON.stringify({ name: n }), 'application/json'); loadCollections(); } },
    async () => { if (confirm(`Delete ${c.name}?`)) { await api('DELETE', `/v1/collections/${c.id}`); if (state.collection && state.collection.id === c.id) pickCollection(null); loadCollections(); } },
    state.collection && state.collection.id === c.id)));
}

function pickCollection(c) {
  state.collection = c;
  state.person = null;
  $('collection-name').textContent = c ? 'in ' + c.name : '';
  $('search-collection').textContent = c ? c.name : 'none: pick one under Collections';
  $('person-name').textContent = '';
  loadCollections();
  loadPersons();
}

async function loadPersons() {
  const ul = $('persons');
  ul.textContent = '';
  if (!state.collection) return;
  const cid = state.collection.id;
  const r = await api('GET', `/v1/collections/${cid}/persons`);
  r.persons.forEach((p) => ul.append(item(`${p.name} (${p.faces} faces)`,
    () => { state.person = p; $('person-name').textContent = p.name; loadPersons(); },
    async () => { const n = prompt('New name', p.name); if (n) { await api('PATCH', `/v1/collections/${cid}/persons/${p.id}`, JSON.stringify({ name: n }), 'application/json'); loadPersons(); } },
    async () => { if (confirm(`Delete ${p.name}?`)) { await api('DELETE', `/v1/collections/${cid}/persons/${p.id}`); loadPersons(); } },
    state.person && state.person.id === p.id)));
}

async function enrol(files) {
  if (!state.collection || !state.person) throw new Error('pick a collection and a person first');
  const form = new FormData();
  Array.from(files).forEach((f, i) => form.append('image' + i, f, f.name || `photo${i}`));
  const ul = $('enrol-result');
  ul.textContent = '';
  let r;
  try {
    r = await api('POST', `/v1/collections/${state.collection.id}/persons/${state.person.id}/faces`, form);
  } catch (e) {
    if (!e.data || !e.data.rejected) throw e;
    r = { accepted: [], rejected: e.data.rejected };
  }
  r.accepted.forEach((a) => { const li = document.createElement('li'); li.className = 'ok'; li.textContent = `${a.image}: enrolled (face ${a.face_id})`; ul.append(li); });
  r.rejected.forEach((a) => { const li = document.createElement('li'); li.className = 'bad'; li.textContent = `${a.image}: ${a.reason} (${a.message})`; ul.append(li); });
  loadPersons();
  loadCollections();
  return r;
}

// ---- search ----
async function search(file) {
  if (!state.collection) throw new Error('pick a collection under Collections first');
  const r = await api('POST', `/v1/collections/${state.collection.id}/search?top_k=3`, imageBody(file), file.type || 'application/octet-stream');
  const labels = r.faces.map((f) => f.label);
  await draw($('search-canvas'), file, r.faces, labels);
  $('search-result').textContent = `faces: ${r.faces.length} (threshold ${r.threshold.toFixed(3)})\n` + r.faces.map((f, i) =>
    `#${i + 1} ${f.label}: ` + f.matches.map((m) => `${m.name} ${m.similarity.toFixed(3)}`).join(', ')).join('\n');
  return r;
}

// ---- wiring ----
function guard(fn) {
  return async (...args) => {
    try { status('…'); await fn(...args); status(''); } catch (e) { status(e.message, true); }
  };
}

document.querySelectorAll('nav button').forEach((b) => b.onclick = () => {
  document.querySelectorAll('nav button').forEach((x) => x.classList.toggle('active', x === b));
  document.querySelectorAll('.tab').forEach((t) => t.classList.toggle('active', t.id === 'tab-' + b.dataset.tab));
});
$('api-key').value = localStorage.getItem('facenet-api-key') || '';
$('api-key').onchange = () => { localStorage.setItem('facenet-api-key', $('api-key').value); init(); };
$('detect-file').onchange = guard(() => detect($('detect-file').files[0]));
$('compare-go').onclick = guard(() => compare($('compare-a').files[0], $('compare-b').files[0]));
$('new-collection').onsubmit = guard(async (e) => {
  e.preventDefault();
  await api('POST', '/v1/collections', JSON.stringify({ name: e.target.name.value }), 'application/json');
  e.target.reset();
  loadCollections();
});
$('new-person').onsubmit = guard(async (e) => {
  e.preventDefault();
  if (!state.collection) throw new Error('pick a collection first');
  await api('POST', `/v1/collections/${state.collection.id}/persons`, JSON.stringify({ name: e.target.name.value }), 'application/json');
  e.target.reset();
  loadPersons();
});
$('enrol-go').onclick = guard(() => enrol($('enrol-files').files));
$('search-file').onchange = guard(() => search($('search-file').files[0]));

async function init() {
  try {
    const m = await api('GET', '/v1/models');
    const x = m.models[0];
    $('model').textContent = `${x.identity.backbone} ${x.identity.embedding_size}-d, ${x.identity.input_size} px, detector ${x.detector}`;
    await loadCollections();
  } catch (e) { status(e.message, true); }
}

// Scripted run for the headless-browser test: /#selftest:<base64 image> detects the photo,
// enrols it as "selftest" in a new collection and searches with it, as a user clicking would;
// the outcome is written to <body data-selftest> and #selftest-result.
async function selftest(b64) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const file = new File([bytes], 'selftest.png', { type: 'image/png' });
  const out = document.createElement('pre');
  out.id = 'selftest-result';
  document.body.append(out);
  try {
    const d = await detect(file);
    const c = await api('POST', '/v1/collections', JSON.stringify({ name: 'selftest-' + Date.now() }), 'application/json');
    pickCollection(c);
    const p = await api('POST', `/v1/collections/${c.id}/persons`, JSON.stringify({ name: 'selftest person' }), 'application/json');
    state.person = p;
    const e = await enrol([file]);
    const s = await search(file);
    out.textContent = `detected ${d.faces.length}; enrolled ${e.accepted.length}; search: ${s.faces.map((f) => f.label).join(', ')}`;
    document.querySelector('nav button[data-tab="search"]').click();  // the result, names drawn
    document.body.dataset.selftest = 'done';
  } catch (err) {
    out.textContent = 'error: ' + err.message;
    document.body.dataset.selftest = 'error';
  }
}

init().then(() => {
  if (location.hash.startsWith('#selftest:')) selftest(location.hash.slice('#selftest:'.length));
});
