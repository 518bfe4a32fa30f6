package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/rules/internal/domain"
)

// Kinds of personal data the built-in detectors find.
const (
	KindEmail = "email" // e-mail addresses
	KindPhone = "phone" // telephone numbers
	KindCard  = "card"  // payment card numbers that pass the Luhn check
)

// Match is a piece of personal data found in a text.
type Match struct {
	// Start and End delimit the match in the text, in bytes.
	Start, End int
	// Kind is KindEmail, KindPhone or KindCard.
	Kind string
}

// Find returns what the built-in detectors find in text, in order, without
// overlaps. It is what the redact rule masks with its default options;
// use it to check what a text would trigger.
func Find(text string) []Match {
	var out []Match
	f := finder{r: builtins, s: text}
	for pos := 0; ; {
		sp, ok := f.next(pos)
		if !ok {
			return out
		}
		out = append(out, Match{Start: sp.start, End: sp.end, Kind: builtinNames[sp.det]})
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

func findBuiltin(det int, s string, pos int) (int, int, bool) {
	switch det {
	case detCard:
		return findCard(s, pos)
	case detEmail:
		return findEmail(s, pos)
	default:
		return findPhone(s, pos)
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
		for start < at && s[start] == '.' {
			start++
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

// maxGroups bounds the digit groups of a run that are looked at.
const maxGroups = 12

// group is one run of digits in a number, with what separates it from the
// previous group.
type group struct {
	start, end int  // the digits
	outer      int  // end of the group, its closing parenthesis included
	first      int  // start of the group, its opening parenthesis included
	paren      bool // written in parentheses: (415)
	sep        byte // separator before it: ' ', '-', '.', or 0 for none
}

func (g *group) len() int { return g.end - g.start }

// number is a run of digit groups such as "+1 (415) 555-2671" or
// "4111 1111 1111 1111".
type number struct {
	s      string
	plus   bool // starts with '+'
	start  int  // the '+', '(' or first digit
	end    int  // end of the last group scanned
	groups [maxGroups]group
	n      int
}

// scanNumber scans the number that starts at s[i]. With card set, only
// digits separated by single spaces or hyphens are scanned; otherwise a
// leading '+', dots and groups in parentheses are allowed too. A no-break
// space counts as a space.
func scanNumber(s string, i int, card bool) number {
	num := number{s: s, start: i, end: i}
	if !card && s[i] == '+' {
		num.plus = true
		i++
	}
	var sep byte
	for num.n < maxGroups {
		first, j, paren := i, i, false
		if !card && j < len(s) && s[j] == '(' {
			paren = true
			j++
		}
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == j {
			break
		}
		outer := k
		if paren {
			if k >= len(s) || s[k] != ')' {
				break
			}
			outer++
		}
		num.groups[num.n] = group{start: j, end: k, outer: outer, first: first, paren: paren, sep: sep}
		num.n++
		num.end, i = outer, outer
		// What follows: a separator and another group, or the end.
		c, w := sepAt(s, i, card)
		if c != 0 && i+w < len(s) && (isDigit(s[i+w]) || !card && s[i+w] == '(') {
			sep, i = c, i+w
			continue
		}
		if !card && i < len(s) && (paren && isDigit(s[i]) || s[i] == '(') {
			sep = 0 // "(415)555-2671", "+44(0)20"
			continue
		}
		break
	}
	return num
}

// sepAt returns the separator at s[i] and its width, or 0.
func sepAt(s string, i int, card bool) (byte, int) {
	if i >= len(s) {
		return 0, 0
	}
	switch c := s[i]; {
	case c == ' ' || c == '-' || c == '.' && !card:
		return c, 1
	case strings.HasPrefix(s[i:], "\u00a0"):
		return ' ', 2
	}
	return 0, 0
}

// resume returns where to look for the next number when no prefix of this
// one is one: at its first group after a space ("qty 2 4111 1111 1111
// 1111"), or after it.
func (num *number) resume() int {
	for _, g := range num.groups[1:num.n] {
		if g.sep == ' ' {
			return g.first
		}
	}
	return num.end
}

// digits counts the digits of groups[:k].
func (num *number) digits(k int) int {
	n := 0
	for _, g := range num.groups[:k] {
		n += g.len()
	}
	return n
}

// boundaries reports whether the number that ends with groups[k-1] stands
// on its own: not glued to a word, a price, a path, a decimal or a longer
// number.
func (num *number) boundaries(s string, k int, notBefore string) bool {
	if num.start > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:num.start])
		if isWordRune(r) || strings.ContainsRune(notBefore, r) {
			return false
		}
	}
	end := num.groups[k-1].outer
	if end >= len(s) {
		return true
	}
	if k < num.n {
		// Cut before the rest of the run: only where the run has a space.
		return num.groups[k].sep == ' '
	}
	r, w := utf8.DecodeRuneInString(s[end:])
	if isWordRune(r) || strings.ContainsRune("@%", r) {
		return false
	}
	// "415-555-2671.5", "4111111111111111,00", "020 7946 0958/59"
	return !(strings.ContainsRune(".,-/", r) && end+w < len(s) && isDigit(s[end+w]))
}

// ---- telephone numbers ----

// findPhone returns the first telephone number in s at or after pos. It
// finds international numbers ("+44 20 7946 0958", "+14155552671",
// "0044 20 7946 0958"), North American numbers written with separators
// ("(415) 555-2671", "415.555.2671", "1-800-555-0199") and national numbers
// with a trunk prefix 0 written in groups ("020 7946 0958",
// "06 12 34 56 78", "(02) 9876 5432"). Bare runs of digits without '+',
// years, prices, dates, decimals and ranges are not telephone numbers.
func findPhone(s string, pos int) (int, int, bool) {
	for i := pos; i < len(s); {
		k := strings.IndexAny(s[i:], "0123456789+(")
		if k < 0 {
			return 0, 0, false
		}
		j := i + k
		if s[j] != '+' && s[j] != '(' && j > 0 && (isDigit(s[j-1]) || s[j-1] == '+') {
			i = j + 1 // inside a run that was rejected already
			continue
		}
		num := scanNumber(s, j, false)
		if num.n == 0 {
			i = j + 1
			continue
		}
		for k := num.n; k >= 1; k-- {
			if num.plus && k >= 3 && num.groups[k-1].len() == 1 && num.groups[k-1].sep == ' ' {
				continue // "+44 20 7946 0958 2 apples": the 2 is not part of it
			}
			if num.phone(k) && num.boundaries(s, k, "+-._/\\#$€£¥@&=%*^~") {
				return num.start, num.groups[k-1].outer, true
			}
		}
		i = max(num.resume(), j+1)
	}
	return 0, 0, false
}

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
		return d >= 8 && d <= 15 && sameSeps(gs[1:])
	case g0.len() >= 2 && num.s[g0.start] == '0':
		return num.national(k)
	default:
		return num.nanp(k)
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
		if rest[0].sep != 0 && rest[0].sep != ' ' {
			return false
		}
		rest = rest[1:]
	} else if rest[0].sep == 0 {
		return false
	}
	for _, g := range gs[1:] {
		if g.paren || g.len() < 2 || g.len() > 8 {
			return false
		}
	}
	if !sameSeps(rest) {
		return false
	}
	// Dots also write decimals ("03.14159265"): ask for three groups.
	return gs[k-1].sep != '.' || k >= 3
}

