// Share links. A server with a share store keeps the state (the ruleset, the snapshot,
// the folder they belong to and the files they came from) and gives a short link,
// `/s/<id>`; one started with --no-store gets the state deflated and base64url-encoded
// into the URL fragment (which browsers never send to a server): tens of thousands of
// characters for a real snapshot, but nothing kept anywhere.
import { get, post } from "./api.js";

const PREFIX = "#v1.";

/** POST the state to the store: {status, body: {id, url}} or an error body. */
export function storeState(state) {
  return post("/api/share", state);
}

/** The state kept under `id`; throws with the server's words when there is none. */
export async function loadShared(id) {
  const { status, body } = await get(`/api/share/${encodeURIComponent(id)}`);
  if (status !== 200) throw new Error(body.message || `error ${status}`);
  return body;
}

function toBase64Url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function pipe(bytes, stream) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}

/** `#v1.<data>` for {folder, ruleset, snapshot, rulesetName, snapshotName}. */
export async function encodeState(state) {
  const raw = new TextEncoder().encode(JSON.stringify(state));
  return PREFIX + toBase64Url(await pipe(raw, new CompressionStream("deflate-raw")));
}

/** The state in a fragment, or null when the fragment is not a share link. Throws on a damaged one. */
export async function decodeState(hash) {
  if (!hash.startsWith(PREFIX)) return null;
  const bytes = await pipe(fromBase64Url(hash.slice(PREFIX.length)), new DecompressionStream("deflate-raw"));
  const state = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof state?.ruleset !== "string" || typeof state?.snapshot !== "string") throw new Error("the link holds no ruleset and snapshot");
  return state;
}
