package main

import (
	"bytes"
	"fmt"
	"go/format"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

// confusables maps letters of other scripts to the Latin letter they look
// like. The matcher uses them only in words that mix scripts, so that real
// Cyrillic, Greek or Armenian text is never read as English.
var confusables = map[rune]byte{
	// Cyrillic, lower case
	'а': 'a', 'в': 'b', 'ь': 'b', 'б': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'һ': 'h', 'н': 'h',
	'і': 'i', 'ј': 'j', 'к': 'k', 'ӏ': 'l', 'м': 'm', 'п': 'n', 'о': 'o', 'р': 'p',
	'ԛ': 'q', 'г': 'r', 'ѕ': 's', 'т': 't', 'и': 'u', 'у': 'y', 'ү': 'y', 'х': 'x', 'ԝ': 'w', 'ш': 'w',
	// Cyrillic, upper case
	'А': 'a', 'В': 'b', 'С': 'c', 'Ԁ': 'd', 'Е': 'e', 'Н': 'h', 'І': 'i', 'Ј': 'j', 'К': 'k',
	'Ӏ': 'l', 'М': 'm', 'О': 'o', 'Р': 'p', 'Ԛ': 'q', 'Ѕ': 's', 'Т': 't', 'Х': 'x', 'У': 'y',
	'Ү': 'y', 'Ԝ': 'w', 'П': 'n', 'Ш': 'w',
	// Greek
	'α': 'a', 'β': 'b', 'γ': 'y', 'ε': 'e', 'ϵ': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'μ': 'u',
	'ν': 'v', 'ο': 'o', 'π': 'n', 'ρ': 'p', 'σ': 'o', 'ς': 's', 'τ': 't', 'υ': 'u', 'χ': 'x',
	'ω': 'w', 'ϲ': 'c', 'ϳ': 'j', 'Α': 'a', 'Β': 'b', 'Ε': 'e', 'Ζ': 'z', 'Η': 'h', 'Ι': 'i',
	'Κ': 'k', 'Μ': 'm', 'Ν': 'n', 'Ο': 'o', 'Ρ': 'p', 'Τ': 't', 'Υ': 'y', 'Χ': 'x', 'Ϲ': 'c',
	// Armenian
	'օ': 'o', 'ս': 'u', 'ց': 'g', 'հ': 'h', 'ո': 'n', 'զ': 'q',
	// Cyrillic letters of other languages, as "fancy text" generators use them
	'ғ': 'f', 'Ғ': 'f', 'ӄ': 'k', 'Ӄ': 'k',
}

// rareConfusables are letters of scripts rarely written in chat that are
// near copies of Latin capitals, as "fancy text" generators use them:
// Lisu, Cherokee, Canadian syllabics and runes. They read as Latin in any
// word (they are all foreign).
var rareConfusables = map[rune]byte{
	// Lisu
	'ꓐ': 'b', 'ꓑ': 'p', 'ꓓ': 'd', 'ꓔ': 't', 'ꓖ': 'g', 'ꓗ': 'k', 'ꓙ': 'j', 'ꓚ': 'c', 'ꓜ': 'z',
	'ꓝ': 'f', 'ꓟ': 'm', 'ꓠ': 'n', 'ꓡ': 'l', 'ꓢ': 's', 'ꓣ': 'r', 'ꓦ': 'v', 'ꓧ': 'h', 'ꓪ': 'w',
	'ꓫ': 'x', 'ꓬ': 'y', 'ꓮ': 'a', 'ꓰ': 'e', 'ꓲ': 'i', 'ꓳ': 'o', 'ꓴ': 'u',
	// Cherokee (the small letters are added from these)
	'Ꭰ': 'd', 'Ꭱ': 'r', 'Ꭲ': 't', 'Ꭵ': 'i', 'Ꭹ': 'y', 'Ꭺ': 'a', 'Ꭻ': 'j', 'Ꭼ': 'e', 'Ꮃ': 'w',
	'Ꮇ': 'm', 'Ꮋ': 'h', 'Ꮍ': 'y', 'Ꮐ': 'g', 'Ꮒ': 'h', 'Ꮓ': 'z', 'Ꮟ': 'b', 'Ꮢ': 'r', 'Ꮪ': 's',
	'Ꮮ': 'l', 'Ꮯ': 'c', 'Ꮲ': 'p', 'Ꮶ': 'k', 'Ᏼ': 'b', 'Ꮩ': 'v', 'Ꮤ': 'w',
	// Canadian syllabics
	'ᗩ': 'a', 'ᗷ': 'b', 'ᑕ': 'c', 'ᗪ': 'd', 'ᕮ': 'e', 'ᖴ': 'f', 'ᘜ': 'g', 'ᕼ': 'h', 'ᒍ': 'j',
	'ᒪ': 'l', 'ᗰ': 'm', 'ᑎ': 'n', 'ᑭ': 'p', 'ᑫ': 'q', 'ᖇ': 'r', 'ᔕ': 's', 'ᑌ': 'u', 'ᐯ': 'v',
	'ᗯ': 'w', '᙭': 'x', 'ᘔ': 'z',
	// Runes
	'ᚠ': 'f', 'ᛒ': 'b', 'ᛕ': 'k', 'ᚱ': 'r', 'ᛁ': 'i',
}

// foreign are the look-alikes that the major languages of their script do
// not use (Russian, Ukrainian, Belarusian, Bulgarian, Serbian; modern
// Greek): a word written wholly in look-alikes that holds one of them is
// read as Latin even in a text that is not mostly Latin.
var foreign = map[rune]bool{
	'ѕ': true, 'Ѕ': true, 'һ': true, 'Һ': true, 'ӏ': true, 'Ӏ': true, 'ԁ': true, 'Ԁ': true,
	'ԛ': true, 'Ԛ': true, 'ԝ': true, 'Ԝ': true, 'ϲ': true, 'Ϲ': true, 'ϳ': true, 'ϵ': true,
	'ғ': true, 'Ғ': true, 'ӄ': true, 'Ӄ': true,
}

// blanks are letters and symbols that render as blank space: the Hangul
// fillers and the blank braille pattern. Inside a word they join its
// pieces, as an underscore does.
var blanks = map[rune]bool{0x115F: true, 0x1160: true, 0x3164: true, 0xFFA0: true, 0x2800: true}

// latinFolds are Latin letters and symbols that NFKD leaves alone but that
// read as ASCII letters: barred and ligature letters, small capitals,
// letter-like currency signs, and the enclosed letters of the emoji
// blocks.
var latinFolds = map[rune]string{
	'ı': "i", 'ȷ': "j", 'ł': "l", 'Ł': "L", 'ø': "o", 'Ø': "O", 'đ': "d", 'Đ': "D", 'ħ': "h",
	'Ħ': "H", 'ŧ': "t", 'Ŧ': "T", 'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "AE", 'œ': "oe",
	'Œ': "OE", 'ð': "d", 'Ð': "D", 'ƒ': "f", 'ɑ': "a", 'ɡ': "g", 'ɩ': "i", 'ǝ': "e", 'ĸ': "k",
	'ʊ': "u", 'ʄ': "f",
	// small capitals
	'ᴀ': "a", 'ʙ': "b", 'ᴄ': "c", 'ᴅ': "d", 'ᴇ': "e", 'ꜰ': "f", 'ɢ': "g", 'ʜ': "h", 'ɪ': "i",
	'ᴊ': "j", 'ᴋ': "k", 'ʟ': "l", 'ᴍ': "m", 'ɴ': "n", 'ᴏ': "o", 'ᴘ': "p", 'ʀ': "r", 'ꜱ': "s",
	'ᴛ': "t", 'ᴜ': "u", 'ᴠ': "v", 'ᴡ': "w", 'ʏ': "y", 'ᴢ': "z",
	// symbols used as letters
	'€': "e", '¢': "c", '¥': "y", '¡': "!", '©': "c", '®': "r", '∩': "n", '∪': "u",
}

func init() {
	// Upper-case forms of the look-alikes: "ҺЕ" as well as "һе", unless
	// listed already or ambiguous (Greek σ and ς are both Σ).
	upper := map[rune]int{}
	for r, c := range confusables {
		if u := unicode.ToUpper(r); u != r {
			if _, listed := confusables[u]; !listed {
				if v, seen := upper[u]; seen && v != int(c) {
					upper[u] = -1
				} else {
					upper[u] = int(c)
				}
			}
		}
	}
	for u, c := range upper {
		if c >= 0 {
			confusables[u] = byte(c)
		}
	}
	for r, c := range rareConfusables {
		confusables[r], foreign[r] = c, true
		if l := unicode.ToLower(r); l != r { // Cherokee small letters
			confusables[l], foreign[l] = c, true
		}
	}
	for i := rune(0); i < 26; i++ {
		latinFolds[0x1F150+i] = string('a' + i) // negative circled
		latinFolds[0x1F170+i] = string('a' + i) // negative squared
		latinFolds[0x1F1E6+i] = string('a' + i) // regional indicators
	}
}

// tokenASCII reports whether the matcher reads c as part of a word: a
// letter, a digit, or a leetspeak or masking symbol.
func tokenASCII(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '@', '$', '!', '|', '+', '(', '*', '#', '%':
		return true
	}
	return false
}

