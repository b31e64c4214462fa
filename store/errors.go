package store

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned when a looked-up interaction does not exist.
var ErrNotFound = errors.New("not found")

// InvalidError reports input that breaks one of the API's rules. Its message
// is written for the client; Field names the argument or input field at
// fault ("first", "filter.from") when the code that found it knows it.
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Invalid returns an *InvalidError for field with a formatted message.
func Invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Message: fmt.Sprintf(format, args...)}
}
