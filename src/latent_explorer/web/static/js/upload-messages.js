// The server's upload refusals are written for every client (the API, the CLI, a notebook):
// "set drop_bad_rows=true", "remove the column from the features". In the page they become what
// the dialog offers. Pure (node --test tests/js).

const REWRITES = [
  // A single line is named twice by the server ("on line 202 (line 202)").
  [/\bline (\d+) \(line \1\)/g, "line $1"],
  [/\bor set drop_bad_rows=true to drop those rows\b/g, "or tick “Drop rows with bad cells” below"],
  [/\bset drop_bad_rows=true\b/g, "tick “Drop rows with bad cells”"],
  [/\bdrop_bad_rows=true\b/g, "“Drop rows with bad cells”"],
  [/\bremove the column from the features\b/g, "untick the column under “Use”"],
  [/\bchoose another label\b/g, "choose another label column"],
];

export function plainUploadMessage(text) {
  let out = String(text ?? "");
  for (const [pattern, replacement] of REWRITES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Why "Create dataset" cannot be pressed yet, or "" when it can: what the server would refuse,
 * said before asking it. problems: the chosen columns' bad or missing cells.
 */
export function createBlocker({ name, nFeatures, problems, dropRows }) {
  if (!String(name ?? "").trim()) return "Give the dataset a name";
  if (!nFeatures) return "Choose at least one feature column under “Use”";
  if (problems > 0 && !dropRows) {
    return "Some chosen columns have bad or missing cells: tick “Drop rows with bad cells”, or untick those columns";
  }
  return "";
}
