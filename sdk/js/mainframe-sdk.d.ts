/**
 * Mainframe OS SDK: what the app host injects into every app page as `window.mainframe` and
 * `window.ethereum`, and what `mainframe-sdk.mjs` re-exports.
 *
 * Every call returns a Promise; failures reject with a ProviderRpcError carrying an EIP-1193 or
 * JSON-RPC `code` (4001 user rejected, 4100 unauthorized, 4200 unsupported, 4900 disconnected,
 * -32602 invalid params, -32005 rate limited, 6xxx app errors).
 */

export interface RequestArguments {
  readonly method: string;
  readonly params?: readonly unknown[] | object;
}

export declare class ProviderRpcError extends Error {
  readonly code: number;
  readonly data?: unknown;
}

export interface JsonRpcPayload {
  readonly id?: unknown;
  readonly jsonrpc?: '2.0';
  readonly method: string;
  readonly params?: readonly unknown[] | object;
}

export type ProviderEvent = 'connect' | 'disconnect' | 'chainChanged' | 'accountsChanged' | 'message';

/** EIP-1193 provider, announced through EIP-6963 (rdns "org.mainframe.os"). */
export interface MainframeEthereumProvider {
  readonly isMainframe: true;
  /** true by default: many dapps unlock only for MetaMask-compatible providers (EIP-6963 names us). */
  readonly isMetaMask: boolean;
  readonly chainId: string | null;
  /** Deprecated in MetaMask too: the chain id in decimal. */
  readonly networkVersion: string | null;
  readonly selectedAddress: string | null;
  /** Legacy callback API (web3.js 0.x): one payload or a batch. */
  sendAsync(payload: JsonRpcPayload | JsonRpcPayload[], callback: (error: ProviderRpcError | null, response: any) => void): void;
  /** Legacy: send(method, params) resolves the JSON-RPC response object {id, jsonrpc, result}. */
  send(method: string, params?: unknown[]): Promise<{ id: unknown; jsonrpc: '2.0'; result: unknown }>;
  send(payload: JsonRpcPayload, callback: (error: ProviderRpcError | null, response: any) => void): void;
  request(args: RequestArguments): Promise<unknown>;
  isConnected(): boolean;
  /** Legacy alias of eth_requestAccounts. */
  enable(): Promise<string[]>;
  on(event: 'connect', listener: (info: { chainId: string }) => void): this;
  on(event: 'disconnect', listener: (error: ProviderRpcError) => void): this;
  on(event: 'chainChanged', listener: (chainId: string) => void): this;
  on(event: 'accountsChanged', listener: (accounts: string[]) => void): this;
  on(event: 'message', listener: (message: { type: string; data: unknown }) => void): this;
  once(event: ProviderEvent, listener: (...args: any[]) => void): this;
  addListener(event: ProviderEvent, listener: (...args: any[]) => void): this;
  removeListener(event: ProviderEvent, listener: (...args: any[]) => void): this;
  off(event: ProviderEvent, listener: (...args: any[]) => void): this;
  removeAllListeners(event?: ProviderEvent): this;
  listenerCount(event: ProviderEvent): number;
}

export interface PickedContact {
  /** An id only this app sees for this contact (stable across calls). */
  readonly id: string;
  readonly displayName: string;
}

/** A message of this app, to or from a contact (mainframe.comms). */
export interface AppMessage {
  /** The same id on both sides; a channel message sent to n members has one id. */
  readonly id: string;
  /** This app's id for the contact (write back to it with comms.send). */
  readonly contactId: string | null;
  readonly displayName: string | null;
  readonly direction: 'in' | 'out';
  /** Set for a channel message. */
  readonly channelId: string | null;
  readonly body: unknown;
  /** out: queued | sent (a holder has it) | delivered; in: received */
  readonly state: string;
  /** Seconds since the epoch, the sender's clock. */
  readonly sentAt: number;
}

/** One of the app's files shared with a contact (`files.shares()`). */
export interface SharedFile {
  share: string;
  name: string;
  size: number;
  contactId: string;
  displayName: string;
  sharedAt: number;
  revoked: boolean;
}

/** A channel of this app: members are the ones who are your contacts (`size` counts them all). */
export interface AppChannel {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly members: readonly PickedContact[];
}

