package playground_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/interactions-api/interactions/playground"
)

const title = `Interactions <API> & "friends"`

// newServer mounts the playground as routes.go does.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", playground.Handler(title, "/graphql"))
	mux.Handle("GET "+playground.AssetPrefix, playground.AssetsHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path as it is on the wire: no transparent decompression.
func get(t *testing.T, srv *httptest.Server, method, path string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func page(t *testing.T, srv *httptest.Server) (*http.Response, string) {
	t.Helper()
	resp, body := get(t, srv, http.MethodGet, "/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d %s", resp.StatusCode, body)
	}
	return resp, string(body)
}

var assetRef = regexp.MustCompile(`(?:src|href)="(/playground/[^"]+)"`)

// assetURLs are the files the page loads, which all share one version.
func assetURLs(t *testing.T, html string) (urls []string, version string) {
	t.Helper()
	for _, m := range assetRef.FindAllStringSubmatch(html, -1) {
		urls = append(urls, m[1])
		v := strings.Split(strings.TrimPrefix(m[1], playground.AssetPrefix), "/")[0]
		if version != "" && v != version {
			t.Errorf("asset URLs carry versions %s and %s", version, v)
		}
		version = v
	}
	if len(urls) != 6 {
		t.Fatalf("the page loads %d files from %s (%v); want 4 scripts and 2 style sheets", len(urls), playground.AssetPrefix, urls)
	}
	return urls, version
}

func TestPage(t *testing.T) {
	srv := newServer(t)
	resp, html := page(t, srv)

	want := map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-cache",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, directive := range []string{"default-src 'self'", "script-src 'self'", "connect-src 'self'",
		"frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"} {
		if !strings.Contains(csp, directive+";") && !strings.HasSuffix(csp, directive) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, directive)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http") || strings.Contains(csp, "*") {
		t.Errorf("Content-Security-Policy %q allows eval or another origin", csp)
	}

	// No CDN: nothing on the page points off the server.
	if strings.Contains(html, "http://") || strings.Contains(html, "https://") || strings.Contains(html, `"//`) {
		t.Errorf("the page names another origin:\n%s", html)
	}
	// The CSP forbids inline script, so every script is a file.
	for _, tag := range regexp.MustCompile(`<script[^>]*>[^<]*</script>`).FindAllString(html, -1) {
		if !strings.Contains(tag, ` src="/`) || !strings.HasSuffix(tag, "></script>") {
			t.Errorf("inline or off-site script: %s", tag)
		}
	}
	if strings.Contains(html, "style=") || strings.Contains(html, "<style") {
		t.Errorf("the page has inline styles:\n%s", html)
	}
	assetURLs(t, html)

	for _, want := range []string{
		`<title>Interactions &lt;API&gt; &amp; &#34;friends&#34;</title>`,
		`data-endpoint="/graphql"`,
		`interactions(accountNumber: &#34;ACC-001&#34;, first: 2)`,
		`Authorization`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %s:\n%s", want, html)
		}
	}

	resp, body := get(t, srv, http.MethodHead, "/", nil)
	if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.Header.Get("Content-Security-Policy") != csp {
		t.Errorf("HEAD /: %d, %d bytes, CSP %q", resp.StatusCode, len(body), resp.Header.Get("Content-Security-Policy"))
	}
}

// TestAssets serves every file in assets/ and static/, which must be what
// the binary embeds, with its type and caching.
func TestAssets(t *testing.T) {
	srv := newServer(t)
	_, html := page(t, srv)
	urls, version := assetURLs(t, html)

	var names []string
	for _, dir := range []string{"assets", "static"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	for _, name := range names {
		onDisk, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		url := playground.AssetPrefix + version + "/" + path.Base(name)
		resp, body := get(t, srv, http.MethodGet, url, nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, onDisk) {
			t.Errorf("GET %s: %d, %d bytes; want 200 and the %d bytes of %s (rebuild after changing it)",
				url, resp.StatusCode, len(body), len(onDisk), name)
			continue
		}
		wantType := "text/plain; charset=utf-8"
		switch path.Ext(name) {
		case ".js":
			wantType = "text/javascript; charset=utf-8"
		case ".css":
			wantType = "text/css; charset=utf-8"
		}
		if got := resp.Header.Get("Content-Type"); got != wantType {
			t.Errorf("GET %s: Content-Type %q, want %q", url, got, wantType)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", url, got)
		}
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q; want a year, immutable", url, got)
		}
	}

	for _, url := range urls {
		resp, _ := get(t, srv, http.MethodHead, url, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s (linked from the page): %d", url, resp.StatusCode)
		}
	}
}

