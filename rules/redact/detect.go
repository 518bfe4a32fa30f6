package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/rules/internal/domain"
	"github.com/chimeflow/chimeflow/rules/internal/textview"
)

// Kinds of personal data the built-in detectors find.
const (
	KindEmail = "email" // e-mail addresses
	KindPhone = "phone" // telephone numbers
	KindCard  = "card"  // payment card numbers that pass the Luhn check
)

// Match is a piece of personal data found in a text.
type Match struct {
	// Start and End delimit the match in the text, in bytes: what the
	// user typed, invisible characters inside it included.
	Start, End int
	// Kind is KindEmail, KindPhone or KindCard.
	Kind string
}

// Find returns what the built-in detectors find in text, in order, without
// overlaps. It is what the redact rule masks with its default options;
// use it to check what a text would trigger.
//
// The detectors read a normalised view of the text (see
// rules/internal/textview): digits of every script, full-width and other
// look-alike forms of '@', '.', '+' and the separators count as their
// ASCII selves, and invisible characters (zero-width spaces and joiners,
// the soft hyphen, bidirectional marks, variation selectors) are skipped.
// Each match is given as the extent of the original text it came from.
func Find(text string) []Match {
	var out []Match
	f := newFinder(builtins, text)
	for pos := 0; ; {
		sp, ok := f.next(pos)
		if !ok {
			return out
		}
		start, end := f.v.Span(sp.start, sp.end)
		out = append(out, Match{Start: start, End: end, Kind: builtinNames[sp.det]})
		pos = sp.end
	}
}

// builtins is a rule with every built-in detector, for Find. It is never
// changed.
var builtins = &Rule{dets: []int{detCard, detEmail, detPhone}}

var builtinNames = [...]string{detCard: KindCard, detEmail: KindEmail, detPhone: KindPhone}

// Built-in detectors, in order of precedence when two matches start at the
// same place and are as long.
const (
	detCard = iota
	detEmail
	detPhone
	numBuiltins
)

// findBuiltin returns detector det's first match in the view at or after
// pos, in the view's offsets.
func findBuiltin(det int, v *textview.View, pos int) (int, int, bool) {
	switch det {
	case detCard:
		return findCard(v, pos)
	case detEmail:
		return findEmail(v.Text(), pos)
	default:
		return findPhone(v, pos)
	}
}

// ---- e-mail addresses ----

// findEmail returns the first e-mail address in s at or after pos:
// local@domain.tld, where the local part holds letters, digits and
// "._%+-", the domain has at least two labels, and the top-level domain is
// at least two letters. Internationalised addresses (Unicode letters) are
// found too.
func findEmail(s string, pos int) (int, int, bool) {
	for i := pos; i < len(s); {
		k := strings.IndexByte(s[i:], '@')
		if k < 0 {
			return 0, 0, false
		}
		at := i + k
		i = at + 1
		start := at
		for start > pos {
			r, w := utf8.DecodeLastRuneInString(s[:start])
			if !isLocalRune(r) {
				break
			}
			start -= w
		}
		// The local part starts with neither a dot nor a combining mark
		// (which would sit on what comes before it).
		for start < at {
			r, w := utf8.DecodeRuneInString(s[start:])
			if r != '.' && !unicode.IsMark(r) {
				break
			}
			start += w
		}
		if start == at || s[at-1] == '.' {
			continue
		}
		if end, ok := emailDomain(s, at+1); ok {
			return start, end, true
		}
	}
	return 0, 0, false
}

// emailDomain returns the end of the domain that starts at s[i], if there
// is a valid one.
func emailDomain(s string, i int) (int, bool) {
	end, labels, tld := domain.Scan(s, i)
	if labels < 2 || domain.HyphenAtEdge(s[i:end]) {
		return 0, false
	}
	n := 0
	for _, r := range s[tld:end] {
		if !unicode.IsLetter(r) {
			return 0, false
		}
		n++
	}
	return end, n >= 2
}

func isLocalRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r)) || strings.IndexByte("._%+-", byte(r)) >= 0
	}
	return isWordRune(r)
}

// ---- digit runs: telephone and card numbers ----

// maxGroups bounds the digit groups of a run that are looked at: enough
// for a card number written digit by digit. Telephone numbers are looked
// at in at most maxPhoneGroups groups.
const (
	maxGroups      = 20
	maxPhoneGroups = 12
)

