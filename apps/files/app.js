// The Files app: an app's own files through the public SDK only (mainframe.files): list, add
// through the launcher's file picker, open (read back and preview), delete, share with a contact
// the user picks (mainframe.contacts.select, then files.share) and list what was shared.
'use strict';
const mf = window.mainframe;
const $ = (id) => document.getElementById(id);
const TEXT_PREVIEW = 64 * 1024;  // characters shown of a text file
const READ_WHOLE = 32 * 1024 * 1024;  // bigger files: only their first piece is read
let previewUrl = null;

function status(text, error) {
  $('status').textContent = text || '';
  $('status').classList.toggle('error', !!error);
}
function failed(e) { status(`Error ${e && e.code != null ? e.code + ': ' : ''}${(e && e.message) || e}`, true); }

function size(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let u = -1;
  do { n /= 1024; u++; } while (n >= 1024 && u < units.length - 1);
  return `${n.toFixed(n < 10 ? 1 : 0)} ${units[u]}`;
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;  // names are data, never markup
  if (cls) td.className = cls;
  return td;
}

function button(label, cls, onClick) {
  const b = document.createElement('button');
  b.textContent = label;
  b.className = cls;
  b.addEventListener('click', onClick);
  return b;
}

async function refresh() {
  const files = await mf.files.list();
  files.sort((a, b) => a.name.localeCompare(b.name));
  const body = $('files');
  body.replaceChildren();
  for (const f of files) {
    const tr = document.createElement('tr');
    tr.dataset.name = f.name;
    tr.append(cell(f.name, 'name'), cell(size(f.size), 'num'), cell(f.mime || '—'),
      cell(new Date(f.addedAt * 1000).toLocaleString()));
    const actions = document.createElement('td');
    actions.className = 'actions';
    actions.append(
      button('Open', 'secondary open', () => open(f).catch(failed)),
      button('Share…', 'secondary share', (ev) => share(f, ev.currentTarget).catch(failed)),
      button('Delete', 'danger delete', (ev) => remove(f, ev.currentTarget).catch(failed)),
    );
    tr.append(actions);
    body.append(tr);
  }
  $('empty').hidden = files.length > 0;
  return files;
}

async function add() {
  $('add').disabled = true;
  try {
    const picked = await mf.files.pick();
    if (!picked) return status('Nothing added.');
    status(`Added ${picked.name} (${size(picked.size)}).`);
    await refresh();
  } finally {
    $('add').disabled = false;
  }
}

async function digest(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (x) => x.toString(16).padStart(2, '0')).join('');
}

function closePreview() {
  $('preview').hidden = true;
  $('preview-image').hidden = true;
  $('preview-text').hidden = true;
  $('preview-image').removeAttribute('src');
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = null;
}

async function head(name) {  // the first piece only: a big file is not read whole into the page
  const r = await mf.files.openRead(name);
  try { return (await r.read()) || new Uint8Array(0); } finally { await r.close(); }
}

async function open(f) {
  status(`Opening ${f.name}…`);
  const whole = f.size <= READ_WHOLE;
  const bytes = whole ? await mf.files.read(f.name) : await head(f.name);
  closePreview();
  $('preview-name').textContent = f.name;
  $('preview-meta').textContent = whole
    ? `${size(bytes.length)} · ${f.mime || 'unknown type'} · SHA-256 ${await digest(bytes)}`
    : `${size(f.size)} · ${f.mime || 'unknown type'} · too big to open here whole: its first ${size(bytes.length)} shown`;
  const mime = f.mime || '';
  if (mime.startsWith('image/') && whole) {
    previewUrl = URL.createObjectURL(new Blob([bytes], { type: mime }));
    $('preview-image').src = previewUrl;
    $('preview-image').hidden = false;
  } else if (mime.startsWith('text/') || /json|xml|javascript/.test(mime)) {
    const text = new TextDecoder().decode(bytes.subarray(0, TEXT_PREVIEW * 4));
    $('preview-text').textContent = text.length > TEXT_PREVIEW ? text.slice(0, TEXT_PREVIEW) + '\n…' : text;
    $('preview-text').hidden = false;
  }
  $('preview').hidden = false;
  status(`Read ${f.name}.`);
}

async function remove(f, btn) {
  if (!btn.classList.contains('confirm')) {  // a second click deletes: nothing goes by accident
    btn.classList.add('confirm');
    btn.textContent = 'Delete for good?';
    setTimeout(() => { btn.classList.remove('confirm'); btn.textContent = 'Delete'; }, 4000);
    return;
  }
  await mf.files.delete(f.name);
  if ($('preview-name').textContent === f.name) closePreview();
  status(`Deleted ${f.name}.`);
  await refresh();
}

const USER_REJECTED = 4001;

async function share(f, btn) {
  btn.disabled = true;
  try {
    let picked;
    try {
      picked = await mf.contacts.select();  // the launcher's contact picker: a per-app id and a name
    } catch (e) {
      if (e && e.code === USER_REJECTED) return status('Not shared.');
      throw e;
    }
    if (!picked.length) return status('Not shared: no contact picked.');
    const to = picked[0];
    try {
      await mf.files.share(f.name, to.id);  // the launcher asks the user to confirm
    } catch (e) {
      if (e && e.code === USER_REJECTED) return status('Not shared.');
      throw e;
    }
    status(`Shared ${f.name} with ${to.displayName}.`);
    await refreshShared();
  } finally {
    btn.disabled = false;
  }
}

async function refreshShared() {
  const shares = await mf.files.shares();
  const body = $('shared');
  body.replaceChildren();
  for (const s of shares) {
    const tr = document.createElement('tr');
    tr.dataset.name = s.name;
    tr.dataset.contact = s.displayName;
    tr.append(cell(s.name, 'name'), cell(size(s.size), 'num'), cell(s.displayName),
      cell(new Date(s.sharedAt * 1000).toLocaleString()), cell(s.revoked ? 'stopped' : 'shared'));
    body.append(tr);
  }
  $('shared-empty').hidden = shares.length > 0;
  return shares;
}

$('add').addEventListener('click', () => add().catch(failed));
$('preview-close').addEventListener('click', closePreview);
Promise.all([refresh(), refreshShared()]).then(() => { document.body.dataset.ready = '1'; }, failed);
