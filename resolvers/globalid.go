package resolvers

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/interactions-api/interactions/store"
)

// A global ID is the URL-safe base64 of "Interaction:<databaseId>". The type
// name leaves room for other node types without changing existing IDs.
const interactionIDPrefix = "Interaction:"

func globalID(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(interactionIDPrefix + strconv.FormatInt(id, 10)))
}

// parseGlobalID returns the database id inside an interaction's global ID.
func parseGlobalID(arg, s string) (int64, error) {
	malformed := store.Invalid(arg, "malformed ID %q: use an id exactly as this API returned it", truncate(s, 64))
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(s) > 64 {
		return 0, malformed
	}
	digits, ok := strings.CutPrefix(string(b), interactionIDPrefix)
	if !ok {
		return 0, malformed
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 || globalID(id) != s {
		return 0, malformed
	}
	return id, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
