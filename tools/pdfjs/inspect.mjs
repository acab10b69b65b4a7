// Read a PDF with pdf.js (Mozilla's reader, as Firefox uses it) and print, as JSON, what
// it sees: the document's metadata (Info dictionary and XMP), its outline, every page's
// link annotations, and the structure tree and text of the pages asked for (default: 1).
//
//   node tools/pdfjs/inspect.mjs FILE.pdf [PAGE ...]
//
// Used by tests/test_accessibility.py; needs `npm ci` in this folder (scripts/setup.sh).
import { readFile } from "node:fs/promises";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const [file, ...pageArgs] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node inspect.mjs FILE.pdf [PAGE ...]\n");
  process.exit(2);
}
const wanted = pageArgs.length ? pageArgs.map(Number) : [1];

const data = new Uint8Array(await readFile(file));
const pdf = await getDocument({
  data,
  isEvalSupported: false,
  disableFontFace: true,
  useSystemFonts: false,
  verbosity: 0,
}).promise;

async function pageNumberOf(dest) {
  const explicit = typeof dest === "string" ? await pdf.getDestination(dest) : dest;
  if (!Array.isArray(explicit) || !explicit.length) return null;
  return (await pdf.getPageIndex(explicit[0])) + 1;
}

async function outline(items) {
  const result = [];
  for (const item of items ?? []) {
    result.push({
      title: item.title,
      page: item.dest ? await pageNumberOf(item.dest) : null,
      url: item.url ?? null,
      items: await outline(item.items),
    });
  }
  return result;
}

const { info, metadata } = await pdf.getMetadata();
const links = [];
for (let number = 1; number <= pdf.numPages; number++) {
  const page = await pdf.getPage(number);
  for (const annotation of await page.getAnnotations()) {
    if (annotation.subtype !== "Link") continue;
    links.push({
      page: number,
      url: annotation.url ?? null,
      dest: typeof annotation.dest === "string" ? annotation.dest : null,
      destPage: annotation.dest ? await pageNumberOf(annotation.dest) : null,
      contents: annotation.contentsObj?.str ?? null,
    });
  }
}
const structure = {};
const text = {};
for (const number of wanted) {
  const page = await pdf.getPage(number);
  structure[number] = await page.getStructTree();
  const content = await page.getTextContent();
  text[number] = content.items.map((item) => item.str + (item.hasEOL ? "\n" : "")).join("");
}
const result = {
  pages: pdf.numPages,
  info,
  xmp: metadata ? Object.fromEntries(metadata) : null,
  outline: await outline(await pdf.getOutline()),
  links,
  structTree: structure,
  text,
  markInfo: await pdf.getMarkInfo(),
};
process.stdout.write(JSON.stringify(result, null, 1) + "\n");
await pdf.destroy();
