// Package replay runs recorded invocation events through a processor.Handler
// and reports what each message would become: the engine of cmd/replay and
// of processortest.ReplayDir.
//
// Events come from files, directories of *.json files, JSON Lines files
// (*.jsonl, one event per line) or any reader of JSON Lines. Each report can
// be checked against a golden file beside its event: X.json is checked
// against X.golden.json (or X.NAME.golden.json when replayed under the
// configuration NAME.yaml), and Runner.Update writes it.
//
// The handler's callback sink decides whether callbacks are sent: a
// messaging.CallbackFunc that answers every request as the service would
// keeps the replay local, a real client sends them. Either way the request
// built for each event is in its Report.
package replay

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chimeflow/chimeflow/processor"
)

// Source is one event to replay.
type Source struct {
	// Name identifies the event in reports: the file name, "file:line" for
	// a line of a JSON Lines file, or "NAME:line" for a reader.
	Name string
	// Path is the event's own file, for golden files; "" for lines of a
	// JSON Lines file and of a reader.
	Path string
	// Data is the raw invocation payload.
	Data []byte
}

// ErrNoEvents is returned by Load when the paths hold no event.
var ErrNoEvents = errors.New("replay: no events found")

// Load expands paths into sources: a file is one event (or, ending in
// .jsonl, one event per non-empty line), a directory is its *.json and
// *.jsonl files in name order (golden files excluded, not recursive), and
// "-" reads JSON Lines from stdin, named "stdin".
func Load(paths []string, stdin io.Reader) ([]Source, error) {
	var out []Source
	for _, p := range paths {
		srcs, err := load(p, stdin)
		if err != nil {
			return nil, err
		}
		out = append(out, srcs...)
	}
	if len(out) == 0 {
		return nil, ErrNoEvents
	}
	return out, nil
}

func load(p string, stdin io.Reader) ([]Source, error) {
	if p == "-" {
		if stdin == nil {
			return nil, errors.New("replay: - names standard input, and there is none")
		}
		return ReadLines("stdin", stdin)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if !fi.IsDir() {
		return loadFile(p)
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	var out []Source
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || IsGolden(name) || !(strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".jsonl")) {
			continue
		}
		srcs, err := loadFile(filepath.Join(p, name))
		if err != nil {
			return nil, err
		}
		out = append(out, srcs...)
	}
	return out, nil
}

func loadFile(p string) ([]Source, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if strings.HasSuffix(p, ".jsonl") {
		return ReadLines(filepath.Base(p), bytes.NewReader(data))
	}
	return []Source{{Name: filepath.Base(p), Path: p, Data: data}}, nil
}

// ReadLines reads JSON Lines from r: one event per non-empty line, each
// named "name:N" after its line number. A line may hold up to
// processor.MaxEventSize bytes.
func ReadLines(name string, r io.Reader) ([]Source, error) {
	var out []Source
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), processor.MaxEventSize+1)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		out = append(out, Source{Name: name + ":" + strconv.Itoa(n), Data: append([]byte(nil), line...)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("replay: reading %s: %w", name, err)
	}
	return out, nil
}

// IsGolden reports whether a file name is a golden file.
func IsGolden(name string) bool { return strings.HasSuffix(name, ".golden.json") }

// GoldenPath returns the golden file of an event file for a configuration
// name ("" for the bundled default): X.json -> X.golden.json or
// X.NAME.golden.json.
func GoldenPath(eventPath, configName string) string {
	base := strings.TrimSuffix(eventPath, ".json")
	if configName == "" {
		return base + ".golden.json"
	}
	return base + "." + configName + ".golden.json"
}

// ConfigName returns the name goldens use for a configuration file:
// testdata/config/moderation.yaml -> moderation; "" stays "".
func ConfigName(configPath string) string {
	if configPath == "" {
		return ""
	}
	base := filepath.Base(configPath)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// Timed returns the sources in the order of their messages' times (see
// processor.MessageTime: the edit time of an edit, else the creation
// time), the order in which a channel would have seen them. The sort is
// stable: sources with equal times, and those whose time cannot be read
// (an event that does not decode, or has no timestamp), keep their place
// after the source before them.
func Timed(sources []Source) []Source {
	type timed struct {
		src Source
		at  time.Time
	}
	list := make([]timed, len(sources))
	var last time.Time
	for i, src := range sources {
		at := last
		if ev, err := processor.Decode(src.Data); err == nil {
			if t := processor.MessageTime(ev, func() time.Time { return time.Time{} }); !t.IsZero() {
				at = t
			}
		}
		list[i], last = timed{src, at}, at
	}
	slices.SortStableFunc(list, func(a, b timed) int { return a.at.Compare(b.at) })
	out := make([]Source, len(list))
	for i := range list {
		out[i] = list[i].src
	}
	return out
}