/** A message of one of the user's conversations (mainframe.messenger). */
export interface ConversationMessage {
  readonly id: string;
  /** This app's id for the contact who sent it (or to whom it went). */
  readonly contactId: string | null;
  readonly displayName: string | null;
  readonly direction: 'in' | 'out';
  readonly kind: 'text' | 'json';
  /** A string for text; an object for JSON payloads ({kind: 'payment' | 'app-share', ...}). */
  readonly body: unknown;
  /** out: queued | sent | delivered | read; in: received | read */
  readonly state: string;
  readonly groupId: string | null;
  readonly createdAt: number;
  readonly sentAt: number;
}

export interface Conversation {
  readonly type: 'contact' | 'group';
  /** A per-app contact id (payments.payContact takes it) or a group id. */
  readonly id: string;
  readonly name: string;
  readonly unread: number;
  readonly last: ConversationMessage | null;
  /** Groups: the other members' names. */
  readonly members?: readonly string[];
}

/** What to write to: one of the two. */
export type ConversationTarget = { contact: string; group?: never } | { group: string; contact?: never };

export type MessengerPush =
  | { type: 'message'; message: ConversationMessage }
  | { type: 'state'; id: string; state: string }
  | { type: 'conversations' };

export interface StoredFile {
  readonly name: string;
  readonly mime: string | null;
  readonly size: number;
  readonly data: Uint8Array;
}

export interface FileInfo {
  readonly name: string;
  readonly size: number;
  readonly mime: string | null;
  readonly updatedAt: number;
}

export type Currency = 'ETH' | 'MFT' | 'DAI';

