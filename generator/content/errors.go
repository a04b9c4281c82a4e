package content

import "fmt"

// ParseError is a problem in a content file that its author must fix. It
// names the file and line and says how to fix it.
type ParseError struct {
	File string // path as given to the parser
	Line int    // 1-based; 0 when unknown
	Msg  string
	Hint string
}

func (e *ParseError) Error() string {
	s := e.File
	if e.Line > 0 {
		s = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	s += ": " + e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// ValidationError is a problem with one field of a Post, whatever its
// source (a file, a Micropub request, the shell).
type ValidationError struct {
	Field   string
	Problem string
	Hint    string
}

func (e *ValidationError) Error() string {
	s := e.Field + ": " + e.Problem
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}
