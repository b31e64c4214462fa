package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/store"
)

// chromiumPath is Debian's Chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// cspCollector runs before the page's own scripts. The browser reports each
// CSP violation to the page as an event, which is surer to catch than the
// console's wording.
const cspCollector = `window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline code") +
    " at " + e.sourceFile + ":" + e.lineNumber));`

// editorText returns JavaScript for the text of the CodeMirror editor under
// selector. CodeMirror draws only the lines in view, so the DOM may not hold
// all of it.
func editorText(selector string) string {
	return fmt.Sprintf(`((cm) => cm && cm.CodeMirror ? cm.CodeMirror.getValue() : "")(document.querySelector(%q))`,
		selector+" .CodeMirror")
}

// TestPlaygroundInBrowser opens the playground at / in headless Chromium
// against the real service, as a user would on a server whose reads need a
// token: it puts the token in GraphiQL's headers editor, reloads the schema,
// runs the query the page opens with, and checks that the seed data's first
// page appears, that the Content-Security-Policy blocked nothing, and that
// the browser asked no other host for anything. The screenshot is kept in
// $PLAYGROUND_SCREENSHOT_DIR (a temporary folder when unset).
func TestPlaygroundInBrowser(t *testing.T) {
	if os.Getenv("INTERACTIONS_SKIP_BROWSER") == "1" {
		t.Skip("INTERACTIONS_SKIP_BROWSER=1")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the playground's browser test needs Chromium at %s: install it with `apt-get install -y chromium`, "+
			"or set INTERACTIONS_SKIP_BROWSER=1 to skip this test (%v)", chromiumPath, err)
	}
	shotDir := os.Getenv("PLAYGROUND_SCREENSHOT_DIR")
	if shotDir == "" {
		shotDir = t.TempDir()
	} else if err := os.MkdirAll(shotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	const readToken = "playground-read-token"
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{Tokens: auth.Tokens{Read: readToken}})
	serverURL, _ := url.Parse(s.URL)

	chromeOutput := &syncBuffer{}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // as root, Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Every host name fails to resolve, so that a request for a CDN
		// fails here rather than leave the machine.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE "+serverURL.Hostname()),
		chromedp.WindowSize(1280, 800),
		chromedp.CombinedOutput(chromeOutput),
		// With no user-data-dir, chromedp makes a fresh one and removes it.
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	// The first call starts the browser, whose life is bound to that call's
	// context, so it gets no timeout; the steps below do.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v\n%s", chromiumPath, err, chromeOutput)
	}
	var (
		mu       sync.Mutex
		requests []string
		console  []string
	)
	// Listen sees, in order, every event sent before a command's reply, so
	// the lists are complete when the checks below read them.
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.URL)
		case *log.EventEntryAdded:
			console = append(console, fmt.Sprintf("%s %s: %s %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			console = append(console, fmt.Sprintf("exception: %s (%s:%d)", text, d.URL, d.LineNumber+1))
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				if a.Description != "" {
					args = append(args, a.Description)
				} else {
					args = append(args, string(a.Value))
				}
			}
			console = append(console, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: cspCollector}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}

	// The screenshot is taken whatever happens, as it shows why a run failed.
	defer func() {
		sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
		defer scancel()
		png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Errorf("screenshot: %v", err)
		} else if path := filepath.Join(shotDir, "playground.png"); os.WriteFile(path, png, 0o644) != nil {
			t.Errorf("could not write the screenshot to %s", path)
		} else {
			t.Logf("screenshot: %s", path)
		}
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			out := strings.Split(strings.TrimSpace(chromeOutput.String()), "\n")
			t.Logf("browser console:\n%s\nrequests:\n%s\nChromium's output, last lines:\n%s",
				strings.Join(console, "\n"), strings.Join(requests, "\n"), strings.Join(out[max(0, len(out)-20):], "\n"))
		}
	}()

	tctx, tcancel := context.WithTimeout(ctx, 30*time.Second)
	defer tcancel()
	step := func(what string, action chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tctx, action); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	poll := func(what, expression string) {
		t.Helper()
		step(what, chromedp.Poll[chromedp.Void](expression, chromedp.WithPollingTimeout(10*time.Second)))
	}
	const (
		queryEditor   = ".graphiql-query-editor"
		headersEditor = `section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)`
		resultPane    = ".graphiql-response"
	)

	step("open /", chromedp.Navigate(s.URL+"/"))
	step("wait for GraphiQL's run button", chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")))
	poll("wait for the seed query in the editor", editorText(queryEditor)+`.includes('"ACC-001"')`)
	poll("wait for the headers editor, open by default", `!!document.querySelector('`+headersEditor+` .CodeMirror')`)
	step("type the token into the headers editor", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`document.querySelector('%s .CodeMirror').CodeMirror.setValue(%q)`,
		headersEditor, `{"Authorization": "Bearer `+readToken+`"}`)))
	// The schema loaded without the token was refused; the docs list the
	// schema's types only once GraphiQL's introspection query, sent again
	// with the token, got through the server's depth and complexity limits.
	step("re-fetch the schema", chromedp.Click(chromedp.CSS(`button[aria-label="Re-fetch GraphQL schema"]`)))
	step("open the docs", chromedp.Click(chromedp.CSS(`button[aria-label="Show Documentation Explorer"]`)))
	poll("wait for the schema in the docs",
		`!!document.querySelector(".graphiql-doc-explorer")?.textContent.includes("InteractionConnection")`)
	step("close the docs", chromedp.Click(chromedp.CSS(`button[aria-label="Hide Documentation Explorer"]`)))
	// A dialog is what needs style-src 'unsafe-inline'; opening one checks
	// that the CSP still allows what GraphiQL does.
	step("open the settings", chromedp.Click(chromedp.CSS(`button[aria-label="Open settings dialog"]`)))
	step("wait for the settings dialog", chromedp.WaitVisible(chromedp.CSS(`[role="dialog"]`)))
	step("close the settings", chromedp.KeyEvent("\x1b"))
	step("wait for the settings dialog to close", chromedp.WaitNotPresent(chromedp.CSS(`[role="dialog"]`)))
	step("run the query", chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	result, err := chromedp.Run(tctx, chromedp.Poll[string](
		`((text) => text.includes('"databaseId": 2') && text)(`+editorText(resultPane)+`)`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		text, _ := chromedp.Run(tctx, chromedp.Evaluate[string](editorText(resultPane)))
		t.Fatalf(`wait for "databaseId": 2 in the result pane: %v; it shows %q`, err, text)
	}
	var resp struct {
		Data struct {
			Interactions struct {
				Edges []struct {
					Node struct{ DatabaseID int }
				}
			}
		}
		Errors []any
	}
	if err := json.Unmarshal([]byte(result), &resp); err != nil || len(resp.Errors) > 0 ||
		len(resp.Data.Interactions.Edges) != 2 ||
		resp.Data.Interactions.Edges[0].Node.DatabaseID != 1 || resp.Data.Interactions.Edges[1].Node.DatabaseID != 2 {
		t.Errorf("the result pane shows %s (%v); want interactions 1 and 2 and no errors", result, err)
	}
	if title, err := chromedp.Run(tctx, chromedp.Title()); err != nil || title != "Interactions API" {
		t.Errorf("page title %q (%v); want Interactions API", title, err)
	}

	violations, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](`window.__cspViolations`))
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) > 0 {
		t.Errorf("the Content-Security-Policy blocked:\n%s", strings.Join(violations, "\n"))
	}
	mu.Lock()
	for _, line := range console {
		if strings.Contains(line, "Content Security Policy") {
			t.Errorf("the console reported a CSP violation: %s", line)
		} else if strings.HasPrefix(line, "exception:") {
			t.Errorf("the page threw: %s", line)
		}
	}
	for _, u := range requests {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "data" && p.Host != serverURL.Host) {
			t.Errorf("the page asked for %s; it must load everything from the server itself", u)
		}
	}
	mu.Unlock()

	// The checks above mean something only if the browser enforces the CSP:
	// an inline script must be blocked, and reported.
	step("insert an inline script", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.createElement("script");
		s.textContent = "window.__inlineRan = true";
		document.head.append(s);
	})()`))
	poll("wait for the inline script to be blocked and reported",
		`!window.__inlineRan && window.__cspViolations.some((v) => v.startsWith("script-src"))`)
}