// Fold table value flags; they must match engine/fold.go.
const (
	foldConfusable = 1 << 24
	foldForeign    = 1 << 25
)

// fold returns the fold table value of r, if it has one.
func fold(r rune, depth int) (uint32, bool) {
	if c, ok := confusables[r]; ok {
		v := uint32(c) | foldConfusable
		if foreign[r] {
			v |= foldForeign
		}
		return v, true
	}
	if s, ok := latinFolds[r]; ok {
		return pack(s)
	}
	if depth > 2 {
		return 0, false
	}
	var base []rune
	for _, d := range norm.NFKD.String(string(r)) {
		if !unicode.In(d, unicode.Mn, unicode.Me) {
			base = append(base, d)
		}
	}
	base = unbracket(base)
	if len(base) == 1 && base[0] == r {
		base = byName(r)
	}
	if len(base) == 0 || len(base) == 1 && base[0] == r {
		return 0, false
	}
	if len(base) == 1 && base[0] >= 0x80 {
		return fold(base[0], depth+1)
	}
	return pack(string(base))
}

// unbracket strips the brackets and the full stop of the enclosed forms,
// "(a)" for ⒜, "1." for ⒈, "〔S〕" for 🄪, so that they read as what they
// enclose.
func unbracket(s []rune) []rune {
	if len(s) < 2 {
		return s
	}
	open, close := s[0], s[len(s)-1]
	switch {
	case open == '(' && close == ')', open == '〔' && close == '〕':
		s = s[1 : len(s)-1]
	case close == '.' || close == ',':
		s = s[:len(s)-1]
	default:
		return s
	}
	for _, c := range s {
		if c >= 0x80 || !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			return nil // "(1)" yes, "(ab)" yes, "( )" no
		}
	}
	return s
}