func TestAssetsGzip(t *testing.T) {
	srv := newServer(t)
	_, html := page(t, srv)
	_, version := assetURLs(t, html)
	url := playground.AssetPrefix + version + "/graphiql.min.js"
	_, plain := get(t, srv, http.MethodGet, url, nil)
	resp, body := get(t, srv, http.MethodGet, url, http.Header{"Accept-Encoding": {"br, gzip"}})
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("GET %s accepting gzip: Content-Encoding %q, Vary %q", url, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain) {
		t.Errorf("gzipped body does not unzip to the file (%v)", err)
	}
	if len(body) > len(plain)/2 {
		t.Errorf("gzipped %d bytes to %d", len(plain), len(body))
	}
	resp, _ = get(t, srv, http.MethodGet, url, http.Header{"Accept-Encoding": {"gzip;q=0"}})
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
}

func TestAssetsNotFound(t *testing.T) {
	srv := newServer(t)
	_, html := page(t, srv)
	_, version := assetURLs(t, html)
	for _, p := range []string{
		playground.AssetPrefix + "000000000000/graphiql.min.js", // another binary's
		playground.AssetPrefix + "graphiql.min.js",
		playground.AssetPrefix + version + "/",
		playground.AssetPrefix + version + "/playground.go",
		playground.AssetPrefix + version + "/assets/graphiql.min.js",
		playground.AssetPrefix + version + "/graphiql.min.js/x",
	} {
		if resp, _ := get(t, srv, http.MethodGet, p, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestMethods(t *testing.T) {
	for name, h := range map[string]http.Handler{
		"page":   playground.Handler(title, "/graphql"),
		"assets": playground.AssetsHandler(),
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST to the %s handler: %d, Allow %q; want 405, GET, HEAD", name, rec.Code, rec.Header().Get("Allow"))
		}
	}
}

// TestLicences checks that every vendored package's licence ships with it,
// and that the style sheets load nothing from elsewhere.
func TestLicences(t *testing.T) {
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("assets", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	versions := read("VERSIONS")
	for _, pkg := range []string{"graphiql", "react", "react-dom"} {
		if !regexp.MustCompile(`(?m)^` + pkg + `@\d+\.\d+\.\d+ sha512-`).MatchString(versions) {
			t.Errorf("VERSIONS does not pin %s:\n%s", pkg, versions)
		}
		if licence := read("LICENSE." + pkg); !strings.Contains(licence, "MIT License") || !strings.Contains(licence, "Copyright") {
			t.Errorf("LICENSE.%s is not an MIT licence with its copyright:\n%s", pkg, licence)
		}
	}
	// graphiql.min.js bundles its dependencies, and its style sheet fonts.
	thirdParty := read("THIRD-PARTY-LICENSES")
	for _, want := range []string{"\ngraphql@", "\n@graphiql/react@", "\ncodemirror@", "\n@fontsource/roboto@", "\n@fontsource/fira-code@", "SIL OPEN FONT LICENSE"} {
		if !strings.Contains(thirdParty, want) {
			t.Errorf("THIRD-PARTY-LICENSES lacks %q", strings.TrimSpace(want))
		}
	}

	for _, css := range []string{"assets/graphiql.min.css", "static/playground.css"} {
		b, err := os.ReadFile(css)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "@import") {
			t.Errorf("%s has an @import", css)
		}
		for _, m := range regexp.MustCompile(`url\(\s*["']?([^"')]{0,16})`).FindAllStringSubmatch(string(b), -1) {
			if !strings.HasPrefix(m[1], "data:") {
				t.Errorf("%s loads url(%s…); only data: URLs load without a request", css, m[1])
			}
		}
	}
}
