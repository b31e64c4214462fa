#!/usr/bin/env bash
# Re-vendors the playground's browser code from the npm registry into
# assets/, which is committed and embedded in the binary, so that the
# playground needs no network beyond the API itself. Run it after changing a
# pin below, then run `go test ./playground/` and the browser test.
set -euo pipefail
cd "$(dirname "$0")"

# GraphiQL 4 is the last major that ships a UMD bundle usable from a plain
# <script> tag; 5 ships ES modules and Monaco workers meant for a bundler.
GRAPHIQL=4.1.2
# GraphiQL 3 supports React up to 18, and React 19 ships no UMD builds.
REACT=18.3.1
# The graphql-js version inlined in graphiql.min.js (its `version` string);
# pinned here only so that the licence list resolves the same package.
GRAPHQL=16.11.0
# graphiql.min.css inlines the Roboto and Fira Code fonts without their
# licences; these packages carry the fonts' licence texts.
FONTSOURCE=5.3.0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pkgs=(graphiql@$GRAPHIQL react@$REACT react-dom@$REACT
	@fontsource/roboto@$FONTSOURCE @fontsource/fira-code@$FONTSOURCE)
(cd "$tmp" && npm pack --silent --json "${pkgs[@]}" >packed.json)
# npm pack checks each tarball against the registry's integrity hash;
# VERSIONS records that hash so a later run can be compared.
node -e '
	for (const p of require(process.argv[1])) console.log(`${p.id} ${p.integrity} ${p.filename}`)
' "$tmp/packed.json" >"$tmp/packed.txt"
while read -r id integrity file; do
	mkdir -p "$tmp/${id%@*}"
	tar -xzf "$tmp/$file" -C "$tmp/${id%@*}" --strip-components=1
done <"$tmp/packed.txt"

out=assets
rm -rf "$out"
mkdir "$out"
cp "$tmp/graphiql/graphiql.min.js" "$tmp/graphiql/graphiql.min.css" "$out/"
cp "$tmp/react/umd/react.production.min.js" "$out/"
cp "$tmp/react-dom/umd/react-dom.production.min.js" "$out/"
cp "$tmp/graphiql/LICENSE" "$out/LICENSE.graphiql"
cp "$tmp/react/LICENSE" "$out/LICENSE.react"
cp "$tmp/react-dom/LICENSE" "$out/LICENSE.react-dom"

# graphiql.min.js bundles its whole dependency tree, whose licence notices
# the minifier dropped. npm resolves the same ranges to list them; a version
# may differ from the one bundled, the licence hardly ever does.
mkdir "$tmp/tree"
(cd "$tmp/tree" && npm install --silent --ignore-scripts --omit=dev --no-audit --no-fund \
	--no-package-lock --no-save "graphiql@$GRAPHIQL" "graphql@$GRAPHQL" >/dev/null)
node - "$tmp" >"$out/THIRD-PARTY-LICENSES" <<'JS'
const fs = require("fs"), path = require("path");
const tmp = process.argv[2];
const seen = new Map();
function licenceText(dir) {
	const f = fs.readdirSync(dir).find((n) => /^(licen[cs]e|copying)([-.][\w.-]*)?$/i.test(n));
	return f && fs.readFileSync(path.join(dir, f), "utf8").trim();
}
function add(dir, note) {
	const p = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
	const id = `${p.name}@${p.version}`;
	if (seen.has(id)) return;
	const licence = p.license || (p.licenses || []).map((l) => l.type).join(" OR ") || "unstated";
	seen.set(id, `${id} (${licence})${note ? "\n" + note : ""}\n\n` +
		(licenceText(dir) || `The package has no licence file; its package.json says: ${licence}`));
}
function walk(nm) {
	if (!fs.existsSync(nm)) return;
	for (const n of fs.readdirSync(nm)) {
		if (n.startsWith(".")) continue;
		const dirs = n.startsWith("@") ? fs.readdirSync(path.join(nm, n)).map((s) => path.join(nm, n, s)) : [path.join(nm, n)];
		for (const d of dirs) {
			if (!fs.existsSync(path.join(d, "package.json"))) continue;
			add(d);
			walk(path.join(d, "node_modules"));
		}
	}
}
walk(path.join(tmp, "tree", "node_modules"));
const fontNote = "Its font is inlined in graphiql.min.css (from @graphiql/react/font).";
add(path.join(tmp, "@fontsource/roboto"), fontNote);
add(path.join(tmp, "@fontsource/fira-code"), fontNote);
const rule = "=".repeat(78);
process.stdout.write(
	"Licences of the code and fonts bundled into graphiql.min.js and graphiql.min.css:\n" +
	"the packages npm resolves for graphiql and its dependencies, and the fonts.\n\n" +
	[...seen.keys()].sort().map((k) => `${rule}\n${seen.get(k)}\n`).join("\n"));
JS

{
	echo "# Pinned npm packages vendored by update-assets.sh: package@version integrity"
	while read -r id integrity file; do echo "$id $integrity"; done <"$tmp/packed.txt"
} >"$out/VERSIONS"

ls -l "$out"
