/*
 * The Mainframe SDK as an ES module. The host injects the SDK into every app page; this module
 * hands out what it injected, so apps can write
 *
 *     import mainframe, { ethereum, storage } from '/_mainframe/mainframe-sdk.mjs';
 *
 * (the app host serves this file at that path; you may also copy it into your app).
 */
const mf = globalThis.mainframe;
if (!mf) {
  throw new Error('The Mainframe SDK is not available: open this app in Mainframe OS');
}
export default mf;
export const {
  apiVersion, ethereum, payments, contacts, comms, messenger, storage, files, notifications, identity, call, api, methods,
  ProviderRpcError, errorCodes, ready,
} = mf;