// maxSep bounds the length of a separator between two groups of digits:
// "4111 - 1111", "415 **555** 2671", "4111    1111".
const maxSep = 8

// Classes of separators between groups of digits, besides '-', '.' and
// '/' (which stand for themselves; the view has turned every dash into
// '-' and middle dots into '.').
const (
	sepNone   = 0   // none: "(415)555"
	sepSpace  = ' ' // spaces and tabs only
	sepMarkup = '_' // underscores and markdown emphasis ("*", "`", "~"), maybe with spaces
	sepMixed  = 'x' // two of '-', '.' and '/': "415.-555"
	sepHidden = 'h' // nothing in the view: invisible characters or markdown marks between the digits
)

// group is one run of digits in a number, with what separates it from the
// previous group.
type group struct {
	start, end int  // the digits
	outer      int  // end of the group, its closing parenthesis included
	first      int  // start of the group, its opening parenthesis included
	paren      bool // written in parentheses: (415)
	sep        byte // class of the separator before it (sepNone, sepSpace, '-', ...)
	spaced     bool // the separator before it holds a space
	digits     int  // digits in this group and the ones before it
	// luhn holds the Luhn sums of those digits, for card numbers: luhn[p]
	// doubles the digits at even (p = 0) or odd (p = 1) places from the
	// number's first.
	luhn [2]int
}

func (g *group) len() int { return g.end - g.start }

// number is a run of digit groups such as "+1 (415) 555-2671" or
// "4111 1111 1111 1111", in a normalised view.
type number struct {
	s       string // the view's text
	forCard bool   // scanned for a card number: digits and separators only
	split   bool   // a gap in a run of digits separates two groups
	plus    bool   // starts with '+'
	start   int    // the '+', '(' or first digit
	end     int    // end of the last group scanned
	gaps    bool   // a run of digits has a gap where invisible characters were
	groups  [maxGroups]group
	n       int
}

// scan scans the number that starts at s[i]. With card set, only digits
// and separators are scanned; otherwise a leading '+' and groups in
// parentheses are allowed too. With split set, a gap in a run of digits
// (invisible characters or markdown marks removed from the view)
// separates two groups, as a writer who hid a separator there meant;
// otherwise the digits on either side of a gap are one group.
func (num *number) scan(v *textview.View, i int, card, split bool) {
	s := v.Text()
	num.s, num.forCard, num.split, num.plus, num.start, num.end, num.gaps, num.n = s, card, split, false, i, i, false, 0
	if !card && s[i] == '+' {
		num.plus = true
		i++
	}
	num.extend(v, i, sepNone, false)
}

// shift drops the groups before groups[r] and scans on from the end: the
// number is then the one that starts with groups[r], as scan would find
// it, but its first groups are not scanned again.
func (num *number) shift(v *textview.View, r int) {
	dropped := num.groups[r-1]
	drop := dropped.digits
	num.n = copy(num.groups[:], num.groups[r:num.n])
	for k := range num.n {
		g := &num.groups[k]
		g.digits -= drop
		// A digit's place from the first moves by drop: with an odd drop,
		// the sums swap.
		odd := drop % 2
		g.luhn = [2]int{g.luhn[odd] - dropped.luhn[odd], g.luhn[1-odd] - dropped.luhn[1-odd]}
	}
	num.groups[0].sep, num.groups[0].spaced = sepNone, false
	num.start, num.plus = num.groups[0].first, false
	// What follows the last group may continue the number now that it has
	// fewer groups.
	if i, sep, spaced, ok := num.follows(); ok {
		num.extend(v, i, sep, spaced)
	}
}