// nanp reports whether groups[:k] are a North American number written with
// separators: "(415) 555-2671", "415-555-2671", "415.555.2671",
// "415 555 2671", "1-800-555-0199", "1 (800) 555-0199".
func (num *number) nanp(k int) bool {
	gs := num.groups[:k]
	if k == 4 {
		if gs[0].paren || num.s[gs[0].start:gs[0].end] != "1" || gs[1].sep == 0 {
			return false
		}
		gs = gs[1:]
	}
	if len(gs) != 3 {
		return false
	}
	area, exchange, line := &gs[0], &gs[1], &gs[2]
	if area.len() != 3 || exchange.len() != 3 || line.len() != 4 || exchange.paren || line.paren {
		return false
	}
	if num.s[area.start] < '2' || num.s[exchange.start] < '2' {
		return false
	}
	if area.paren {
		return line.sep != 0
	}
	// "415-555-2671", "415.555.2671", "415 555 2671", "415 555-2671"
	return exchange.sep != 0 && (exchange.sep == line.sep || exchange.sep == ' ' && line.sep == '-')
}

// sameSeps reports whether the groups are all separated by the same
// separator.
func sameSeps(gs []group) bool {
	if len(gs) == 0 {
		return true
	}
	for _, g := range gs[1:] {
		if g.sep != gs[0].sep {
			return false
		}
	}
	return gs[0].sep != 0
}

// ---- payment card numbers ----

// findCard returns the first payment card number in s at or after pos: 13
// to 19 digits, written together or in groups of four (the last may be
// shorter) or as 4-6-5 or 4-6-4, separated by single spaces or hyphens,
// that start with 2 to 6 (the major industry identifiers of the card
// networks: Mastercard, American Express, Diners, JCB, Visa, Maestro,
// Discover, UnionPay; those starting with 2 from 2200 to 2720) and pass
// the Luhn check. The first-digit rules keep millisecond timestamps and
// 64-bit ids, which start with 1, and lists of years unmasked.
func findCard(s string, pos int) (int, int, bool) {
	for i := pos; i < len(s); {
		k := strings.IndexAny(s[i:], "0123456789")
		if k < 0 {
			return 0, 0, false
		}
		j := i + k
		num := scanNumber(s, j, true)
		for k := num.n; k >= 1; k-- {
			if num.card(s, k) && num.boundaries(s, k, "+-._/\\@$€£¥&=%*^~,") {
				return num.start, num.groups[k-1].outer, true
			}
		}
		i = max(num.resume(), j+1)
	}
	return 0, 0, false
}

// card reports whether groups[:k] are written as a card number and pass
// the Luhn check.
func (num *number) card(s string, k int) bool {
	gs := num.groups[:k]
	d := num.digits(k)
	if c := s[gs[0].start]; d < 13 || d > 19 || c < '2' || c > '6' {
		return false
	}
	if s[gs[0].start] == '2' && !mastercard2(s, gs) {
		return false
	}
	if k > 1 {
		if !sameSeps(gs[1:]) {
			return false
		}
		fours := true
		for _, g := range gs[:k-1] {
			fours = fours && g.len() == 4
		}
		last := gs[k-1].len()
		amex := k == 3 && gs[0].len() == 4 && gs[1].len() == 6 && (last == 5 || last == 4)
		if !(fours && last >= 1 && last <= 4) && !amex {
			return false
		}
	}
	return luhn(s, gs)
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

// luhn reports whether the digits of gs pass the Luhn check.
func luhn(s string, gs []group) bool {
	sum, double := 0, false
	for gi := len(gs) - 1; gi >= 0; gi-- {
		for i := gs[gi].end - 1; i >= gs[gi].start; i-- {
			d := int(s[i] - '0')
			if double {
				d *= 2
				if d > 9 {
					d -= 9
				}
			}
			sum += d
			double = !double
		}
	}
	return sum%10 == 0
}

// ---- characters ----

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCIIAlnum(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'z' }

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r))
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}
