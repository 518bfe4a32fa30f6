package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
)

// Document is one version of a rules configuration document, as a Source
// fetched it.
type Document struct {
	// Data is the document: YAML or JSON, as rules.Parse reads it.
	Data []byte
	// Version names this version in log lines and decisions, such as
	// "ssm:7" for version 7 of a Parameter Store parameter. Empty means
	// the content hash, HashVersion(Data).
	Version string
	// Source names the document in the problems rules.Parse reports: a
	// path, "$CHIMEFLOW_CONFIG", "ssm:/chimeflow/rules@7".
	Source string
}

// Source fetches the current version of a rules configuration document.
// Fetch may be called from several goroutines, though a Router calls it
// from one at a time; it should return promptly when ctx is done.
// String names the source in log lines, without any secret.
type Source interface {
	Fetch(ctx context.Context) (Document, error)
	String() string
}

// HashVersion returns the version of a document that has no version of its
// own: "sha256:" and the first 12 hexadecimal digits of the SHA-256 of
// data.
func HashVersion(data []byte) string { return hashName(sha256.Sum256(data)) }

func hashName(h [sha256.Size]byte) string { return "sha256:" + hex.EncodeToString(h[:6]) }

// Bytes is a Source of a fixed document: the CHIMEFLOW_CONFIG variable, a
// document compiled into the program. Name names it in problems and logs.
type Bytes struct {
	Name string
	Data []byte
}

// Fetch returns the document.
func (b Bytes) Fetch(context.Context) (Document, error) {
	return Document{Data: b.Data, Source: b.Name}, nil
}

// String returns the name.
func (b Bytes) String() string { return b.Name }

// File is a Source that reads the file at the path at each Fetch: the
// rules file deployed beside the processor, or a file edited locally.
type File string

// Fetch reads the file.
func (f File) Fetch(context.Context) (Document, error) {
	data, err := os.ReadFile(string(f))
	if err != nil {
		return Document{}, fmt.Errorf("rules configuration: %w", err)
	}
	return Document{Data: data, Source: string(f)}, nil
}

// String returns the path.
func (f File) String() string { return string(f) }