// extend scans groups from s[i] on, the first one after a separator of
// class sep.
func (num *number) extend(v *textview.View, i int, sep byte, spaced bool) {
	s := num.s
	limit, gaps := maxPhoneGroups, v.Changed()
	if num.forCard {
		limit = maxGroups
	}
	var total int
	var sums [2]int
	if num.n > 0 {
		total, sums = num.groups[num.n-1].digits, num.groups[num.n-1].luhn
	}
	for num.n < limit {
		first, j, paren := i, i, false
		// An area code or trunk prefix in parentheses comes first or
		// right after the country code or trunk prefix: "(415) 555-2671",
		// "+44 (0)20 7946 0958", "8 (495) 123-45-67".
		if !num.forCard && num.n <= 1 && j < len(s) && s[j] == '(' {
			paren = true
			j++
			if num.n == 0 && !num.plus && j < len(s) && s[j] == '+' {
				num.plus = true // "(+44) 20 7946 0958"
				j++
			}
		}
		k := j
		for k < len(s) && isDigit(s[k]) {
			if gaps && k > j && v.Gap(k) {
				num.gaps = true
				if num.split {
					break
				}
			}
			k++
		}
		if k == j {
			return
		}
		outer := k
		if paren {
			if k >= len(s) || s[k] != ')' {
				return
			}
			outer++
		}
		if !num.forCard {
			total += k - j
		}
		for x := j; num.forCard && x < k; x++ {
			d := int(s[x] - '0')
			sums[total%2] += luhnDouble[d]
			sums[1-total%2] += d
			total++
		}
		num.groups[num.n] = group{start: j, end: k, outer: outer, first: first, paren: paren, sep: sep, spaced: spaced, digits: total, luhn: sums}
		num.n++
		num.end = outer
		var ok bool
		if i, sep, spaced, ok = num.follows(); !ok {
			return
		}
	}
}

// follows reads what follows the last group: a separator and where the
// next group starts, or false for the end of the number.
func (num *number) follows() (next int, sep byte, spaced, ok bool) {
	s, i := num.s, num.end
	paren := num.groups[num.n-1].paren
	if num.split && !paren && i < len(s) && isDigit(s[i]) {
		return i, sepHidden, false, true // the scan stopped at a gap
	}
	if c, sp, w := sepRun(s, i); w > 0 && i+w < len(s) && (isDigit(s[i+w]) || !num.forCard && num.n <= 1 && s[i+w] == '(') {
		return i + w, c, sp, true
	}
	if !num.forCard && i < len(s) && (paren && isDigit(s[i]) || num.n <= 1 && s[i] == '(') {
		return i, sepNone, false, true // "(415)555-2671", "+44(0)20"
	}
	return 0, 0, false, false
}

// sepRun reads the separator that starts at s[i]: at most maxSep spaces,
// tabs, '-', '.', '/', '_' and markdown emphasis characters. It returns
// its class, whether it holds a space, and its length (0 for none).
func sepRun(s string, i int) (class byte, spaced bool, n int) {
	var mark byte
	markup := false
	for n < maxSep && i+n < len(s) {
		switch c := s[i+n]; c {
		case ' ', '\t':
			spaced = true
		case '-', '.', '/':
			switch mark {
			case 0:
				mark = c
			case c, sepMixed:
			default:
				mark = sepMixed
			}
		case '_', '*', '`', '~':
			markup = true
		default:
			return runClass(mark, spaced, markup), spaced, n
		}
		n++
	}
	return runClass(mark, spaced, markup), spaced, n
}

func runClass(mark byte, spaced, markup bool) byte {
	switch {
	case mark != 0:
		return mark
	case spaced:
		return sepSpace
	case markup:
		return sepMarkup
	}
	return sepNone
}

// nextStart returns the index of the first group but the first that can
// start a number of its own (see canStart), or -1. Only a group after a
// space can: one that follows a digit or another separator is glued to
// it.
func (num *number) nextStart() int {
	for r := 1; r < num.n; r++ {
		if g := &num.groups[r]; g.spaced && canStart(num.s, g.first, num.forCard) {
			return r
		}
	}
	return -1
}

// digits counts the digits of groups[:k].
func (num *number) digits(k int) int { return num.groups[k-1].digits }

// boundaries reports whether the number that ends with groups[k-1] stands
// on its own: not glued to a word, a price, a path, a decimal or a longer
// number. A telephone number is not cut from a run that goes on with
// another group like its last ("05 12 23 34 41 45" are six numbers).
func (num *number) boundaries(k int, notBefore string, phone bool) bool {
	s := num.s
	if num.start > 0 && !standsAfter(s, num.start, notBefore) {
		return false
	}
	end := num.groups[k-1].outer
	if k < num.n {
		// Cut before the rest of the run: only where the run has a space.
		next, last := &num.groups[k], &num.groups[k-1]
		if !next.spaced {
			return false
		}
		return !phone || k < 2 || next.len() != last.len() || next.sep != last.sep
	}
	if end >= len(s) {
		return true
	}
	r, w := utf8.DecodeRuneInString(s[end:])
	if isWordRune(r) || strings.ContainsRune("@%", r) {
		return false
	}
	// "415-555-2671.5", "4111111111111111,00", "020 7946 0958/59"
	return !(strings.ContainsRune(".,-/_", r) && end+w < len(s) && isDigit(s[end+w]))
}

