// The Hello app uses only the public SDK (window.mainframe, injected by Mainframe OS).
'use strict';
const mf = window.mainframe;
const $ = (id) => document.getElementById(id);

function show(id, value) {
  $(id).textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}
function fail(id) {
  return (e) => show(id, `Error ${e.code}: ${e.message}`);
}

const actions = {
  identity: () => mf.identity.get().then((i) => show('out-identity', i), fail('out-identity')),
  connect: () => mf.ethereum.request({ method: 'eth_requestAccounts' })
    .then((a) => show('out-ethereum', { accounts: a }), fail('out-ethereum')),
  chain: () => mf.ethereum.request({ method: 'eth_chainId' })
    .then((c) => show('out-ethereum', { chainId: c, decimal: parseInt(c, 16) }), fail('out-ethereum')),
  balance: async () => {
    try {
      const [account] = await mf.ethereum.request({ method: 'eth_accounts' });
      if (!account) return show('out-ethereum', 'Connect the wallet first');
      const wei = await mf.ethereum.request({ method: 'eth_getBalance', params: [account, 'latest'] });
      show('out-ethereum', { account, eth: Number(BigInt(wei)) / 1e18 });
    } catch (e) { fail('out-ethereum')(e); }
  },
  sign: async () => {
    try {
      const [account] = await mf.ethereum.request({ method: 'eth_accounts' });
      if (!account) return show('out-ethereum', 'Connect the wallet first');
      const sig = await mf.ethereum.request({ method: 'personal_sign', params: ['0x68656c6c6f', account] });
      show('out-ethereum', { signature: sig });
    } catch (e) { fail('out-ethereum')(e); }
  },
  save: () => mf.storage.set('note', $('note').value).then(() => show('out-storage', 'Saved.'), fail('out-storage')),
  load: () => mf.storage.get('note').then((v) => show('out-storage', { note: v }), fail('out-storage')),
  file: () => mf.storage.files.write('hello.txt', `Hello at ${new Date().toISOString()}`, 'text/plain')
    .then(() => mf.storage.files.list()).then((l) => show('out-storage', l), fail('out-storage')),
  contacts: () => mf.contacts.select({ multi: true }).then((c) => show('out-contacts', c), fail('out-contacts')),
  pay: async () => {
    try {
      const [contact] = await mf.contacts.select({ multi: false });
      if (!contact) return show('out-payments', 'No contact picked');
      const tx = await mf.payments.payContact({ contact: contact.id, currency: 'ETH', amount: $('amount').value });
      show('out-payments', tx);
    } catch (e) { fail('out-payments')(e); }
  },
  notify: () => mf.notifications.show({ title: 'Hello', body: 'from the Hello app' })
    .then(() => show('out-notifications', 'Shown in the launcher.'), fail('out-notifications')),
};

document.addEventListener('click', (e) => {
  const action = e.target.dataset && e.target.dataset.action;
  if (action && actions[action]) actions[action]();
});

$('api').textContent = mf ? mf.apiVersion : 'none (open this app in Mainframe OS)';
mf.ethereum.on('accountsChanged', (a) => show('out-ethereum', { accountsChanged: a }));
mf.identity.get().then((i) => { $('who').textContent = i.displayName; }, () => { $('who').textContent = 'stranger'; });
mf.storage.get('note').then((v) => { if (v) $('note').value = v; }, () => {});
document.body.dataset.ready = '1';