// byName reads a Latin letter that NFKD leaves alone by its name: "LATIN
// SMALL LETTER L WITH BAR" is an l, "LATIN LETTER SMALL CAPITAL R WITH
// RIGHT LEG" an r. Turned, reversed and open letters have longer names
// and stay unread.
func byName(r rune) []rune {
	if !unicode.Is(unicode.Latin, r) || !unicode.IsLetter(r) {
		return nil
	}
	name := runenames.Name(r)
	for _, p := range []string{"LATIN SMALL LETTER ", "LATIN CAPITAL LETTER ", "LATIN LETTER SMALL CAPITAL "} {
		rest, ok := strings.CutPrefix(name, p)
		if !ok {
			continue
		}
		if len(rest) == 1 || len(rest) > 1 && strings.HasPrefix(rest[1:], " WITH ") {
			if c := rest[0]; 'A' <= c && c <= 'Z' {
				return []rune{rune(c)}
			}
		}
	}
	return nil
}

// pack packs up to three word characters of ASCII.
func pack(s string) (uint32, bool) {
	if len(s) == 0 || len(s) > 3 {
		return 0, false
	}
	var v uint32
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || !tokenASCII(s[i]) {
			return 0, false
		}
		v |= uint32(s[i]) << (8 * i)
	}
	return v, true
}

// Character classes of the class table; they must match engine/fold.go.
const (
	cSep     = iota // ends a word: spaces, punctuation, letters of scripts with no Latin reading
	cNewline        // a line break
	cLatin          // a letter of the Latin script with no ASCII reading
	cOther          // a letter of Cyrillic, Greek, Armenian or Cherokee with no Latin look-alike
	cDigit          // a digit with no ASCII reading
	cMark           // a combining mark: belongs to the character before it
	cFormat         // an invisible format character: zero-width, bidi, tags
	cBlank          // a letter or symbol that renders blank
	cPict           // a pictograph: emoji and other symbols
	cFold           // in the fold table; the value's index is in the high bits

	classBits  = 4
	blockBits  = 7
	tableLimit = 0x30000 // runes from here on are classified by code
)

