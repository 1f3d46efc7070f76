// Share links: the ruleset, the snapshot and the folder they belong to, deflated and
// base64url-encoded into the URL fragment (which browsers never send to a server).
const PREFIX = "#v1.";

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
