// Command gen generates the tables of the profanity filter; go generate in
// rules/profanity/internal/engine runs it. It is a module of its own so
// that golang.org/x/text and the dictionaries it reads stay out of the
// library's dependencies: its output is committed.
//
//	-tables FILE  the class table of every character from U+0080 to
//	              U+2FFFF (separator, letter, mark, format, blank,
//	              pictograph...) and the fold table: compatibility forms
//	              (fullwidth, mathematical, circled, parenthesised
//	              letters), diacritics stripped, Latin letters by their
//	              Unicode name, and look-alike letters of other scripts,
//	              from NFKD, golang.org/x/text/unicode/runenames and the
//	              lists in tables.go
//	-allow FILE   the allow-list: every word of Debian's dictionaries
//	              (apt-get install wamerican wbritish wamerican-large
//	              wbritish-large) that the built-in lexicon matches without
//	              being profane
//	-eval DIR     the labelled evaluation set, from the seeds, sentences and
//	              dictionary traps (see eval.go)
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
)

func main() {
	tables := flag.String("tables", "", "write the fold table (Go source) to `file`")
	allow := flag.String("allow", "", "write the allow-list to `file`")
	eval := flag.String("eval", "", "write the evaluation set into `dir`")
	dicts := flag.String("dict", strings.Join(defaultDicts, ","), "comma-separated dictionary `files`")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	if *tables == "" && *allow == "" && *eval == "" {
		flag.Usage()
		os.Exit(2)
	}
	if *tables != "" {
		if err := writeTables(*tables); err != nil {
			log.Fatal(err)
		}
	}
	if *allow != "" {
		if err := writeAllowList(*allow, strings.Split(*dicts, ",")); err != nil {
			log.Fatal(err)
		}
	}
	if *eval != "" {
		if err := writeEvalSet(*eval, strings.Split(*dicts, ",")); err != nil {
			log.Fatal(err)
		}
	}
}

// writeFile writes data to path unless it is unchanged.
func writeFile(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	log.Printf("wrote %s", path)
	return nil
}
