// Messenger: your conversations (1:1 and groups), payments inside a chat, apps shared with a
// contact. Built only on the public SDK (mainframe.messenger, payments, storage, ethereum).
'use strict';
const mf = window.mainframe;
const $ = (id) => document.getElementById(id);
let chats = [];          // [{type, id, name, unread, last, members}]
let current = null;      // the open conversation
let local = [];          // payment bubbles not sent yet (waiting for approval, refused, failed)
const watching = new Set();

function status(text, error) {
  $('status').textContent = text || '';
  $('status').className = error ? 'muted error' : 'muted';
}
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
const target = () => (current.type === 'group' ? { group: current.id } : { contact: current.id });
const when = (t) => new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function snippet(m) {
  if (!m) return 'No messages yet';
  const b = m.body;
  if (b && b.kind === 'payment') return `Payment: ${b.amount} ${b.currency}`;
  if (b && b.kind === 'app-share') return `Shared an app: ${b.name}`;
  return typeof b === 'string' ? b : 'Message';
}

// -- conversation list ---------------------------------------------------------------------------
async function loadChats() {
  const out = await mf.messenger.conversations();
  chats = out.conversations;
  const total = $('total');
  total.hidden = !out.unread;
  total.textContent = String(out.unread);
  if (current) current = chats.find((c) => c.id === current.id) || current;
  renderList();
}

function renderList() {
  const list = $('list');
  list.textContent = '';
  $('nobody').hidden = chats.length > 0;
  for (const c of chats) {
    const li = el('li', current && current.id === c.id ? 'active' : '');
    li.dataset.id = c.id;
    li.appendChild(el('div', c.type === 'group' ? 'avatar group' : 'avatar', (c.name || '?').slice(0, 1).toUpperCase()));
    const who = el('div', 'who');
    who.appendChild(el('div', 'name', c.name));
    who.appendChild(el('div', 'snippet', snippet(c.last)));
    li.appendChild(who);
    if (c.unread) li.appendChild(el('span', 'badge', String(c.unread)));
    li.addEventListener('click', () => open(c));
    list.appendChild(li);
  }
}

// -- one conversation ----------------------------------------------------------------------------
async function open(c) {
  current = c;
  local = [];
  $('chat').hidden = false;
  $('empty').hidden = true;
  $('title').textContent = c.name;
  $('subtitle').textContent = c.type === 'group' ? `Group: you, ${c.members.join(', ')}` : 'End-to-end encrypted';
  $('payOpen').hidden = c.type === 'group';
  $('shareOpen').hidden = c.type === 'group';
  $('payBar').hidden = true;
  $('shareBar').hidden = true;
  status('');
  renderList();
  await renderMessages();
  if (c.unread) { await mf.messenger.markRead(target()); await loadChats(); }
}

// Pushes and clicks may ask for a render while one is building: the chat is built aside and put
// in place only by the latest render, whole.
let renders = 0;
async function renderMessages() {
  if (!current) return;
  const mine = ++renders;
  const rows = await mf.messenger.history({ ...target(), limit: 200 });
  const built = document.createDocumentFragment();
  for (const m of rows) {
    try { built.appendChild(await bubble(m)); } catch (e) { built.appendChild(el('div', 'msg muted', 'A message could not be shown')); }
  }
  for (const p of local) built.appendChild(paymentBubble(p, 'out'));
  if (mine !== renders) return;
  const box = $('messages');
  box.replaceChildren(built);
  box.scrollTop = box.scrollHeight;
}

async function bubble(m) {
  const b = m.body;
  if (b && b.kind === 'payment') {
    const known = m.direction === 'out' ? await mf.storage.get(`tx:${b.txHash}`) : null;
    const p = { ...b, status: known || b.status };
    if (m.direction === 'out' && p.status === 'pending') watch(p.txHash);
    return paymentBubble(p, m.direction, m);
  }
  if (b && b.kind === 'app-share') return shareBubble(b, m, await mf.storage.get(`share:${m.id}`));
  const d = el('div', `msg ${m.direction}`);
  d.dataset.id = m.id;
  if (current.type === 'group' && m.direction === 'in') d.appendChild(el('div', 'from', m.displayName || 'Someone'));
  d.appendChild(el('div', 'text', typeof b === 'string' ? b : JSON.stringify(b)));
  d.appendChild(el('div', 'meta', `${when(m.sentAt)}${m.direction === 'out' ? ` · ${m.state}` : ''}`));
  return d;
}