export interface MainframeSDK {
  readonly apiVersion: number;
  readonly ethereum: MainframeEthereumProvider;
  readonly ProviderRpcError: typeof ProviderRpcError;
  readonly errorCodes: Readonly<Record<string, number>>;
  /** Every node method this app may call (generated from the node's registry). */
  readonly methods: readonly string[];
  /** Resolves true once the bridge to Mainframe OS is up. */
  readonly ready: Promise<boolean>;
  /** Call any app-visible node method by wire name. */
  call<T = unknown>(method: string, params?: object | unknown[]): Promise<T>;
  /** The same methods by namespace: api.storage.get({key}) */
  readonly api: Readonly<Record<string, Readonly<Record<string, (params?: object) => Promise<unknown>>>>>;
  readonly identity: {
    get(): Promise<{ displayName: string; id: string }>;
  };
  readonly payments: {
    /** The user approves the decoded payment in a Mainframe OS dialog. Needs BLOCKCHAIN_SEND. */
    payContact(opts: { contact: string; currency?: Currency; amount: string | number }): Promise<Record<string, unknown>>;
  };
  readonly contacts: {
    /** The user picks in a Mainframe OS dialog. Needs CONTACTS_READ. */
    select(opts?: { multi?: boolean }): Promise<PickedContact[]>;
  };
  /** App-scoped JSON messages with contacts the user picked for this app, and the app's own
   * channels; end to end encrypted, delivered only to this same app on the other side.
   * Needs COMMS_CONTACT. */
  readonly comms: {
    /** The user picks in a Mainframe OS dialog who this app may write to. */
    pickContacts(opts?: { multi?: boolean }): Promise<PickedContact[]>;
    /** At most 16,000 bytes of JSON. To a picked contact, or one who wrote to this app first. */
    send(contactId: string, message: unknown): Promise<{ id: string; state: string }>;
    messages(opts?: { contact?: string; channel?: string; limit?: number }): Promise<AppMessage[]>;
    /** Incoming messages are pushed to the handler; resolves to a function that unsubscribes. */
    subscribe(handler: (message: AppMessage) => void): Promise<() => Promise<boolean>>;
    readonly channels: {
      create(name: string, contactIds: string[]): Promise<AppChannel>;
      list(): Promise<AppChannel[]>;
      send(channelId: string, message: unknown): Promise<{ id: string; state: string; recipients: number }>;
    };
  };
  /** The user's own conversations, for a messenger app. Needs MESSENGER (the user sees it at install). */
  readonly messenger: {
    conversations(): Promise<{ conversations: Conversation[]; unread: number }>;
    history(opts: ConversationTarget & { limit?: number }): Promise<ConversationMessage[]>;
    send(opts: ConversationTarget & ({ text: string } | { payload: object })): Promise<{ id: string; state: string }>;
    markRead(opts: ConversationTarget): Promise<{ read: number }>;
    createGroup(name: string, contactIds: string[]): Promise<{ id: string; name: string }>;
    /** New messages, state changes and conversation changes are pushed; resolves to an unsubscribe function. */
    subscribe(handler: (push: MessengerPush) => void): Promise<() => Promise<boolean>>;
    /** Installed apps; only those installed from a signed package can be shared. */
    apps(): Promise<{ id: string; name: string; version: string; shareable: boolean }[]>;
    /** Sends the signed package (at most 1 MiB) and an offer message. */
    shareApp(contactId: string, appId: string): Promise<{ id: string; state: string; parts: number; size: number }>;
    /** The shared app in a received offer, verified like a .mfapp file. */
    inspectShare(messageId: string): Promise<{
      appId: string; name: string; version: string; description: string; developer: string; fingerprint: string;
      permissions: { key: string; label: string; required: boolean }[]; installedVersion: string | null;
    }>;
    /** Installs after the user approves in a Mainframe OS dialog. */
    installShared(messageId: string): Promise<{ appId: string; version: string; previousVersion: string | null }>;
  };
  readonly notifications: {
    show(opts: { title: string; body?: string } | string): Promise<boolean>;
  };
  /** App-private data, encrypted in the user's vault, per identity. Needs STORAGE. */
  readonly storage: {
    get<T = unknown>(key: string): Promise<T | null>;
    set(key: string, value: unknown): Promise<boolean>;
    delete(key: string): Promise<boolean>;
    list(prefix?: string): Promise<string[]>;
    readonly files: {
      /** Up to 256 MiB: in one message up to 512 KiB (vault), in pieces above (file store). */
      write(name: string, data: string | Uint8Array | ArrayBuffer, mime?: string): Promise<{ name: string; size: number; mime: string }>;
      /** The whole file in memory, small or large. */
      read(name: string): Promise<StoredFile | null>;
      readText(name: string): Promise<string | null>;
      delete(name: string): Promise<boolean>;
      list(prefix?: string): Promise<FileInfo[]>;
    };
  };
  /** Files of any size, encrypted in the user's file store (Files → Apps), read and written as
   * streams of pieces. Needs FILES. */
  readonly files: {
    openWrite(name: string, mime?: string): Promise<{
      write(data: string | Uint8Array | ArrayBuffer): Promise<{ size: number }>;
      close(): Promise<{ name: string; size: number; mime: string | null }>;
      abort(): Promise<boolean>;
    }>;
    openRead(name: string): Promise<{ size: number; read(size?: number): Promise<Uint8Array | null>; close(): Promise<boolean> }>;
    write(name: string, data: string | Uint8Array | ArrayBuffer, mime?: string): Promise<{ name: string; size: number; mime: string | null }>;
    read(name: string): Promise<Uint8Array>;
    list(): Promise<{ name: string; size: number; mime: string | null; addedAt: number }[]>;
    delete(name: string): Promise<boolean>;
    /** The user picks a file in a launcher dialog; it is added to the app's files. The app gets
     * its name (maybe "name (2).ext"), size and type, never its path; null if cancelled. */
    pick(): Promise<{ name: string; size: number; mime: string | null } | null>;
    /** Send one of the app's files to a contact the user picked for this app (`contacts.select`,
     * `comms.pickContacts`); the user confirms in a launcher dialog. 4012: not an id of this app,
     * 4100: never picked, 4001: the user said no (nothing sent). */
    share(name: string, contactId: string): Promise<{ share: string; name: string; size: number }>;
    /** The app's files shared with contacts picked for it, newest first. */
    shares(): Promise<SharedFile[]>;
  };
}

declare global {
  interface Window {
    readonly mainframe: MainframeSDK;
    readonly ethereum: MainframeEthereumProvider;
  }
}

declare const mainframe: MainframeSDK;
export default mainframe;
export declare const apiVersion: MainframeSDK['apiVersion'];
export declare const ethereum: MainframeSDK['ethereum'];
export declare const payments: MainframeSDK['payments'];
export declare const contacts: MainframeSDK['contacts'];
export declare const comms: MainframeSDK['comms'];
export declare const messenger: MainframeSDK['messenger'];
export declare const storage: MainframeSDK['storage'];
export declare const files: MainframeSDK['files'];
export declare const notifications: MainframeSDK['notifications'];
export declare const identity: MainframeSDK['identity'];
export declare const call: MainframeSDK['call'];
export declare const api: MainframeSDK['api'];
export declare const methods: MainframeSDK['methods'];
export declare const errorCodes: MainframeSDK['errorCodes'];
export declare const ready: MainframeSDK['ready'];