// emphasis holds the markdown characters that can open emphasis or code
// right before a number: "**4111 1111 1111 1111**", "_+44 20 7946 0958_".
const emphasis = "*_~`"

// standsAfter reports whether a number that starts at s[start] is not
// glued to what comes before it: a word, a digit or one of notBefore,
// unless that is markdown emphasis that opens at the start of a word.
func standsAfter(s string, start int, notBefore string) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:start])
	if isWordRune(r) {
		return false
	}
	if !strings.ContainsRune(notBefore, r) {
		return true
	}
	if r >= utf8.RuneSelf || strings.IndexByte(emphasis, byte(r)) < 0 {
		return false
	}
	i := start
	for i > 0 && strings.IndexByte(emphasis, s[i-1]) >= 0 {
		i--
	}
	if i == 0 {
		return true
	}
	r, _ = utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r) && !strings.ContainsRune(notBefore, r)
}

// findNumber returns the first card number (with card set) or telephone
// number in the view at or after pos. Each number is scanned once as a
// whole, its groups read together, then (if it has gaps) with its gaps
// as separators; then from its next group that can start a number, with
// the groups already scanned reused: the work is bounded by a constant
// per byte.
func findNumber(v *textview.View, pos int, card bool) (int, int, bool) {
	s := v.Text()
	var num, alt number
	held := false // num holds the number that starts at i
	for i := pos; i < len(s); {
		if !held {
			j := i
			for j < len(s) && !isDigit(s[j]) && (card || s[j] != '+' && s[j] != '(') {
				j++
			}
			if j == len(s) {
				return 0, 0, false
			}
			if !canStart(s, j, card) {
				// Neither j nor the rest of its digits can start a number.
				i = skipDigits(s, j+1)
				continue
			}
			num.scan(v, j, card, false)
			if num.n == 0 {
				i = j + 1
				continue
			}
		}
		held = false
		if end, ok := num.match(); ok {
			return num.start, end, true
		}
		if num.gaps {
			alt.scan(v, num.start, card, true)
			if end, ok := alt.match(); ok {
				return alt.start, end, true
			}
		}
		r := num.nextStart()
		if r < 0 {
			i = num.end
			continue
		}
		i = num.groups[r].first
		num.shift(v, r)
		held = true
	}
	return 0, 0, false
}

// canStart reports whether a card number (with card set) or a telephone
// number can start at s[j]: it is not glued to what comes before, and a
// card number starts with 2 to 6.
func canStart(s string, j int, card bool) bool {
	if card {
		c := s[j]
		return c >= '2' && c <= '6' && (j == 0 || standsAfter(s, j, cardNotBefore))
	}
	return j == 0 || standsAfter(s, j, phoneNotBefore)
}

// match returns the end of the longest prefix of the number that is a
// card number or a telephone number, as it was scanned for, standing on
// its own.
func (num *number) match() (int, bool) {
	if num.forCard {
		return num.cardEnd()
	}
	return num.phoneEnd()
}

// ---- telephone numbers ----

// phoneNotBefore holds what glues a number to what comes before it, so
// that it is not a telephone number: "#4155552671", "$415 555 2671",
// "ORD-415-555-2671".
const phoneNotBefore = "+-._/\\#$€£¥@&=%*^~"

// findPhone returns the first telephone number in the view at or after
// pos. It finds
//
//   - international numbers: "+44 20 7946 0958", "+14155552671",
//     "+44 (0)20 7946 0958", "(+44) 20 7946 0958", "0044 20 7946 0958";
//   - national numbers with the trunk prefix 0 written in groups:
//     "020 7946 0958", "06 12 34 56 78", "(02) 9876 5432", "030/1234567";
//   - national numbers without a trunk prefix, in the groups of the
//     formats in localFormats: "(415) 555-2671", "415.555.2671",
//     "1-800-555-0199", "138 0013 8000", "612 34 56 78".
//
// Groups may be separated by spaces, tabs, '-', '.', '/', '_', markdown
// emphasis, a mix of them, or by nothing visible (invisible characters).
// Bare runs of digits without '+', years, prices, dates and times, IPv4
// addresses, decimals and ranges are not telephone numbers.
func findPhone(v *textview.View, pos int) (int, int, bool) {
	return findNumber(v, pos, false)
}

