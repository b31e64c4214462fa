package resolvers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/requestid"
	"github.com/interactions-api/interactions/store"
)

// Error codes that this package sets in extensions.code.
const (
	CodeBadUserInput   = "BAD_USER_INPUT"
	CodeInternalError  = "INTERNAL_SERVER_ERROR"
	CodeBadRequest     = "BAD_REQUEST"
	CodeRequestTimeout = "REQUEST_TIMEOUT"
	CodeUnavailable    = "SERVICE_UNAVAILABLE"

	CodeIntrospectionDisabled = "INTROSPECTION_DISABLED"
)

// TimeoutError is the cause of a request's context when its deadline, the
// server's request timeout, passes.
type TimeoutError struct {
	Limit time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the request took longer than the server's request timeout of %s", e.Limit)
}

// PresentError is the GraphQL error presenter. Every error leaves it with an
// extensions.code: errors gqlgen already coded (parse, validation, limits)
// pass through; a *store.InvalidError becomes BAD_USER_INPUT naming the
// argument at fault; anything else is internal, logged here with its cause
// and shown to the client only as the request ID.
func (r *Resolver) PresentError(ctx context.Context, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Extensions["code"] != nil {
		return gqlErr
	}
	var path ast.Path
	if gqlErr != nil {
		path = gqlErr.Path
		if gqlErr.Unwrap() == nil && path == nil {
			// gqlgen's own words about the request, such as a body that is
			// not JSON: the client's mistake, with no cause of ours behind it.
			return &gqlerror.Error{
				Message:    requestMessage(gqlErr.Message),
				Extensions: map[string]any{"code": CodeBadRequest},
			}
		}
	}

	var refused *auth.Error
	if errors.As(err, &refused) {
		return &gqlerror.Error{
			Message:    refused.Message,
			Path:       path,
			Extensions: map[string]any{"code": refused.Code},
		}
	}

	var invalid *store.InvalidError
	if errors.As(err, &invalid) {
		field := invalid.Field
		if field == "" {
			// Raised while gqlgen unmarshalled an argument, such as a Time
			// inside the filter: the error's path continues the field's
			// path with the argument's, which is the name the client wants.
			field, path = splitArgumentPath(ctx, path)
		}
		return &gqlerror.Error{
			Message: invalidMessage(field, invalid.Message),
			Path:    path,
			Extensions: map[string]any{
				"code":     CodeBadUserInput,
				"argument": field,
			},
		}
	}

	var timeout *TimeoutError
	if errors.As(context.Cause(ctx), &timeout) {
		return &gqlerror.Error{
			Message:    timeout.Error(),
			Path:       path,
			Extensions: map[string]any{"code": CodeRequestTimeout, "limit": timeout.Limit.String()},
		}
	}

	id := requestid.FromContext(ctx)
	if errors.Is(err, store.ErrUnavailable) {
		// The client is told to retry later; the operator needs the cause.
		r.logger.ErrorContext(ctx, "database unavailable for writes",
			slog.String("request_id", id), slog.Any("error", err))
		return &gqlerror.Error{
			Message:    store.ErrUnavailable.Error(),
			Path:       path,
			Extensions: map[string]any{"code": CodeUnavailable},
		}
	}
	r.logger.ErrorContext(ctx, "graphql resolver failed",
		slog.String("request_id", id), slog.String("path", path.String()), slog.Any("error", err))
	return &gqlerror.Error{
		Message:    fmt.Sprintf("internal error (request ID %s)", id),
		Path:       path,
		Extensions: map[string]any{"code": CodeInternalError},
	}
}

// requestMessage shortens gqlgen's decoding error, which quotes the whole
// body back, to what the client needs to know.
func requestMessage(msg string) string {
	if strings.HasPrefix(msg, "json request body could not be decoded") {
		return "request body is not a valid GraphQL-over-HTTP JSON object"
	}
	return msg
}

func invalidMessage(field, msg string) string {
	if field == "" {
		return msg
	}
	return field + ": " + msg
}

// splitArgumentPath splits an argument error's path into the argument's
// dotted name ("filter.from") and the path of the field that took it.
func splitArgumentPath(ctx context.Context, path ast.Path) (string, ast.Path) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return "", path
	}
	fieldPath := fc.Path()
	if len(path) <= len(fieldPath) {
		return "", path
	}
	var b strings.Builder
	for _, el := range path[len(fieldPath):] {
		switch el := el.(type) {
		case ast.PathName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(el))
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(el))
		}
	}
	return b.String(), fieldPath
}
