// Loading a snapshot file of one's own into the snapshot editor: a file picker and
// drag and drop onto the snapshot pane. A file is held to the server's limits before
// it is read (over the body limit: refused with the numbers), and must be UTF-8 text;
// JSON problems are left to the editor's lint, which marks them at their line.

function mib(bytes) {
  return `${(bytes / 1048576).toFixed(bytes < 1048576 ? 2 : 1)} MiB`;
}

/** The file's text, or an Error saying why it cannot be loaded. */
export async function readSnapshotFile(file, maxBytes) {
  if (file.size > maxBytes) {
    return new Error(`${file.name} is ${mib(file.size)}, over this server's limit of ${mib(maxBytes)} for a request (lawcode playground --max-body-mb)`);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new Error(`${file.name} is not UTF-8 text; a snapshot is a JSON file`);
  }
}

/**
 * Wire the picker `input` and drops on `pane` to `load(file)`. Drops are caught before
 * the editor sees them (CodeMirror would insert the file's text at the drop point).
 */
export function acceptSnapshotFiles({ input, pane, load }) {
  input.addEventListener("change", () => {
    const [file] = input.files;
    input.value = ""; // picking the same file again still loads it
    if (file) load(file);
  });
  const hasFiles = (ev) => [...(ev.dataTransfer?.types || [])].includes("Files");
  pane.addEventListener("dragover", (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.stopPropagation();
    pane.classList.add("drop-target");
  }, true);
  pane.addEventListener("dragleave", (ev) => { if (!pane.contains(ev.relatedTarget)) pane.classList.remove("drop-target"); });
  pane.addEventListener("drop", (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.stopPropagation();
    pane.classList.remove("drop-target");
    const [file] = ev.dataTransfer.files;
    if (file) load(file);
  }, true);
}