// phoneEnd returns the end of the longest prefix of the number that is a
// telephone number standing on its own.
func (num *number) phoneEnd() (int, bool) {
	for k := num.n; k >= 1 && num.digits(k) >= minPhoneDigits; k-- {
		if num.digits(k) > maxPhoneDigits {
			continue
		}
		if num.plus && k >= 3 && num.groups[k-1].len() == 1 && num.groups[k-1].spaced {
			continue // "+44 20 7946 0958 2 apples": the 2 is not part of it
		}
		if num.phone(k) && num.boundaries(k, phoneNotBefore, true) {
			return num.groups[k-1].outer, true
		}
	}
	return 0, false
}

// A telephone number holds minPhoneDigits to maxPhoneDigits digits, its
// prefixes included ("00 44 …", "+44 (0)20 …").
const (
	minPhoneDigits = 8
	maxPhoneDigits = 17
)

// phone reports whether groups[:k] are written as a telephone number.
func (num *number) phone(k int) bool {
	gs := num.groups[:k]
	g0 := &gs[0]
	switch {
	case num.plus:
		d := num.digits(k)
		if k >= 2 && gs[1].paren && num.s[gs[1].start:gs[1].end] == "0" {
			d-- // "+44 (0)20 …": the trunk prefix, in parentheses right after the country code
		}
		return d >= 8 && d <= 15
	case k >= 2 && !g0.paren && strings.HasPrefix(num.s[g0.start:g0.end], "00"):
		// "0044 20 7946 0958": the international prefix 00.
		d := num.digits(k) - 2
		return d >= 8 && d <= 15 && separated(gs[1:]) && !num.date(gs)
	case g0.len() >= 2 && num.s[g0.start] == '0':
		return num.national(k)
	default:
		return num.local(k)
	}
}

// national reports whether groups[:k] are a national number with the trunk
// prefix 0: "020 7946 0958", "07700 900123", "06 12 34 56 78",
// "(02) 9876 5432", "030-1234567", "0412.345.678".
func (num *number) national(k int) bool {
	gs := num.groups[:k]
	if k < 2 || gs[0].len() > 5 {
		return false
	}
	if d := num.digits(k); d < 9 || d > 12 {
		return false
	}
	rest := gs[1:]
	if gs[0].paren {
		if rest[0].sep != sepNone && rest[0].sep != sepSpace {
			return false
		}
		rest = rest[1:]
	}
	pairs := gs[0].len() == 2
	for _, g := range gs[1:] {
		if g.paren || g.len() < 2 || g.len() > 8 {
			return false
		}
		pairs = pairs && g.len() == 2
	}
	switch {
	case !separated(rest):
		return false
	case pairs && k != 5:
		// Numbers in pairs are French-style, ten digits: longer runs of
		// pairs are lottery draws and scores.
		return false
	case gs[k-1].sep == '.' && k < 3:
		// Dots also write decimals ("03.14159265"): ask for three groups.
		return false
	}
	return !num.date(gs) && !num.ipv4(gs)
}

// localFormat is a way of writing national numbers without a trunk prefix
// that is read as a telephone number.
type localFormat struct {
	lens   []int  // the digits of each group
	first  string // the digits a number may start with
	second string // the digits its second digit may be, "" for any
	trunks string // trunk prefixes that may come first, in a group of their own
	// hyphens asks for '-' between all groups: the format is also how
	// numbers are written with thousands separators.
	hyphens bool
}

// localFormats lists the national formats without a trunk prefix (the
// country's calling code or nothing comes first) that are read as
// telephone numbers. A first group in parentheses is an area code: then
// the number may start with any digit but 0.
var localFormats = []localFormat{
	// North America, Italian and Greek numbers: 415 555 2671, 1-800-555-0199;
	// Russia with its trunk prefix 8: 8 800 555 3535.
	{lens: []int{3, 3, 4}, first: "23456789", trunks: "18"},
	// Chinese mobiles: 138 0013 8000.
	{lens: []int{3, 4, 4}, first: "1", second: "3456789"},
	// Mexico: 55 1234 5678; Brazil: (11) 3456-7890.
	{lens: []int{2, 4, 4}, first: "23456789"},
	// Brazilian mobiles: 11 91234-5678.
	{lens: []int{2, 5, 4}, first: "123456789"},
	// Russia: 495 123-45-67, 8 (495) 123-45-67.
	{lens: []int{3, 3, 2, 2}, first: "23456789", trunks: "8"},
	// Spanish mobiles: 612 34 56 78.
	{lens: []int{3, 2, 2, 2}, first: "6789"},
	// Spain and Poland: 91 234 56 78, 12 345 67 89.
	{lens: []int{2, 3, 2, 2}, first: "123456789"},
	// Norwegian mobiles: 412 34 567.
	{lens: []int{3, 2, 3}, first: "49"},
	// Spain, Portugal, Poland, Czechia: 612-345-678 (with spaces or dots
	// it reads as 612 million).
	{lens: []int{3, 3, 3}, first: "23456789", hyphens: true},
}

