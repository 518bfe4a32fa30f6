package main

import (
	"bufio"
	"bytes"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The evaluation set, eval.tsv, has one labelled message a line:
//
//	LABEL<TAB>CATEGORY<TAB>TEXT
//
// LABEL is "profane" or "clean". Profane categories are the obfuscation
// techniques a seed word went through (plain, case, leet, ...); clean ones
// are chat (ordinary chat lines), traps (innocent sentences holding profane
// letter sequences), traps-obfuscated (innocent words disguised as
// profanity is), dictionary (dictionary words holding a profane letter
// sequence: the word lists the allow-list was generated from, so this
// measures the generator as much as the matcher), unseen (innocent names
// and words that are in none of those lists) and scripts (Cyrillic, Greek
// and Armenian text).
//
// Hand-written inputs, in the same directory: seeds.txt, chat.txt,
// traps.txt, unseen.txt, scripts.txt and dictionary-excluded.txt
// (dictionary words left out of the clean set because they are profane or
// ambiguous).

// variants is how many messages each seed gets per technique.
const variants = 2

// templates embed a profane word in a message.
var templates = []string{
	"%s", "you %s", "what a %s", "%s this", "oh %s!", "such a %s lol", "that %s again?",
	"shut up %s", "%s!!!", "he is a total %s", "stop being a %s", "lol %s", "%s, seriously",
	"ugh %s", "look at this %s", "%s off", "no %s way",
}

// trapWords are innocent words that hold profane letter sequences, for the
// traps-obfuscated category.
var trapWords = []string{
	"assassin", "cocktail", "class", "grape", "therapist", "analysis", "title", "bass",
	"dickens", "shiitake", "cucumber", "document", "assess", "scrape", "peacock", "hello",
	"shell", "passion", "massive", "classic", "compass", "button", "butter", "canal",
	"specialist", "cumulative", "skyscraper", "scunthorpe", "penistone", "cockpit",
	"hitchcock", "shuttlecock", "glasses", "embassy", "grasshopper", "hotwater",
}

// unit is one letter of a word as rendered so far.
type unit = string

// technique disguises a word given as letters; ok is false when the
// technique does not apply to the word.
type technique struct {
	name string
	f    func(r *rand.Rand, w []unit) (s string, ok bool)
}

func letters(w string) []unit {
	var u []unit
	for _, r := range w {
		u = append(u, string(r))
	}
	return u
}

func join(u []unit) string { return strings.Join(u, "") }

var leetOf = map[string][]string{
	"a": {"4", "@"}, "e": {"3"}, "i": {"1", "!"}, "o": {"0"}, "s": {"5", "$"}, "t": {"7", "+"},
	"l": {"1"}, "g": {"9"}, "b": {"8"}, "c": {"("},
}

var cyrillicOf = map[string]string{
	"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і", "j": "ј",
	"s": "ѕ", "h": "һ", "k": "к", "m": "м", "t": "т",
}

var greekOf = map[string]string{
	"a": "α", "o": "ο", "e": "ε", "i": "ι", "k": "κ", "v": "ν", "t": "τ", "u": "υ", "p": "ρ", "x": "χ",
}

var accentsOf = map[string][]string{
	"a": {"á", "à", "ä", "â", "å", "ã"}, "e": {"é", "è", "ë", "ê"}, "i": {"í", "ì", "ï", "î"},
	"o": {"ó", "ò", "ö", "ô", "õ"}, "u": {"ú", "ù", "ü", "û"}, "c": {"ç", "ć", "č"},
	"n": {"ñ", "ń"}, "s": {"ś", "š", "ş"}, "t": {"ţ", "ť"}, "k": {"ķ"}, "g": {"ğ"}, "r": {"ř"},
	"l": {"ĺ", "ľ"}, "h": {"ĥ"}, "d": {"ď"}, "z": {"ž"}, "y": {"ý", "ÿ"},
}

var smallCaps = map[string]string{
	"a": "ᴀ", "b": "ʙ", "c": "ᴄ", "d": "ᴅ", "e": "ᴇ", "f": "ꜰ", "g": "ɢ", "h": "ʜ", "i": "ɪ", "j": "ᴊ",
	"k": "ᴋ", "l": "ʟ", "m": "ᴍ", "n": "ɴ", "o": "ᴏ", "p": "ᴘ", "r": "ʀ", "s": "ꜱ", "t": "ᴛ", "u": "ᴜ",
	"v": "ᴠ", "w": "ᴡ", "y": "ʏ", "z": "ᴢ",
}

// mathStyles are the first code points of complete lower-case alphabets of
// the Mathematical Alphanumeric Symbols block.
var mathStyles = []rune{0x1D41A, 0x1D482, 0x1D4EA, 0x1D586, 0x1D552, 0x1D5BA, 0x1D5EE, 0x1D622, 0x1D68A}

var zeroWidth = []string{"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
var bidi = []string{"\u200e", "\u200f", "\u202a", "\u202c", "\u202d", "\u2066", "\u2068", "\u2069"}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// substitute replaces some letters (at least one, not all when keepOne) by
// their entries in table.
func substitute(r *rand.Rand, w []unit, table func(string) (string, bool), keepOne bool) ([]unit, bool) {
	var can []int
	repl := map[int]string{}
	for i, u := range w {
		if v, ok := table(u); ok {
			can = append(can, i)
			repl[i] = v
		}
	}
	if len(can) == 0 || keepOne && len(w) == 1 {
		return nil, false
	}
	out := slices.Clone(w)
	n := 1 + r.IntN(len(can))
	if keepOne && n >= len(w) {
		n = len(w) - 1
	}
	r.Shuffle(len(can), func(i, j int) { can[i], can[j] = can[j], can[i] })
	for _, i := range can[:n] {
		out[i] = repl[i]
	}
	return out, true
}

// insertBetween puts 1 to 3 of the given invisible characters between
// letters.
func insertBetween(r *rand.Rand, w []unit, chars []string) []unit {
	out := slices.Clone(w)
	for k := 1 + r.IntN(3); k > 0; k-- {
		i := 1 + r.IntN(len(out)-1)
		out[i] = pick(r, chars) + out[i]
	}
	return out
}

var techniques = []technique{
	{"plain", func(r *rand.Rand, w []unit) (string, bool) { return join(w), true }},
	{"case", func(r *rand.Rand, w []unit) (string, bool) {
		if r.IntN(3) == 0 {
			return strings.ToUpper(join(w)), true
		}
		out := slices.Clone(w)
		for i := range out {
			if r.IntN(2) == 0 {
				out[i] = strings.ToUpper(out[i])
			}
		}
		out[0] = strings.ToUpper(out[0])
		return join(out), true
	}},
	{"leet", func(r *rand.Rand, w []unit) (string, bool) {
		out, ok := substitute(r, w, func(u string) (string, bool) {
			if l, ok := leetOf[u]; ok {
				return pick(r, l), true
			}
			return "", false
		}, true)
		return join(out), ok
	}},
	{"repeat", func(r *rand.Rand, w []unit) (string, bool) {
		out := slices.Clone(w)
		for k := 1 + r.IntN(2); k > 0; k-- {
			i := r.IntN(len(out))
			out[i] = strings.Repeat(w[i], 2+r.IntN(3))
		}
		return join(out), true
	}},
	{"spaced", func(r *rand.Rand, w []unit) (string, bool) { return strings.Join(w, " "), true }},
	{"punctuated", func(r *rand.Rand, w []unit) (string, bool) {
		return strings.Join(w, pick(r, []string{".", "-", "_", "/", " . ", ", "})), true
	}},
	{"masked", func(r *rand.Rand, w []unit) (string, bool) {
		if len(w) < 3 {
			return "", false
		}
		var vowels []int
		for i := 1; i < len(w)-1; i++ {
			if strings.Contains("aeiou", w[i]) {
				vowels = append(vowels, i)
			}
		}
		if len(vowels) == 0 {
			vowels = []int{1 + r.IntN(len(w)-2)}
		}
		out := slices.Clone(w)
		m := pick(r, []string{"*", "#", "%"})
		out[pick(r, vowels)] = m
		return join(out), true
	}},
	{"fullwidth", func(r *rand.Rand, w []unit) (string, bool) {
		out := slices.Clone(w)
		for i, u := range out {
			out[i] = string(rune(u[0]) - 'a' + 0xFF41)
		}
		return join(out), true
	}},
	{"math", func(r *rand.Rand, w []unit) (string, bool) {
		base := pick(r, mathStyles)
		out := slices.Clone(w)
		for i, u := range out {
			out[i] = string(base + rune(u[0]) - 'a')
		}
		return join(out), true
	}},
	{"styled", func(r *rand.Rand, w []unit) (string, bool) {
		out := slices.Clone(w)
		style := r.IntN(3)
		for i, u := range out {
			c := rune(u[0]) - 'a'
			switch style {
			case 0:
				out[i] = string(0x24D0 + c) // circled
			case 1:
				out[i] = string(0x1F170 + c) // negative squared
			default:
				if s, ok := smallCaps[u]; ok {
					out[i] = s
				}
			}
		}
		return join(out), true
	}},
	{"diacritics", func(r *rand.Rand, w []unit) (string, bool) {
		out, ok := substitute(r, w, func(u string) (string, bool) {
			if r.IntN(4) == 0 {
				return u + pick(r, []string{"\u0301", "\u0308", "\u0336", "\u0327"}), true
			}
			if l, ok := accentsOf[u]; ok {
				return pick(r, l), true
			}
			return "", false
		}, false)
		return join(out), ok
	}},
	{"zerowidth", func(r *rand.Rand, w []unit) (string, bool) { return join(insertBetween(r, w, zeroWidth)), true }},
	{"softhyphen", func(r *rand.Rand, w []unit) (string, bool) {
		return join(insertBetween(r, w, []string{"\u00ad"})), true
	}},
	{"bidi", func(r *rand.Rand, w []unit) (string, bool) { return join(insertBetween(r, w, bidi)), true }},
	{"cyrillic", func(r *rand.Rand, w []unit) (string, bool) {
		out, ok := substitute(r, w, func(u string) (string, bool) { c, ok := cyrillicOf[u]; return c, ok }, true)
		return join(out), ok
	}},
	{"greek", func(r *rand.Rand, w []unit) (string, bool) {
		out, ok := substitute(r, w, func(u string) (string, bool) { c, ok := greekOf[u]; return c, ok }, true)
		return join(out), ok
	}},
	{"combined", func(r *rand.Rand, w []unit) (string, bool) {
		// Case, then leetspeak or look-alikes, then repeats or invisible
		// characters: letter by letter, so the disguises compose.
		out := slices.Clone(w)
		if r.IntN(2) == 0 {
			if o, ok := substitute(r, out, func(u string) (string, bool) {
				if l, ok := leetOf[u]; ok {
					return pick(r, l), true
				}
				return "", false
			}, true); ok {
				out = o
			}
		} else if o, ok := substitute(r, out, func(u string) (string, bool) { c, ok := cyrillicOf[u]; return c, ok }, true); ok {
			out = o
		}
		for i := range out {
			if r.IntN(3) == 0 {
				out[i] = strings.ToUpper(out[i])
			}
		}
		if r.IntN(2) == 0 {
			i := r.IntN(len(out))
			out[i] = strings.Repeat(out[i], 2+r.IntN(2))
		} else {
			out = insertBetween(r, out, zeroWidth)
		}
		return join(out), true
	}},
}

// trapTechniques disguise innocent words for traps-obfuscated.
var trapTechniques = []string{"case", "leet", "repeat", "spaced", "fullwidth", "diacritics", "zerowidth", "cyrillic"}

type item struct{ label, category, text string }

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

// trapSubstrings are the letter sequences that make a dictionary word a
// trap for a naive filter.
var trapSubstrings = []string{
	"ass", "tit", "cum", "anal", "cock", "dick", "cunt", "twat", "wank", "piss", "crap", "fag",
	"nigg", "rape", "shit", "fuck", "arse", "clit", "porn", "slut", "whore", "hell", "damn",
	"spic", "coon", "tard", "prick", "bitch", "dyke", "boob", "homo", "jizz", "dildo", "knob",
	"horny", "penis", "sex", "butt", "pussy", "skank", "kike", "gook", "paki", "turd", "hoe",
	"nazi", "jap", "bastard", "slag", "wtf",
}

func writeEvalSet(dir string, dicts []string) error {
	r := rand.New(rand.NewPCG(4, 2026))
	read := func(name string) []string {
		l, err := readLines(filepath.Join(dir, name))
		if err != nil {
			log.Fatal(err)
		}
		return l
	}
	seeds, chat, traps, scripts := read("seeds.txt"), read("chat.txt"), read("traps.txt"), read("scripts.txt")
	unseen := read("unseen.txt")
	excluded := map[string]bool{}
	for _, w := range read("dictionary-excluded.txt") {
		excluded[strings.ToLower(w)] = true
	}
	var items []item
	for _, t := range techniques {
		for _, seed := range seeds {
			for v := 0; v < variants; v++ {
				s, ok := t.f(r, letters(seed))
				if !ok {
					continue
				}
				items = append(items, item{"profane", t.name, fmt.Sprintf(pick(r, templates), s)})
			}
		}
	}
	for _, l := range chat {
		items = append(items, item{"clean", "chat", l})
	}
	for _, l := range traps {
		items = append(items, item{"clean", "traps", l})
	}
	for _, name := range trapTechniques {
		i := slices.IndexFunc(techniques, func(t technique) bool { return t.name == name })
		for _, w := range trapWords {
			if s, ok := techniques[i].f(r, letters(w)); ok {
				items = append(items, item{"clean", "traps-obfuscated", s})
			}
		}
	}
	for _, l := range scripts {
		items = append(items, item{"clean", "scripts", l})
	}
	// Dictionary traps: the words of the lists that hold a trap sequence.
	words, err := readDicts(dicts)
	if err != nil {
		return err
	}
	inDict := map[string]bool{}
	nd := 0
	for _, w := range words {
		inDict[w] = true
		if excluded[w] || !isWord(w) {
			continue
		}
		if !slices.ContainsFunc(trapSubstrings, func(t string) bool { return strings.Contains(w, t) }) {
			continue
		}
		nd++
		items = append(items, item{"clean", "dictionary", w})
	}
	for _, w := range unseen {
		if inDict[strings.ToLower(w)] {
			return fmt.Errorf("unseen.txt: %q is in the dictionaries", w)
		}
		items = append(items, item{"clean", "unseen", w})
	}
	log.Printf("eval: %d items (%d dictionary)", len(items), nd)

	var b bytes.Buffer
	b.WriteString("# Code generated by rules/profanity/internal/gen -eval; DO NOT EDIT.\n")
	b.WriteString("# LABEL\tCATEGORY\tTEXT (see README.md)\n")
	for _, it := range items {
		if strings.ContainsAny(it.text, "\t\n") {
			return fmt.Errorf("eval item %q holds a tab or newline", it.text)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\n", it.label, it.category, it.text)
	}
	return writeFile(filepath.Join(dir, "eval.tsv"), b.Bytes())
}

// isWord reports whether w is made of letters only.
func isWord(w string) bool {
	if !utf8.ValidString(w) {
		return false
	}
	for _, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}