function paymentBubble(p, direction, m) {
  const d = el('div', `msg ${direction} payment`);
  d.dataset.kind = 'payment';
  if (p.txHash) d.dataset.tx = p.txHash;
  const mine = p.txHash ? 'You paid' : p.status === 'pending' ? 'Paying…' : 'Not paid';
  d.appendChild(el('div', 'muted', direction === 'out' ? mine : `${(m && m.displayName) || 'They'} paid you`));
  d.appendChild(el('div', 'amount', `${p.amount} ${p.currency}`));
  const s = el('span', `status ${p.status}`, p.status);
  s.dataset.status = p.status;
  d.appendChild(s);
  if (p.txHash) {
    const h = el('div', 'hash', `tx ${p.txHash.slice(0, 10)}…${p.txHash.slice(-8)}`);
    h.title = p.txHash;
    d.appendChild(h);
  }
  if (p.error) d.appendChild(el('div', 'muted', p.error));
  return d;
}

function shareBubble(b, m, done) {
  const d = el('div', `msg ${m.direction} share`);
  d.dataset.kind = 'app-share';
  d.appendChild(el('div', 'muted', m.direction === 'out' ? 'You shared an app' : `${m.displayName || 'A contact'} shared an app`));
  d.appendChild(el('h2', '', `${b.name} ${b.version}`));
  d.appendChild(el('div', 'fp', `Developer ${b.developer || 'unknown'} · key ${b.fingerprint}`));
  d.appendChild(el('div', 'perm', `Asks to: ${(b.permissions || []).join(', ') || 'nothing'}`));
  if (m.direction === 'in') {
    const btn = el('button', '', done ? 'Installed' : 'Check and install');
    btn.disabled = !!done;
    btn.addEventListener('click', () => install(m, d, btn));
    d.appendChild(btn);
  }
  return d;
}

async function install(m, d, btn) {
  btn.disabled = true;
  try {
    const info = await mf.messenger.inspectShare(m.id);  // verified like a .mfapp file
    const perms = d.querySelector('.perm');
    perms.textContent = `Verified. Asks to: ${info.permissions.map((p) => p.label.toLowerCase()).join('; ')}`;
    status('Approve the install in Mainframe OS…');
    await mf.messenger.installShared(m.id);
    await mf.storage.set(`share:${m.id}`, 'installed');
    status(`${info.name} is installed: open it from Apps.`);
    await renderMessages();
  } catch (e) {
    btn.disabled = false;
    status(e.code === 4001 ? 'Not installed.' : `Could not install: ${e.message}`, e.code !== 4001);
  }
}

// -- sending -------------------------------------------------------------------------------------
$('composer').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const text = $('text').value.trim();
  if (!text || !current) return;
  $('send').disabled = true;
  try {
    await mf.messenger.send({ ...target(), text });
    $('text').value = '';
    status('');
    await renderMessages();
    await loadChats();
  } catch (e) {
    status(`Not sent: ${e.message}`, true);
  } finally {
    $('send').disabled = false;
  }
});

$('payOpen').addEventListener('click', () => { $('payBar').hidden = !$('payBar').hidden; $('shareBar').hidden = true; });
$('shareOpen').addEventListener('click', async () => {
  $('shareBar').hidden = !$('shareBar').hidden;
  $('payBar').hidden = true;
  const sel = $('apps');
  sel.textContent = '';
  for (const a of await mf.messenger.apps()) {
    const o = el('option', '', a.shareable ? a.name : `${a.name} (comes with Mainframe OS)`);
    o.value = a.id;
    o.disabled = !a.shareable;
    sel.appendChild(o);
  }
});

