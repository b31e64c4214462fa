package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// postTransport serves GraphQL over POST with a JSON body as gqlgen's
// transport.POST does, but writes a successful response's data as gqlgen
// encoded it. transport.POST passes the whole response through
// json.Marshal, which parses the data, already JSON, a second time only to
// copy it out again with <, > and & escaped: for a page of interactions
// that was about a tenth of the request's CPU. Every request that does not
// get as far as running its operation (a body that does not decode, a
// query that does not parse or validate) is left to transport.POST, which
// then answers it exactly as it would have.
type postTransport struct {
	gqlgen transport.POST
}

var _ graphql.Transport = postTransport{}

func (t postTransport) Supports(r *http.Request) bool { return t.gqlgen.Supports(r) }

func (t postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		// Nothing read can be given back; gqlgen reports the read error.
		t.gqlgen.Do(w, r, exec)
		return
	}
	fallBack := func() {
		r.Body = io.NopCloser(bytes.NewReader(body))
		t.gqlgen.Do(w, r, exec)
	}

	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	// As transport.POST: numbers stay json.Number, so that an Int variable
	// too large for float64 is refused rather than rounded.
	dec.UseNumber()
	if dec.Decode(&params) != nil {
		fallBack()
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	op, errs := exec.CreateOperationContext(ctx, &params)
	if errs != nil {
		fallBack()
		return
	}
	respond, ctx := exec.DispatchOperation(ctx, op)
	out, err := appendResponse(nil, respond(ctx))
	if err != nil {
		// gqlgen's transport panics here; a 500 says the same without
		// tearing down the connection.
		writeGraphQLError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "the response could not be encoded")
		return
	}
	w.Header().Set("Content-Type", responseContentType(r))
	// Known in full, so sent whole rather than in chunks.
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.Write(out)
}

// responseContentType picks the media type of the answer from the request's
// Accept header, as transport.POST without ResponseHeaders does: JSON for no
// preference or the first acceptable of application/json, application/* and
// */*, the GraphQL response type when that comes first or nothing else fits.
func responseContentType(r *http.Request) string {
	const (
		plainJSON   = "application/json"
		graphqlJSON = "application/graphql-response+json"
	)
	accept := r.Header.Get("Accept")
	if accept == "" {
		return plainJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case plainJSON, "application/*", "*/*":
			return plainJSON
		case graphqlJSON:
			return graphqlJSON
		}
	}
	return graphqlJSON
}

// appendResponse appends resp as json.Marshal encodes it. A response with
// data and nothing else, the common case, is written directly: gqlgen's
// data is compact and valid JSON already, so only json.Marshal's escaping
// of <, >, &, U+2028 and U+2029 (which occur only inside strings) is left
// to do. Anything else goes through json.Marshal.
func appendResponse(dst []byte, resp *graphql.Response) ([]byte, error) {
	if resp == nil || len(resp.Data) == 0 || len(resp.Errors) > 0 || resp.Label != "" ||
		len(resp.Path) > 0 || resp.HasNext != nil || len(resp.Extensions) > 0 {
		b, err := json.Marshal(resp)
		return append(dst, b...), err
	}
	dst = slices.Grow(dst, len(`{"data":}`)+len(resp.Data))
	dst = append(dst, `{"data":`...)
	dst = appendEscapedJSON(dst, resp.Data)
	return append(dst, '}'), nil
}

// appendEscapedJSON appends the JSON text src with the characters that
// json.Marshal escapes for safe embedding in HTML and JavaScript replaced
// by the same \u escapes.
func appendEscapedJSON(dst, src []byte) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '<' || c == '>' || c == '&':
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			start = i + 1
		case c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8:
			// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR, which
			// end a line in JavaScript source.
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', '8'+(src[i+2]&1))
			start = i + 3
			i += 2
		}
	}
	return append(dst, src[start:]...)
}