// local reports whether groups[:k] are a national number without a trunk
// prefix, in one of localFormats.
func (num *number) local(k int) bool {
	gs := num.groups[:k]
	var trunk byte
	if k >= 2 && !gs[0].paren && gs[0].len() == 1 && gs[1].sep != sepNone {
		trunk = num.s[gs[0].start] // "1-800-555-0199", "8 (495) 123-45-67"
		gs = gs[1:]
	}
	if len(gs) < 3 || len(gs) > 4 { // the formats' lengths
		return false
	}
	for i := range localFormats {
		if num.inFormat(gs, &localFormats[i], trunk) {
			return true
		}
	}
	return false
}

// inFormat reports whether gs, after the trunk prefix trunk (0 for none),
// are written in format f.
func (num *number) inFormat(gs []group, f *localFormat, trunk byte) bool {
	if len(gs) != len(f.lens) || trunk != 0 && strings.IndexByte(f.trunks, trunk) < 0 {
		return false
	}
	for i := range gs {
		g := &gs[i]
		switch {
		case g.len() != f.lens[i]:
			return false
		case i == 0:
		case g.paren:
			return false
		case g.sep == sepNone && !(i == 1 && gs[0].paren):
			return false
		case f.hyphens && g.sep != '-':
			return false
		}
	}
	c, c2 := num.s[gs[0].start], num.s[gs[0].start+1]
	if gs[0].paren {
		if c == '0' {
			return false
		}
	} else if strings.IndexByte(f.first, c) < 0 {
		return false
	}
	if f.second != "" && strings.IndexByte(f.second, c2) < 0 {
		return false
	}
	return !num.ipv4(gs)
}

// separated reports whether every group has a separator before it.
func separated(gs []group) bool {
	for _, g := range gs {
		if g.sep == sepNone {
			return false
		}
	}
	return true
}

// date reports whether three groups in a row, joined by the same
// separator, read as a date: "15.01.2024", "2024-01-15", "1/15/2024".
// Numbers that hold one are dates and times ("05.03.2024 12.30"), not
// telephone numbers.
func (num *number) date(gs []group) bool {
	for i := 0; i+2 < len(gs); i++ {
		a, b, c := &gs[i], &gs[i+1], &gs[i+2]
		if b.sep != c.sep || b.sep == sepNone {
			continue
		}
		switch {
		case a.len() <= 2 && b.len() <= 2 && c.len() == 4 && num.year(c):
			if dayMonth(num.value(a), num.value(b)) {
				return true
			}
		case a.len() == 4 && num.year(a) && b.len() <= 2 && c.len() <= 2:
			if dayMonth(num.value(b), num.value(c)) {
				return true
			}
		}
	}
	return false
}

// dayMonth reports whether x and y are a day and a month, in either order.
func dayMonth(x, y int) bool {
	return x >= 1 && y >= 1 && (x <= 31 && y <= 12 || x <= 12 && y <= 31)
}

func (num *number) year(g *group) bool {
	y := num.value(g)
	return y >= 1900 && y <= 2099
}

// value returns the value of a group of at most nine digits.
func (num *number) value(g *group) int {
	n := 0
	for i := g.start; i < g.end && i < g.start+9; i++ {
		n = n*10 + int(num.s[i]-'0')
	}
	return n
}

// ipv4 reports whether gs are four groups of at most three digits joined
// by dots, each at most 255: an IPv4 address such as 212.34.56.78.
func (num *number) ipv4(gs []group) bool {
	if len(gs) != 4 {
		return false
	}
	for i := range gs {
		g := &gs[i]
		if g.paren || g.len() > 3 || num.value(g) > 255 || i > 0 && g.sep != '.' {
			return false
		}
	}
	return true
}

