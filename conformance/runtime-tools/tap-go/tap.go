// Package tap is a small TAP version 13 writer, written for runj's
// conformance harness. It provides the subset of the
// github.com/mndrix/tap-go API that opencontainers/runtime-tools'
// validation suite calls (that package is not in Debian), and is built in
// its place at the same import path.
package tap

import (
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v2"
)

// T writes one TAP stream.
type T struct {
	// next is the number of the next test point; shared with the writers
	// Todo returns.
	next *int
	// TODO marks the following test points as TODO (see Todo).
	TODO bool
	// Writer receives the TAP stream; os.Stdout unless changed.
	Writer io.Writer
}

// New returns a TAP writer on standard output.
func New() *T {
	n := 1
	return &T{next: &n, Writer: os.Stdout}
}

func (t *T) counter() *int {
	if t.next == nil {
		n := 1
		t.next = &n
	}
	return t.next
}

func (t *T) printf(format string, a ...interface{}) {
	w := t.Writer
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintf(w, format, a...)
}

// Header prints the version line and, when testCount > 0, the plan.
// Header(0) leaves the plan to AutoPlan.
func (t *T) Header(testCount int) {
	t.printf("TAP version 13\n")
	if testCount > 0 {
		t.printf("1..%d\n", testCount)
	}
}

// escape keeps a description on one line and away from the directive
// separator.
func escape(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	s = strings.ReplaceAll(s, "#", "\\#")
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.ReplaceAll(s, "\n", " ")
}

// Ok prints one test point: "ok N - description" or "not ok N - description".
func (t *T) Ok(test bool, description string) {
	n := t.counter()
	status := "ok"
	if !test {
		status = "not ok"
	}
	line := fmt.Sprintf("%s %d", status, *n)
	if description != "" {
		line += " - " + escape(description)
	}
	if t.TODO {
		line += " # TODO"
	}
	t.printf("%s\n", line)
	*n++
}

// Pass prints a passing test point.
func (t *T) Pass(description string) { t.Ok(true, description) }

// Fail prints a failing test point.
func (t *T) Fail(description string) { t.Ok(false, description) }

// Skip prints count skipped test points.
func (t *T) Skip(count int, description string) {
	n := t.counter()
	for i := 0; i < count; i++ {
		t.printf("ok %d # SKIP %s\n", *n, escape(description))
		*n++
	}
}

// Todo returns a writer that shares this one's numbering and output and
// marks its test points TODO.
func (t *T) Todo() *T {
	return &T{next: t.counter(), TODO: true, Writer: t.Writer}
}

// Count returns the number of test points printed so far.
func (t *T) Count() int {
	return *t.counter() - 1
}

// AutoPlan prints the plan for the test points printed so far.
func (t *T) AutoPlan() {
	t.printf("1..%d\n", t.Count())
}

// Diagnostic prints a comment; every line of message is prefixed "# ".
func (t *T) Diagnostic(message string) {
	for _, l := range strings.Split(strings.TrimRight(message, "\n"), "\n") {
		t.printf("# %s\n", l)
	}
}

// Diagnosticf is Diagnostic with formatting.
func (t *T) Diagnosticf(format string, a ...interface{}) {
	t.Diagnostic(fmt.Sprintf(format, a...))
}

// YAML prints message as a YAML block attached to the last test point.
func (t *T) YAML(message interface{}) error {
	b, err := yaml.Marshal(message)
	if err != nil {
		return err
	}
	t.printf("  ---\n")
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		t.printf("  %s\n", l)
	}
	t.printf("  ...\n")
	return nil
}