$('share').addEventListener('click', async () => {
  if (!$('apps').value) return status('No app you installed from a package to share.', true);
  $('share').disabled = true;
  status('Sharing…');
  try {
    const r = await mf.messenger.shareApp(current.id, $('apps').value);
    status(`Shared (${Math.ceil(r.size / 1024)} KiB).`);
    $('shareBar').hidden = true;
    await renderMessages();
  } catch (e) {
    status(`Not shared: ${e.message}`, true);
  } finally {
    $('share').disabled = false;
  }
});

$('pay').addEventListener('click', async () => {
  const amount = $('amount').value.trim();
  const currency = $('currency').value;
  if (!/^\d+(\.\d+)?$/.test(amount) || Number(amount) <= 0) return status('Enter an amount like 0.5', true);
  const contact = current.id;
  const p = { kind: 'payment', amount, currency, status: 'pending' };
  local.push(p);
  $('payBar').hidden = true;
  await refresh();  // a failed render must not stop the payment
  status('Approve the payment in Mainframe OS…');
  try {
    const tx = await mf.payments.payContact({ contact, currency, amount });
    p.txHash = tx.hash || tx.txHash;
    p.status = tx.status === 'confirmed' || tx.status === 'failed' ? tx.status : 'pending';
    await mf.storage.set(`tx:${p.txHash}`, p.status);
    // the notice with the hash goes to the contact; the bubble now comes from the history
    await mf.messenger.send({ contact, payload: { kind: 'payment', txHash: p.txHash, amount, currency, status: p.status } });
    local = local.filter((x) => x !== p);
    status('');
  } catch (e) {
    p.status = e.code === 4001 ? 'cancelled' : 'failed';
    p.error = e.code === 4001 ? 'You did not approve it' : e.message;
    status('');
  }
  if (current && current.id === contact) await refresh();
  await loadChats().catch(() => {});
});

async function refresh() {
  try { await renderMessages(); } catch (e) { status(`Could not show the chat: ${e.message}`, true); }
}

// A payment still pending: follow its receipt until it is mined (or failed).
async function watch(hash) {
  if (!hash || watching.has(hash)) return;
  watching.add(hash);
  for (let i = 0; i < 150; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    const r = await mf.ethereum.request({ method: 'eth_getTransactionReceipt', params: [hash] }).catch(() => null);
    if (r) {
      await mf.storage.set(`tx:${hash}`, r.status === '0x1' ? 'confirmed' : 'failed');
      break;
    }
  }
  watching.delete(hash);
  await renderMessages();
}

// -- a new group ---------------------------------------------------------------------------------
$('groupOpen').addEventListener('click', () => {
  const form = $('groupForm');
  form.hidden = !form.hidden;
  const pick = $('groupPick');
  pick.textContent = '';
  for (const c of chats.filter((x) => x.type === 'contact')) {
    const label = el('label');
    const box = el('input');
    box.type = 'checkbox';
    box.value = c.id;
    label.appendChild(box);
    label.appendChild(el('span', '', c.name));
    pick.appendChild(label);
  }
});

$('groupForm').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const ids = Array.from(document.querySelectorAll('#groupPick input:checked')).map((b) => b.value);
  const name = $('groupName').value.trim();
  if (!name || !ids.length) return;
  try {
    const g = await mf.messenger.createGroup(name, ids);
    $('groupForm').hidden = true;
    $('groupName').value = '';
    await loadChats();
    await open(chats.find((c) => c.id === g.id) || { type: 'group', id: g.id, name: g.name, members: [], unread: 0 });
  } catch (e) {
    status(`No group: ${e.message}`, true);
  }
});

// -- pushed by Mainframe OS ----------------------------------------------------------------------
async function onPush(ev) {
  if (ev.type === 'message') {
    const m = ev.message;
    const here = current && (current.type === 'group' ? m.groupId === current.id : !m.groupId && m.contactId === current.id);
    if (here) {
      await renderMessages();
      if (m.direction === 'in' && document.visibilityState === 'visible') await mf.messenger.markRead(target());
    }
  } else if (ev.type === 'state' && current) {
    await renderMessages();
  }
  await loadChats();
}

async function start() {
  await mf.messenger.subscribe((ev) => { onPush(ev).catch((e) => status(e.message, true)); });
  await loadChats();
  document.body.dataset.ready = '1';
}
start().catch((e) => { status(e.message, true); document.body.dataset.ready = '1'; });