// class returns the class table entry of r, given the index of its fold
// value (or -1).
func class(r rune, foldIndex int) uint16 {
	switch {
	case foldIndex >= 0:
		return cFold | uint16(foldIndex)<<classBits
	case r < 0x80:
		return cSep // ASCII is classified by the scanner's own tables
	case blanks[r]:
		return cBlank
	case r == 0x85 || r == 0x2028 || r == 0x2029:
		return cNewline
	case unicode.In(r, unicode.Mn, unicode.Me) || 0x1F3FB <= r && r <= 0x1F3FF:
		// The skin-tone modifiers extend the emoji before them.
		return cMark
	case unicode.Is(unicode.Cf, r):
		return cFormat
	case unicode.IsLetter(r):
		switch {
		case unicode.Is(unicode.Latin, r):
			return cLatin
		case unicode.In(r, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Cherokee):
			return cOther
		}
		// Han, kana, Hangul, Arabic, Devanagari...: no Latin reading,
		// and a word boundary for the Latin words written next to them.
		return cSep
	case unicode.IsDigit(r):
		return cDigit
	case unicode.Is(unicode.So, r):
		return cPict
	}
	return cSep
}

func writeTables(path string) error {
	var vals []uint32
	index := map[uint32]int{}
	classes := make([]uint16, tableLimit)
	for r := rune(0x80); r < tableLimit; r++ {
		fi := -1
		if r < 0xD800 || r > 0xDFFF {
			if v, ok := fold(r, 0); ok {
				i, seen := index[v]
				if !seen {
					i = len(vals)
					index[v] = i
					vals = append(vals, v)
				}
				fi = i
			}
		}
		classes[r] = class(r, fi)
	}
	if len(vals) >= 1<<(16-classBits) {
		return fmt.Errorf("fold table: %d values do not fit in %d bits", len(vals), 16-classBits)
	}
	// Two levels: blocks of 1<<blockBits entries, shared when equal.
	var blocks []uint16
	var blockIndex []uint16
	seen := map[string]int{}
	for b := 0; b < tableLimit>>blockBits; b++ {
		blk := classes[b<<blockBits : (b+1)<<blockBits]
		key := fmt.Sprint(blk)
		at, ok := seen[key]
		if !ok {
			at = len(blocks) >> blockBits
			seen[key] = at
			blocks = append(blocks, blk...)
		}
		blockIndex = append(blockIndex, uint16(at))
	}
	if len(blocks)>>blockBits > 1<<16 {
		return fmt.Errorf("class table: too many blocks")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by rules/profanity/internal/gen; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package engine\n\n")
	fmt.Fprintf(&b, "// Generated from Unicode %s (NFKD of golang.org/x/text, categories and\n", norm.Version)
	fmt.Fprintf(&b, "// scripts of package unicode) and the confusables of the generator.\n\n")
	fmt.Fprintf(&b, "// foldVals are the distinct fold values (%d).\n", len(vals))
	fmt.Fprintf(&b, "var foldVals = [...]uint32{")
	for i, v := range vals {
		if i%8 == 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%#x, ", v)
	}
	fmt.Fprintf(&b, "\n}\n\n")
	fmt.Fprintf(&b, "// classIndex maps a rune below %#x, shifted right by %d, to its block\n", tableLimit, blockBits)
	fmt.Fprintf(&b, "// in classBlocks (%d blocks of %d entries).\n", len(blocks)>>blockBits, 1<<blockBits)
	fmt.Fprintf(&b, "var classIndex = [...]uint16{")
	for i, v := range blockIndex {
		if i%16 == 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%d, ", v)
	}
	fmt.Fprintf(&b, "\n}\n\n")
	fmt.Fprintf(&b, "// classBlocks hold a class in the low %d bits of each entry and, for\n", classBits)
	fmt.Fprintf(&b, "// cFold, the index of the fold value above them.\n")
	fmt.Fprintf(&b, "var classBlocks = [...]uint16{")
	for i, v := range blocks {
		if i%16 == 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%#x, ", v)
	}
	b.WriteString("\n}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return fmt.Errorf("format table: %w", err)
	}
	return writeFile(path, src)
}