// ---- payment card numbers ----

// cardNotBefore holds what glues a number to what comes before it, so that
// it is not a card number.
const cardNotBefore = "+-._/\\@$€£¥&=%*^~,"

// findCard returns the first payment card number in the view at or after
// pos: 13 to 19 digits that start with 2 to 6 (the major industry
// identifiers of the card networks: Mastercard, American Express, Diners,
// JCB, Visa, Maestro, Discover, UnionPay; those starting with 2 from 2200
// to 2720) and pass the Luhn check, written together, in groups of four
// (the last may be shorter), as 4-6-5 or 4-6-4, or digit by digit; in
// groups of two or three when a separator other than a space keeps them
// apart. Groups may be separated by spaces, tabs, '-', '.', '/', '_',
// markdown emphasis, a mix of them, or by nothing visible (invisible
// characters). The first-digit rules keep millisecond timestamps and
// 64-bit ids, which start with 1, and lists of years unmasked.
func findCard(v *textview.View, pos int) (int, int, bool) {
	return findNumber(v, pos, true)
}

// cardEnd returns the end of the longest prefix of the number that is a
// card number standing on its own.
func (num *number) cardEnd() (int, bool) {
	for k := num.n; k >= 1 && num.digits(k) >= 13; k-- {
		if num.digits(k) <= 19 && num.card(k) && num.boundaries(k, cardNotBefore, false) {
			return num.groups[k-1].outer, true
		}
	}
	return 0, false
}

// card reports whether groups[:k] are written as a card number and pass
// the Luhn check.
func (num *number) card(k int) bool {
	gs := num.groups[:k]
	s := num.s
	d := num.digits(k)
	if c := s[gs[0].start]; d < 13 || d > 19 || c < '2' || c > '6' {
		return false
	}
	if s[gs[0].start] == '2' && !mastercard2(s, gs) {
		return false
	}
	if k > 1 && !cardGroups(gs) {
		return false
	}
	// The Luhn check doubles every second digit from the last: those at
	// odd places from the first when there is an even number of digits.
	return gs[k-1].luhn[d%2]%10 == 0
}

// cardGroups reports whether the groups of a number are those of a card
// number: fours (the last may be shorter), 4-6-5 or 4-6-4 (American
// Express, Diners), one digit each, or twos or threes (the last may be
// shorter) kept apart by something else than spaces alone, which would
// make them a list of numbers or a number with thousands separators.
func cardGroups(gs []group) bool {
	k := len(gs)
	last := gs[k-1].len()
	if k == 3 && gs[0].len() == 4 && gs[1].len() == 6 && (last == 5 || last == 4) {
		return true
	}
	size := gs[0].len()
	if size > 4 || last > size {
		return false
	}
	for _, g := range gs[:k-1] {
		if g.len() != size {
			return false
		}
	}
	switch size {
	case 4, 1:
		return true
	}
	for _, g := range gs[1:] {
		if g.sep == sepSpace {
			return false
		}
	}
	// "411.111.111.111.111" is a number with thousands separators.
	return !(size == 3 && last == 3 && (gs[1].sep == '.' || gs[1].sep == sepMarkup) && sameSeps(gs[1:]))
}

// sameSeps reports whether the groups are all separated by the same
// separator.
func sameSeps(gs []group) bool {
	for _, g := range gs[1:] {
		if g.sep != gs[0].sep {
			return false
		}
	}
	return true
}

// mastercard2 reports whether a number starting with 2 is in the only card
// range that starts with 2: 2200 to 2720 (Mir, then Mastercard). Lists of
// years ("2023 2024 2025 2026") are not.
func mastercard2(s string, gs []group) bool {
	n, got := 0, 0
	for _, g := range gs {
		for i := g.start; i < g.end && got < 4; i++ {
			n = n*10 + int(s[i]-'0')
			got++
		}
	}
	return got == 4 && n >= 2200 && n <= 2720
}

// luhnDouble[d] is d doubled, less 9 if that is more than 9.
var luhnDouble = [10]int{0, 2, 4, 6, 8, 1, 3, 5, 7, 9}

// ---- characters ----

// skipDigits returns the end of the run of digits at s[i:].
func skipDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCIIAlnum(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'z' }

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r))
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}
