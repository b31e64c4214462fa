// Package playground serves a GraphiQL page whose scripts, styles and fonts
// all come from files embedded in the binary, so that it works with no
// internet access and under a strict Content-Security-Policy.
//
// The page is served by Handler wherever it is mounted; the files it loads
// are served by AssetsHandler under AssetPrefix, which must be routed too:
//
//	mux.Handle("GET /{$}", playground.Handler("Interactions API", "/graphql"))
//	mux.Handle("GET "+playground.AssetPrefix, playground.AssetsHandler())
//
// assets/ is vendored from npm by update-assets.sh (see assets/VERSIONS and
// the licence files beside it); static/ is this package's own code.
package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// AssetPrefix is the path under which AssetsHandler serves the page's files,
// as /playground/<version>/<name>.
const AssetPrefix = "/playground/"

// DefaultQuery is the query the editor opens with until the user edits it:
// the first page of the seed data's account ACC-001.
const DefaultQuery = `# Ctrl-Enter or ▶ runs the query.
# Needs a token? Put it under Headers:
# {"Authorization": "Bearer <token>"}
{
  interactions(accountNumber: "ACC-001", first: 2) {
    edges {
      cursor
      node {
        databaseId
        timestamp
        reason
        channel
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}`

// contentSecurityPolicy allows nothing that the page does not load from its
// own origin, with two relaxations GraphiQL needs:
//   - style-src 'unsafe-inline': opening one of GraphiQL's dialogs (settings,
//     short keys) makes react-remove-scroll insert a <style> element, which
//     the browser blocks otherwise. Styles cannot run code.
//   - data: in font-src and img-src: graphiql.min.css inlines its fonts
//     (Roboto, Fira Code) and a few images as data: URLs.
//
// No script is inline and none uses eval, so script-src stays 'self'.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; font-src 'self' data:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

//go:embed assets static
var files embed.FS

type asset struct {
	name        string
	body        []byte
	contentType string
	gzipped     func() []byte
}

var (
	assets  = map[string]*asset{}
	version string
)

func init() {
	sum := sha256.New()
	for _, dir := range []string{"assets", "static"} {
		entries, err := fs.ReadDir(files, dir)
		if err != nil {
			panic(err)
		}
		for _, e := range entries {
			body, err := fs.ReadFile(files, path.Join(dir, e.Name()))
			if err != nil {
				panic(err)
			}
			if _, dup := assets[e.Name()]; dup {
				panic("playground: " + e.Name() + " is in both assets/ and static/")
			}
			a := &asset{name: e.Name(), body: body, contentType: contentType(e.Name())}
			// Compressed on first request rather than at start-up, which
			// would cost every process that never serves the playground.
			a.gzipped = sync.OnceValue(func() []byte { return gzipBytes(a.body) })
			assets[a.name] = a
		}
	}
	names := make([]string, 0, len(assets))
	for name := range assets {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(sum, "%s %d\n", name, len(assets[name].body))
		sum.Write(assets[name].body)
	}
	version = hex.EncodeToString(sum.Sum(nil))[:12]
}

// contentType is set explicitly, not looked up by extension, because the
// system's MIME table may be missing or disagree, and nosniff makes the
// browser refuse a script or style sheet served with the wrong type.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	default:
		return "text/plain; charset=utf-8"
	}
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// assetURL is the absolute path of an embedded file, so that the page works
// wherever Handler is mounted.
func assetURL(name string) (string, error) {
	if _, ok := assets[name]; !ok {
		return "", fmt.Errorf("playground: no embedded asset %q", name)
	}
	return AssetPrefix + version + "/" + name, nil
}

// The page's settings travel in data- attributes, which static/playground.js
// reads, because the CSP forbids inline script.
var page = template.Must(template.New("page").Funcs(template.FuncMap{"asset": assetURL}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{asset "graphiql.min.css"}}">
<link rel="stylesheet" href="{{asset "playground.css"}}">
<script defer src="{{asset "react.production.min.js"}}"></script>
<script defer src="{{asset "react-dom.production.min.js"}}"></script>
<script defer src="{{asset "graphiql.min.js"}}"></script>
<script defer src="{{asset "playground.js"}}"></script>
</head>
<body>
<div id="graphiql" data-title="{{.Title}}" data-endpoint="{{.Endpoint}}" data-query="{{.Query}}">
<noscript>The playground needs JavaScript. The GraphQL endpoint is {{.Endpoint}}.</noscript>
</div>
</body>
</html>
`))

// Handler serves the playground page for the GraphQL endpoint at endpoint,
// which must be on the same origin (connect-src 'self'), e.g. "/graphql".
func Handler(title, endpoint string) http.Handler {
	var buf bytes.Buffer
	if err := page.Execute(&buf, struct{ Title, Endpoint, Query string }{title, endpoint, DefaultQuery}); err != nil {
		panic(err)
	}
	body := buf.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowMethod(w, r) {
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		// The page names the current assets' version: a browser must
		// revalidate it so that a new binary's assets are picked up.
		h.Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

// AssetsHandler serves the embedded files under AssetPrefix. Their URLs
// carry a hash of all of them, so they can be cached for good: a binary with
// other files links to other URLs, and answers 404 for the old ones.
func AssetsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowMethod(w, r) {
			return
		}
		v, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, AssetPrefix), "/")
		a, ok := assets[name]
		if v != version || !ok || !strings.HasPrefix(r.URL.Path, AssetPrefix) {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("Vary", "Accept-Encoding")
		body := a.body
		if acceptsGzip(r) {
			body = a.gzipped()
			h.Set("Content-Encoding", "gzip")
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

func allowMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
