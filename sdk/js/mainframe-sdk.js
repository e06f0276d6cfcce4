/*
 * Mainframe OS SDK, injected into every app page by the app host (it is not loaded by the app).
 *
 * This file is one function expression: the host calls it at document creation, before any
 * page script runs, as   (<this file>)(CONFIG, transport, QWebChannel)
 * where CONFIG = {apiVersion, methods: [{name, access, params}], appId, uuid, maxMessage, rate} comes from the
 * node's method registry, `transport` is Qt's window.qt.webChannelTransport (frozen once hooked,
 * so a page cannot swap or wiretap it) and QWebChannel is Qt's client library, closed over.
 *
 * It defines, read-only and frozen:
 *   window.ethereum   an EIP-1193 provider, announced through EIP-6963
 *   window.mainframe  {apiVersion, ethereum, payments, contacts, comms, messenger, storage, files, notifications,
 *                      identity, call, api, methods, ProviderRpcError}
 * A page that overwrites or patches them gets errors (strict mode) or nothing: the transport
 * and the pending requests are unreachable from page scripts.
 */
(function (CONFIG, transport, QWebChannel) {
  'use strict';
  // Captured now, so a page patching globals later cannot change how the SDK works.
  const JSONparse = JSON.parse, JSONstringify = JSON.stringify;
  const freeze = Object.freeze, defineProperty = Object.defineProperty;
  const PromiseCtor = Promise, MapCtor = Map, ErrorCtor = Error, reflectApply = Reflect.apply;
  const dispatchEvent = window.dispatchEvent.bind(window);
  const addEventListener = window.addEventListener.bind(window);
  const CustomEventCtor = CustomEvent;

  class ProviderRpcError extends ErrorCtor {
    constructor(code, message, data) {
      super(message);
      this.name = 'ProviderRpcError';
      this.code = code;
      if (data !== undefined) this.data = data;
    }
  }
  freeze(ProviderRpcError.prototype);
  freeze(ProviderRpcError);

  const CODES = freeze({
    USER_REJECTED: 4001, UNAUTHORIZED: 4100, UNSUPPORTED_METHOD: 4200, DISCONNECTED: 4900,
    CHAIN_DISCONNECTED: 4901, INVALID_REQUEST: -32600, INVALID_PARAMS: -32602, INTERNAL: -32603, RATE_LIMITED: -32005,
  });

  const knownMethods = new MapCtor();
  for (const m of CONFIG.methods) knownMethods.set(m.name, m);

  // -- transport -------------------------------------------------------------------------------
  const pending = new MapCtor();
  let nextId = 1;
  let bridge = null;
  // Qt parses every transport message as JSON on the launcher's UI thread before the bridge
  // sees it: a page sending 50 MB through qt.webChannelTransport.send froze the launcher for
  // seconds. The SDK keeps the native send to itself and leaves the page (and qwebchannel.js)
  // a capped one: one message at most TRANSPORT_LIMIT characters, and budgets of messages and of
  // characters per second (token buckets) so a loop cannot keep the UI thread busy.
  const TRANSPORT_LIMIT = CONFIG.maxMessage + 65536;
  function Bucket(perSecond, burst) {
    let tokens = burst, at = Date.now();
    return function take(n) {
      const now = Date.now();
      tokens = Math.min(burst, tokens + (now - at) * perSecond / 1000);
      at = now;
      if (n > tokens) return false;
      tokens -= n;
      return true;
    };
  }
  // the node's own per-app limit (dispatcher.RateLimiter): what it would refuse never reaches Qt
  const takeMessage = Bucket(CONFIG.rate.perSecond, CONFIG.rate.burst);
  // Qt spends ~50 ms of the UI thread per MiB (JSON parse and conversions): the burst holds one
  // message at the limit, and the refill lets about two through per second, spaced out.
  const takeChars = Bucket(2 * CONFIG.maxMessage, TRANSPORT_LIMIT);
  function capTransport(t) {
    let owner = t;
    while (owner && !Object.prototype.hasOwnProperty.call(owner, 'send')) owner = Object.getPrototypeOf(owner);
    if (!owner) return;
    const nativeSend = owner.send;
    const capped = function send(message) {
      if (typeof message !== 'string' || message.length > TRANSPORT_LIMIT) {
        throw new ProviderRpcError(CODES.INVALID_REQUEST, 'Message too large for Mainframe OS');
      }
      if (!takeMessage(1) || !takeChars(message.length)) {
        throw new ProviderRpcError(CODES.RATE_LIMITED, 'Too much data sent to Mainframe OS: slow down');
      }
      return reflectApply(nativeSend, t, [message]);
    };
    defineProperty(t, 'send', { value: capped, writable: false, configurable: false, enumerable: true });
    if (owner !== t) {
      try { delete owner.send; } catch (e) { /* frozen below */ }
      try { freeze(owner); } catch (e) { /* not freezable */ }
    }
  }
  const bridgeReady = new PromiseCtor(function (resolve) {
    if (!transport) { resolve(null); return; }
    try {
      capTransport(transport);
      new QWebChannel(transport, function (channel) {
        bridge = channel.objects.bridge;
        bridge.message.connect(onMessage);
        resolve(bridge);
      });
      // QWebChannel has set transport.onmessage: lock it and the transport in place.
      try { freeze(transport); } catch (e) { /* not freezable: the bridge still binds the caller */ }
      try { if (window.qt) freeze(window.qt); } catch (e) { /* idem */ }
    } catch (e) { resolve(null); }
  });

  function onMessage(text) {
    let msg;
    try { msg = JSONparse(text); } catch (e) { return; }
    const list = Array.isArray(msg) ? msg : [msg];
    for (const m of list) {
      if (m && m.method === 'mainframe_event' && m.params) { onNodeEvent(m.params.event, m.params.data); continue; }
      if (m && m.error && m.id === null) { failAll(m.error); continue; }
      const p = m && pending.get(m.id);
      if (!p) continue;
      pending.delete(m.id);
      if (m.error) p.reject(new ProviderRpcError(m.error.code, m.error.message, m.error.data));
      else p.resolve(m.result);
    }
  }

  // An error the node could not address (a message it refused before reading its id): no
  // promise may hang on it, so every call in flight from this page fails with it.
  function failAll(error) {
    const all = Array.from(pending.values());
    pending.clear();
    for (const p of all) p.reject(new ProviderRpcError(error.code, error.message, error.data));
  }

  function call(method, params) {
    if (typeof method !== 'string' || !method) {
      return PromiseCtor.reject(new ProviderRpcError(CODES.INVALID_PARAMS, 'method must be a non-empty string'));
    }
    if (!knownMethods.has(method)) {
      return PromiseCtor.reject(new ProviderRpcError(CODES.UNSUPPORTED_METHOD, 'Unsupported method: ' + method));
    }
    return bridgeReady.then(function (b) {
      if (!b) throw new ProviderRpcError(CODES.DISCONNECTED, 'Not connected to Mainframe OS');
      const id = nextId++;
      const msg = { jsonrpc: '2.0', id: id, method: method };
      if (params !== undefined && params !== null) msg.params = params;
      let text;
      try { text = JSONstringify(msg); } catch (e) {
        throw new ProviderRpcError(CODES.INVALID_PARAMS, 'params are not JSON-serialisable');
      }
      // the bridge's limit, and the transport's once the text is escaped into Qt's envelope
      if (text.length > CONFIG.maxMessage || JSONstringify(text).length > TRANSPORT_LIMIT - 4096) {
        throw new ProviderRpcError(CODES.INVALID_REQUEST, 'Request too large (over ' + (CONFIG.maxMessage >> 20) + ' MiB)');
      }
      return new PromiseCtor(function (resolve, reject) {
        pending.set(id, { resolve: resolve, reject: reject });
        try { b.send(text); } catch (e) { pending.delete(id); reject(e); }
      });
    });
  }

  // -- events ------------------------------------------------------------------------------------
  function Emitter() {
    const listeners = new MapCtor();
    return {
      on(name, fn) { if (typeof fn === 'function') { if (!listeners.has(name)) listeners.set(name, []); listeners.get(name).push(fn); } return this; },
      once(name, fn) { const self = this; function w(...a) { self.removeListener(name, w); fn(...a); } return this.on(name, w); },
      removeListener(name, fn) { const l = listeners.get(name); if (l) { const i = l.indexOf(fn); if (i >= 0) l.splice(i, 1); } return this; },
      removeAllListeners(name) { if (name === undefined) listeners.clear(); else listeners.delete(name); return this; },
      listenerCount(name) { return (listeners.get(name) || []).length; },
      emit(name, ...args) { for (const fn of (listeners.get(name) || []).slice()) { try { fn(...args); } catch (e) { setTimeout(function () { throw e; }); } } },
    };
  }
  const events = Emitter();
  let accounts = [];
  let chainId = null;
  let connected = false;

  function sameList(a, b) { return a.length === b.length && a.every(function (x, i) { return x === b[i]; }); }
  function setAccounts(list) {
    if (!Array.isArray(list)) return;
    const next = list.map(function (a) { return String(a).toLowerCase(); });  // as MetaMask reports them
    if (!sameList(next, accounts)) { accounts = next; events.emit('accountsChanged', next.slice()); }
  }
  function setChain(id) {
    if (typeof id !== 'string' || id === chainId) return;
    const first = chainId === null;
    chainId = id;
    if (first) { connected = true; events.emit('connect', freeze({ chainId: id })); }
    else events.emit('chainChanged', id);
  }
  function onNodeEvent(name, data) {
    if (name === 'accountsChanged') setAccounts(data);
    else if (name === 'chainChanged') setChain(data);
    else if (name === 'disconnect') { connected = false; events.emit('disconnect', new ProviderRpcError(CODES.DISCONNECTED, 'Disconnected')); }
    else if (name === 'eth_subscription' && data && pushHandlers.has(data.subscription)) {
      // a mainframe.comms subscription: its own handler, never the provider's `message` event
      const fn = pushHandlers.get(data.subscription);
      try { fn(data.result); } catch (e) { setTimeout(function () { throw e; }); }
    }
    else events.emit('message', freeze({ type: String(name), data: data }));
  }

  // Node pushes (comms messages) travel like eth_subscribe notifications: `subscribe` asks the
  // node for a subscription id and routes what arrives for it to the handler. Resolves to an
  // unsubscribe function.
  const pushHandlers = new MapCtor();
  function subscribeTo(method, unsubscribeMethod, handler) {
    if (typeof handler !== 'function') {
      return PromiseCtor.reject(new ProviderRpcError(CODES.INVALID_PARAMS, 'subscribe takes a function'));
    }
    return call(method, {}).then(function (sid) {
      pushHandlers.set(sid, handler);
      return function unsubscribe() {
        pushHandlers.delete(sid);
        return call(unsubscribeMethod, { subscription: sid });
      };
    });
  }

  // -- window.ethereum (EIP-1193) ----------------------------------------------------------------
  function request(args) {
    if (!args || typeof args !== 'object' || typeof args.method !== 'string') {
      return PromiseCtor.reject(new ProviderRpcError(CODES.INVALID_PARAMS, 'request() takes {method, params}'));
    }
    const params = args.params;
    if (params !== undefined && (params === null || typeof params !== 'object')) {
      return PromiseCtor.reject(new ProviderRpcError(CODES.INVALID_PARAMS, 'params must be an array or an object'));
    }
    return call(args.method, params).then(function (result) {
      if (args.method === 'eth_requestAccounts' || args.method === 'eth_accounts') setAccounts(result);
      else if (args.method === 'eth_chainId') setChain(result);
      else if (args.method === 'wallet_revokePermissions') call('eth_accounts', []).then(setAccounts, function () {});
      else if (args.method === 'wallet_switchEthereumChain') call('eth_chainId', []).then(setChain, function () {});
      return result;
    });
  }

  // Many dapps unlock only when `isMetaMask` is true (MetaMask's own test dapp, and the wallets
  // Rabby, Frame, Brave and Coinbase answer true for that reason): a compatibility flag, on
  // unless the host turns it off. EIP-6963's info still names Mainframe OS.
  const ethereum = {
    isMainframe: true,
    isMetaMask: CONFIG.isMetaMask !== false,
    request: request,
    isConnected() { return connected; },
    enable() { return request({ method: 'eth_requestAccounts' }); },
    sendAsync: sendAsync,
    send: send,
    on(name, fn) { events.on(name, fn); return ethereum; },
    once(name, fn) { events.once(name, fn); return ethereum; },
    addListener(name, fn) { events.on(name, fn); return ethereum; },
    prependListener(name, fn) { events.on(name, fn); return ethereum; },
    removeListener(name, fn) { events.removeListener(name, fn); return ethereum; },
    off(name, fn) { events.removeListener(name, fn); return ethereum; },
    removeAllListeners(name) { events.removeAllListeners(name); return ethereum; },
    listenerCount(name) { return events.listenerCount(name); },
    _metamask: freeze({ isUnlocked() { return PromiseCtor.resolve(true); } }),
  };
  // Every member is read-only and fixed (a page cannot swap `request` or the event methods under
  // another script), but the object stays extensible: dapps set their own flags on it
  // (MetaMask's test dapp sets `autoRefreshOnNetworkChange = false`).
  for (const key of Object.keys(ethereum)) {
    defineProperty(ethereum, key, { value: ethereum[key], writable: false, configurable: false, enumerable: true });
  }
  defineProperty(ethereum, 'chainId', { get() { return chainId; }, enumerable: true, configurable: false });
  defineProperty(ethereum, 'networkVersion', {
    get() { return chainId === null ? null : String(parseInt(chainId, 16)); }, enumerable: true, configurable: false,
  });
  defineProperty(ethereum, 'selectedAddress', { get() { return accounts[0] || null; }, enumerable: true, configurable: false });

  // -- the legacy callback API (web3.js 0.x, older ethers, MetaMask's test dapp) ------------------
  // sendAsync(payload | [payloads], callback(error, response)); send(method, params) -> Promise of
  // the JSON-RPC response; send(payload, callback) as sendAsync; send(payload) for the few
  // methods MetaMask answers synchronously.
  function respond(payload, promise) {
    const id = payload && payload.id !== undefined ? payload.id : null;
    return promise.then(function (result) { return { id: id, jsonrpc: '2.0', result: result }; },
      function (e) {
        const error = { code: e && typeof e.code === 'number' ? e.code : CODES.INTERNAL, message: String(e && e.message || e) };
        if (e && e.data !== undefined) error.data = e.data;
        return { id: id, jsonrpc: '2.0', error: error };
      });
  }
  function sendAsync(payload, callback) {
    if (typeof callback !== 'function') throw new ProviderRpcError(CODES.INVALID_PARAMS, 'sendAsync takes (payload, callback)');
    const batch = Array.isArray(payload);
    const list = batch ? payload : [payload];
    PromiseCtor.all(list.map(function (p) {
      return respond(p, p && typeof p === 'object' ? request({ method: p.method, params: p.params }) :
        PromiseCtor.reject(new ProviderRpcError(CODES.INVALID_PARAMS, 'a payload must be {method, params}')));
    })).then(function (responses) {
      const out = batch ? responses : responses[0];
      const failed = !batch && out.error ? new ProviderRpcError(out.error.code, out.error.message, out.error.data) : null;
      callback(failed, out);
    });
  }
  function send(methodOrPayload, paramsOrCallback) {
    if (typeof methodOrPayload === 'string' && (paramsOrCallback === undefined || Array.isArray(paramsOrCallback))) {
      return respond({ id: nextId }, request({ method: methodOrPayload, params: paramsOrCallback || [] })).then(function (r) {
        if (r.error) throw new ProviderRpcError(r.error.code, r.error.message, r.error.data);
        return r;
      });
    }
    if (methodOrPayload && typeof methodOrPayload === 'object' && typeof paramsOrCallback === 'function') {
      return sendAsync(methodOrPayload, paramsOrCallback);
    }
    const p = methodOrPayload || {};
    const id = p.id !== undefined ? p.id : null;
    if (p.method === 'eth_accounts') return { id: id, jsonrpc: '2.0', result: accounts.slice(0, 1) };
    if (p.method === 'eth_coinbase') return { id: id, jsonrpc: '2.0', result: accounts[0] || null };
    if (p.method === 'net_version') return { id: id, jsonrpc: '2.0', result: ethereum.networkVersion };
    if (p.method === 'eth_chainId') return { id: id, jsonrpc: '2.0', result: chainId };
    throw new ProviderRpcError(CODES.UNSUPPORTED_METHOD, 'Synchronous send(' + String(p.method) + ') is not supported: use request()');
  }

  // -- window.mainframe ----------------------------------------------------------------------------
  function bytesToBase64(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }
  function base64ToBytes(b64) {
    const s = atob(b64), out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  const FILE_PIECE = 192 * 1024;  // bytes per files_appWrite/Read call: one bridge message each
  const STORAGE_SMALL = 512 * 1024;  // storage.files: one message up to this, pieces above
  // A file piece (storage.files or files) refused by the SDK's own rate limit was never sent: wait
  // and send it again, so a file of many pieces goes at the pace the bridge allows instead of failing.
  function pacedCall(method, params, tries) {
    return call(method, params).then(null, function (e) {
      if (!e || e.code !== CODES.RATE_LIMITED || (tries || 0) >= 600) throw e;
      return new PromiseCtor(function (r) { setTimeout(r, 50); }).then(function () {
        return pacedCall(method, params, (tries || 0) + 1);
      });
    });
  }
  function toBytes(data) {
    if (typeof data === 'string') return new TextEncoder().encode(data);
    if (data instanceof Uint8Array) return data;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    throw new ProviderRpcError(CODES.INVALID_PARAMS, 'file data must be a string, Uint8Array or ArrayBuffer');
  }

  // Every app-visible node method, generated from the registry: mainframe.api.<namespace>.<name>(params)
  const api = {};
  for (const m of CONFIG.methods) {
    const cut = m.name.indexOf('_');
    const ns = m.name.slice(0, cut), fn = m.name.slice(cut + 1);
    if (!api[ns]) api[ns] = {};
    api[ns][fn] = function (params) { return call(m.name, params); };
  }
  for (const ns in api) freeze(api[ns]);

  const mainframe = {
    apiVersion: CONFIG.apiVersion,
    ethereum: ethereum,
    ProviderRpcError: ProviderRpcError,
    errorCodes: CODES,
    methods: freeze(CONFIG.methods.map(function (m) { return m.name; })),
    call: call,
    api: api,
    ready: bridgeReady.then(function (b) { return !!b; }),
    identity: {
      get() { return call('apps_getIdentity'); },
    },
    payments: {
      payContact(opts) {
        opts = opts || {};
        return call('payments_payContact', { contact: opts.contact, currency: opts.currency || 'ETH', amount: String(opts.amount) });
      },
    },
    contacts: {
      select(opts) { return call('contacts_select', { multi: !!(opts && opts.multi) }); },
    },
    // App-scoped messages to contacts the user picked for this app, and the app's channels.
    // Needs COMMS_CONTACT. Contact ids are this app's own (another app's ids mean nothing here).
    comms: {
      pickContacts(opts) { return call('comms_pickContacts', { multi: !!(opts && opts.multi) }); },
      send(contactId, message) {
        return call('comms_appSend', { contact: contactId, message: message === undefined ? null : message });
      },
      messages(opts) {
        opts = opts || {};
        const p = {};
        if (opts.contact !== undefined) p.contact = opts.contact;
        if (opts.channel !== undefined) p.channel = opts.channel;
        if (opts.limit !== undefined) p.limit = opts.limit;
        return call('comms_appMessages', p);
      },
      subscribe(handler) { return subscribeTo('comms_appSubscribe', 'comms_appUnsubscribe', handler); },
      channels: {
        create(name, contactIds) { return call('comms_channelCreate', { name: name, contacts: contactIds || [] }); },
        list() { return call('comms_channelList', {}); },
        send(channelId, message) {
          return call('comms_channelSend', { channel: channelId, message: message === undefined ? null : message });
        },
      },
    },
    // The user's own conversations, for a messenger. Needs MESSENGER (shown at install).
    messenger: {
      conversations() { return call('messenger_conversations', {}); },
      history(opts) { return call('messenger_history', opts || {}); },
      send(opts) { return call('messenger_send', opts || {}); },
      markRead(opts) { return call('messenger_markRead', opts || {}); },
      createGroup(name, contactIds) { return call('messenger_groupCreate', { name: name, contacts: contactIds || [] }); },
      subscribe(handler) { return subscribeTo('messenger_subscribe', 'messenger_unsubscribe', handler); },
      apps() { return call('messenger_apps', {}); },
      shareApp(contactId, appId) { return call('messenger_shareApp', { contact: contactId, appId: appId }); },
      inspectShare(messageId) { return call('messenger_inspectShare', { message: messageId }); },
      installShared(messageId) { return call('messenger_installShared', { message: messageId }); },
    },
    notifications: {
      show(opts) {
        if (typeof opts === 'string') opts = { title: opts };
        opts = opts || {};
        return call('notifications_show', { title: String(opts.title || ''), body: String(opts.body || '') });
      },
    },
    storage: {
      get(key) { return call('storage_get', { key: key }); },
      set(key, value) { return call('storage_set', { key: key, value: value === undefined ? null : value }); },
      delete(key) { return call('storage_delete', { key: key }); },
      list(prefix) { return call('storage_list', prefix === undefined ? {} : { prefix: prefix }); },
      files: {
        // Up to 512 KiB in one message (kept in the vault); larger, up to 256 MiB, in pieces into the encrypted file store. A failed piece drops the whole file.
        write(name, data, mime) {
          let bytes;
          try { bytes = toBytes(data); } catch (e) { return PromiseCtor.reject(e); }
          mime = mime || 'application/octet-stream';
          if (bytes.length <= STORAGE_SMALL) {
            return call('storage_writeFile', { name: name, data: bytesToBase64(bytes), mime: mime });
          }
          return call('storage_openFileWrite', { name: name, mime: mime }).then(function (r) {
            let at = 0;
            function next() {
              if (at >= bytes.length) return call('storage_closeFileWrite', { handle: r.handle });
              const piece = bytes.subarray(at, at + FILE_PIECE);
              const args = { handle: r.handle, offset: at, data: bytesToBase64(piece) };
              at += piece.length;
              return pacedCall('storage_writeFilePiece', args).then(next, function (e) {
                return call('storage_closeFile', { handle: r.handle }).then(function () { throw e; }, function () { throw e; });
              });
            }
            return next();
          });
        },
        read(name) {
          return call('storage_readFile', { name: name }).then(function (f) {
            if (!f) return null;
            if (!f.large) return { name: f.name, mime: f.mime, size: f.size, data: base64ToBytes(f.data) };
            return call('storage_openFileRead', { name: name }).then(function (r) {
              if (!r) return null;
              const out = new Uint8Array(r.size);
              let at = 0;
              function next() {
                return pacedCall('storage_readFilePiece', { handle: r.handle, size: FILE_PIECE }).then(function (p) {
                  if (p.end) return call('storage_closeFile', { handle: r.handle });
                  const piece = base64ToBytes(p.data);
                  if (at + piece.length > out.length) throw new Error('storage file changed while being read');
                  out.set(piece, at);
                  at += piece.length;
                  return next();
                });
              }
              return next().then(function () { return { name: f.name, mime: r.mime, size: at, data: out.subarray(0, at) }; });
            });
          });
        },
        readText(name) {
          return this.read(name).then(function (f) { return f && new TextDecoder().decode(f.data); });
        },
        delete(name) { return call('storage_deleteFile', { name: name }); },
        list(prefix) { return call('storage_listFiles', prefix === undefined ? {} : { prefix: prefix }); },
      },
    },
    // Files of any size, encrypted in the user's file store, as streams of pieces. Needs FILES.
    files: {
      openWrite(name, mime) {
        return call('files_appOpenWrite', { name: name, mime: mime || 'application/octet-stream' }).then(function (r) {
          return freeze({
            write(data) {
              let b64;
              try { b64 = bytesToBase64(toBytes(data)); } catch (e) { return PromiseCtor.reject(e); }
              return pacedCall('files_appWrite', { handle: r.handle, data: b64 });
            },
            close() { return call('files_appCloseWrite', { handle: r.handle }); },
            abort() { return call('files_appClose', { handle: r.handle }); },
          });
        });
      },
      openRead(name) {
        return call('files_appOpenRead', { name: name }).then(function (r) {
          return freeze({
            size: r.size,
            read(size) {  // the next piece, or null at the end
              return pacedCall('files_appRead', { handle: r.handle, size: size || FILE_PIECE }).then(function (p) {
                return p.end ? null : base64ToBytes(p.data);
              });
            },
            close() { return call('files_appClose', { handle: r.handle }); },
          });
        });
      },
      write(name, data, mime) {
        let bytes;
        try { bytes = toBytes(data); } catch (e) { return PromiseCtor.reject(e); }
        return mainframe.files.openWrite(name, mime).then(function (w) {
          let at = 0;
          function next() {
            if (at >= bytes.length) return w.close();
            const piece = bytes.subarray(at, at + FILE_PIECE);
            at += piece.length;
            return w.write(piece).then(next, function (e) { return w.abort().then(function () { throw e; }); });
          }
          return next();
        });
      },
      read(name) {
        return mainframe.files.openRead(name).then(function (r) {
          const out = new Uint8Array(r.size);
          let at = 0;
          function next() {
            return r.read().then(function (piece) {
              if (piece === null) return r.close().then(function () { return out.subarray(0, at); });
              out.set(piece, at);
              at += piece.length;
              return next();
            });
          }
          return next();
        });
      },
      list() { return call('files_appList', {}); },
      delete(name) { return call('files_appDelete', { name: name }); },
      // The user picks a file in a launcher dialog; it becomes one of the app's files and the
      // app gets {name, size, mime} (never where it was), or null if the user cancels.
      pick() { return call('files_appPick', {}); },
      // Send one of the app's files to a contact the user picked for it (contacts.select); the
      // user confirms in a launcher dialog. Resolves {share, name, size}.
      share(name, contactId) { return call('files_appShare', { name: name, contact: contactId }); },
      // The app's files shared with its picked contacts, newest first.
      shares() { return call('files_appShares', {}); },
    },
  };
  function deepFreeze(o) {
    if (o && (typeof o === 'object' || typeof o === 'function') && !Object.isFrozen(o)) {
      freeze(o);
      for (const k of Object.getOwnPropertyNames(o)) {
        const d = Object.getOwnPropertyDescriptor(o, k);
        if (d && 'value' in d) deepFreeze(d.value);
      }
    }
    return o;
  }
  deepFreeze(mainframe.identity); deepFreeze(mainframe.payments); deepFreeze(mainframe.contacts); deepFreeze(mainframe.comms); deepFreeze(mainframe.messenger);
  deepFreeze(mainframe.notifications); deepFreeze(mainframe.storage); deepFreeze(mainframe.files);
  freeze(api); freeze(mainframe);

  defineProperty(window, 'ethereum', { value: ethereum, writable: false, configurable: false, enumerable: true });
  defineProperty(window, 'mainframe', { value: mainframe, writable: false, configurable: false, enumerable: true });

  // -- EIP-6963 ------------------------------------------------------------------------------------
  const ICON = 'data:image/svg+xml,' + encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2f6bff"/>' +
    '<path d="M8 23V9l8 8 8-8v14" fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round"/></svg>');
  const providerDetail = freeze({
    info: freeze({ uuid: CONFIG.uuid, name: 'Mainframe OS', icon: ICON, rdns: 'org.mainframe.os' }),
    provider: ethereum,
  });
  function announce() { dispatchEvent(new CustomEventCtor('eip6963:announceProvider', { detail: providerDetail })); }
  addEventListener('eip6963:requestProvider', announce);
  announce();

  // The provider is "connected" once the node answers with a chain id.
  bridgeReady.then(function (b) {
    if (!b) return;
    call('eth_chainId', []).then(setChain, function () {});
    call('eth_accounts', []).then(setAccounts, function () {});
  });
})
