// Payments: pick a contact, pay in ETH/MFT/DAI (the launcher asks you to approve), keep a history.
'use strict';
const mf = window.mainframe;
const $ = (id) => document.getElementById(id);
let contact = null;

function status(text, error) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
}

async function history() {
  return (await mf.storage.get('history')) || [];
}

async function render() {
  const rows = await history();
  const body = $('history');
  body.textContent = '';
  if (!rows.length) {
    const tr = body.insertRow();
    const td = tr.insertCell();
    td.colSpan = 4; td.className = 'empty'; td.textContent = 'No payments yet.';
    return;
  }
  for (const p of rows.slice().reverse()) {
    const tr = body.insertRow();
    tr.insertCell().textContent = new Date(p.at).toLocaleString();
    tr.insertCell().textContent = p.to;
    tr.insertCell().textContent = `${p.amount} ${p.currency}`;
    const h = tr.insertCell(); h.className = 'hash';
    h.textContent = p.hash ? `${p.hash.slice(0, 10)}…` : p.status || '';
  }
}

$('pick').addEventListener('click', async () => {
  try {
    const [c] = await mf.contacts.select({ multi: false });
    if (c) { contact = c; $('contact').textContent = c.displayName; $('pay').disabled = false; }
  } catch (e) { status(`Could not pick a contact: ${e.message}`, true); }
});

$('pay').addEventListener('click', async () => {
  if (!contact) return;
  const amount = $('amount').value.trim();
  const currency = $('currency').value;
  if (!/^\d+(\.\d+)?$/.test(amount) || Number(amount) <= 0) return status('Enter an amount like 0.5', true);
  $('pay').disabled = true;
  status('Waiting for your approval in Mainframe OS…');
  try {
    const tx = await mf.payments.payContact({ contact: contact.id, currency, amount });
    const rows = await history();
    rows.push({ at: Date.now(), to: contact.displayName, amount, currency, hash: tx.hash || tx.txHash || null,
                status: tx.status || 'sent' });
    await mf.storage.set('history', rows.slice(-200));
    status(`Paid ${amount} ${currency} to ${contact.displayName}.`);
    mf.notifications.show({ title: 'Payment sent', body: `${amount} ${currency} to ${contact.displayName}` }).catch(() => {});
    await render();
  } catch (e) {
    status(e.code === 4001 ? 'Payment cancelled.' : `Payment failed: ${e.message}`, e.code !== 4001);
  } finally {
    $('pay').disabled = false;
  }
});

render().catch((e) => status(e.message, true));
document.body.dataset.ready = '1';
