package redact

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/rules/internal/textview"
)

// found formats Find's matches as "kind:text".
func found(text string) []string {
	var out []string
	for _, m := range Find(text) {
		out = append(out, m.Kind+":"+text[m.Start:m.End])
	}
	return out
}

func TestFindEmail(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"write to bob@example.com", []string{"email:bob@example.com"}},
		{"Bob.Smith+tag@Mail.Example.co.uk.", []string{"email:Bob.Smith+tag@Mail.Example.co.uk"}},
		{"<alice_o%x-y@example.org>", []string{"email:alice_o%x-y@example.org"}},
		{"(bob@example.com), 'eve@example.net'", []string{"email:bob@example.com", "email:eve@example.net"}},
		{"ünïcödé@bücher.de", []string{"email:ünïcödé@bücher.de"}},
		{"müller@例え.jp", []string{"email:müller@例え.jp"}},
		{"...bob@example.com", []string{"email:bob@example.com"}},
		{"a@b.co@c.com", []string{"email:a@b.co"}},
		{"mailto:bob@example.com?subject=x", []string{"email:bob@example.com"}},
		// Look-alikes and invisible characters.
		{"jo＠example．com", []string{"email:jo＠example．com"}},
		{"jo\u200b@\u200bexam\u00adple.com.", []string{"email:jo\u200b@\u200bexam\u00adple.com"}},
		{"\u200bjo@example.com\u200b", []string{"email:jo@example.com"}},
		{"jo@example。com。", []string{"email:jo@example。com"}},
		{"\u0301jo@example.com", []string{"email:jo@example.com"}},
		{"谢谢@小明。明天见", nil},
		{"@alice hi", nil},
		{"bob@ example.com", nil},
		{"bob.@example.com", nil},
		{"user@localhost", nil},
		{"a@b.c", nil},
		{"x@1.2.3.4", nil},
		{"bob@example.c0m", nil},
		{"bob@-example.com bob@example-.com", nil},
		{"@@@", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := found(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Find(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestFindPhone(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		// International.
		{"call +44 20 7946 0958 now", []string{"phone:+44 20 7946 0958"}},
		{"+14155552671", []string{"phone:+14155552671"}},
		{"+1 (415) 555-2671", []string{"phone:+1 (415) 555-2671"}},
		{"+44 (0)20 7946 0958", []string{"phone:+44 (0)20 7946 0958"}},
		{"+33 6 12 34 56 78.", []string{"phone:+33 6 12 34 56 78"}},
		{"+49-30-1234567", []string{"phone:+49-30-1234567"}},
		{"+86 138 0013 8000", []string{"phone:+86 138 0013 8000"}},
		{"tel:+1-415-555-2671", []string{"phone:+1-415-555-2671"}},
		{"0044 20 7946 0958", []string{"phone:0044 20 7946 0958"}},
		{"+44\u00a020\u00a07946\u00a00958", []string{"phone:+44\u00a020\u00a07946\u00a00958"}},
		{"+44 20 7946 0958 2 apples", []string{"phone:+44 20 7946 0958"}},
		// North American.
		{"(415) 555-2671", []string{"phone:(415) 555-2671"}},
		{"(415)555-2671", []string{"phone:(415)555-2671"}},
		{"415-555-2671", []string{"phone:415-555-2671"}},
		{"415.555.2671", []string{"phone:415.555.2671"}},
		{"415 555 2671", []string{"phone:415 555 2671"}},
		{"415 555-2671", []string{"phone:415 555-2671"}},
		{"1-800-555-0199", []string{"phone:1-800-555-0199"}},
		{"1 (800) 555-0199", []string{"phone:1 (800) 555-0199"}},
		{"415-555-2671 and 12 more", []string{"phone:415-555-2671"}},
		// National, trunk prefix 0.
		{"020 7946 0958", []string{"phone:020 7946 0958"}},
		{"07700 900123", []string{"phone:07700 900123"}},
		{"06 12 34 56 78", []string{"phone:06 12 34 56 78"}},
		{"(02) 9876 5432", []string{"phone:(02) 9876 5432"}},
		{"030-1234567", []string{"phone:030-1234567"}},
		{"0412.345.678", []string{"phone:0412.345.678"}},
		{"0412 345 678", []string{"phone:0412 345 678"}},
		{"030/1234567", []string{"phone:030/1234567"}},
		// National, without a trunk prefix.
		{"555 123 4567", []string{"phone:555 123 4567"}},
		{"138 0013 8000", []string{"phone:138 0013 8000"}},
		{"55 1234 5678", []string{"phone:55 1234 5678"}},
		{"(11) 3456-7890", []string{"phone:(11) 3456-7890"}},
		{"11 91234-5678", []string{"phone:11 91234-5678"}},
		{"8 (495) 123-45-67", []string{"phone:8 (495) 123-45-67"}},
		{"8 800 555 3535", []string{"phone:8 800 555 3535"}},
		{"612 34 56 78", []string{"phone:612 34 56 78"}},
		{"91 234 56 78", []string{"phone:91 234 56 78"}},
		{"412 34 567", []string{"phone:412 34 567"}},
		{"612-345-678", []string{"phone:612-345-678"}},
		// Any separators, mixed, or hidden.
		{"415.555-2671", []string{"phone:415.555-2671"}},
		{"020 - 7946 - 0958", []string{"phone:020 - 7946 - 0958"}},
		{"020_7946/0958", []string{"phone:020_7946/0958"}},
		{"415\u200b555\u200b2671", []string{"phone:415\u200b555\u200b2671"}},
		{"415-555-26\u200b71", []string{"phone:415-555-26\u200b71"}},
		{"**+44 20 7946 0958**", []string{"phone:+44 20 7946 0958"}},
		// Two numbers in a row.
		{"+44 20 7946 0958 / (415) 555-2671", []string{"phone:+44 20 7946 0958", "phone:(415) 555-2671"}},
		{"020 7946 0958 / 07700 900123", []string{"phone:020 7946 0958", "phone:07700 900123"}},
	}
	for _, tt := range tests {
		if got := found(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Find(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestNotPersonalData lists ordinary numbers and text that must be left
// alone.
func TestNotPersonalData(t *testing.T) {
	for _, text := range []string{
		"In 2024 we sold 1,299 units",
		"It costs $1,299.99 or €1.299,99 or £45.00 or 1 299 999 kr",
		"order 123456789 and order #4155552671 and 4155552671",
		"order ORD-2024-00123 and INV-415-555-2671",
		"ISBN 978-3-16-148410-0",
		"between 250-1000 users, pages 120-1234, 555-1234",
		"on 2024-01-15 at 10:30, or 15.01.2024, or 01/15/2024, or 05.03.2024 12.30",
		"years 1999 2000 2001 and 2023 2024 2025 2026",
		"pi is 3.14159265 or 03.14159265",
		"v1.2.3, go1.26.8, 192.168.100.200, 10.0.0.1",
		"+5 degrees, +10%, +2024, +3.5",
		"a 16-digit number failing Luhn: 4111 1111 1111 1112",
		"timestamps 1700000000000 and 1712345678901234 and ids 1234567890123456789",
		"(2024) and (12) 34",
		"415 555 2671x and 415-555-2671-9 and 415-555-2671%",
		"4111111111111111.5 and 4111111111111111,00",
		"0 8 15 and 0.5 and 0-1 and 00 00",
		"123 456 7890",
		"$415 555 2671",
		"1234 5678 9012 3456",
		// Dates, times, addresses and amounts with the separators that
		// telephone numbers may use.
		"05.03.2024 12.30 and 2024-01-15 10-30 and 15/01/2024 - 0958",
		"0044 15.01.2024 and 00.30 15.01.2024",
		"212.34.56.78 and 010.123.45.67",
		"612 345 678 and 612.345.678",
		"draw 05 12 23 34 41 45, and 06 12 34 56 78 90",
		"1 000 000 000 and 8 000 000 000",
		"id_4111111111111111 and x*4111111111111111",
		"",
	} {
		if got := found(text); got != nil {
			t.Errorf("Find(%q) = %q, want nothing", text, got)
		}
	}
}

func TestFindCard(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"visa 4111 1111 1111 1111.", []string{"card:4111 1111 1111 1111"}},
		{"4111-1111-1111-1111", []string{"card:4111-1111-1111-1111"}},
		{"4111111111111111", []string{"card:4111111111111111"}},
		{"mc 5555 5555 5555 4444", []string{"card:5555 5555 5555 4444"}},
		{"mc 2223 0031 2200 3222", []string{"card:2223 0031 2200 3222"}},
		{"amex 3782 822463 10005", []string{"card:3782 822463 10005"}},
		{"diners 3056 930902 5904", []string{"card:3056 930902 5904"}},
		{"discover 6011000990139424", []string{"card:6011000990139424"}},
		{"visa13 4222222222222", []string{"card:4222222222222"}},
		{"unionpay 6200 0000 0000 0005", []string{"card:6200 0000 0000 0005"}},
		{"card:4111111111111111", []string{"card:4111111111111111"}},
		{"#4111111111111111", []string{"card:4111111111111111"}},
		{"4111\u00a01111\u00a01111\u00a01111", []string{"card:4111\u00a01111\u00a01111\u00a01111"}},
		{"4111 1111 1111 1111 2024", []string{"card:4111 1111 1111 1111"}},
		{"4111 1111 1111 1111 and 5555555555554444", []string{"card:4111 1111 1111 1111", "card:5555555555554444"}},
		// Any separators, mixed, or hidden.
		{"4111.1111/1111_1111", []string{"card:4111.1111/1111_1111"}},
		{"4111 1111-1111 1111", []string{"card:4111 1111-1111 1111"}},
		{"4111  1111  1111  1111", []string{"card:4111  1111  1111  1111"}},
		{"4111\u200b1111\u200b1111\u200b1111", []string{"card:4111\u200b1111\u200b1111\u200b1111"}},
		{"4111\u200b1111 1111 1111", []string{"card:4111\u200b1111 1111 1111"}},
		{"41\u200b11 1111 1111 1111", []string{"card:41\u200b11 1111 1111 1111"}},
		{"**4111 1111 1111 1111**", []string{"card:4111 1111 1111 1111"}},
		{"4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", []string{"card:4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"}},
		{"41-11-11-11-11-11-11-11", []string{"card:41-11-11-11-11-11-11-11"}},
		{"411/111/111/111/111/1", []string{"card:411/111/111/111/111/1"}},
		{"４１１１ １１１１ １１１１ １１１１", []string{"card:４１１１ １１１１ １１１１ １１１１"}},
		// Not cards.
		{"41 11 11 11 11 11 11 11", nil},
		{"411.111.111.111.111", nil},
		{"4111 1111 1111 1112", nil},
		{"41111 1111 1111 111", nil},
		{"x4111111111111111", nil},
		{"4111111111111111x", nil},
		{"+4111111111111111", nil},
		{"41111111111111110000", nil},
		{"0111111111111111", nil},
	}
	for _, tt := range tests {
		if got := found(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Find(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// luhn is the Luhn check written plainly: every second digit from the
// last is doubled.
func luhn(digits string) bool {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func TestLuhn(t *testing.T) {
	for s, want := range map[string]bool{
		"4111111111111111": true,
		"4111111111111112": false,
		"79927398713":      true,
		"79927398710":      false,
		"0":                true,
	} {
		if got := luhn(s); got != want {
			t.Errorf("luhn(%s) = %v, want %v", s, got, want)
		}
	}
}

// TestLuhnSums checks the Luhn sums a number keeps for each prefix of its
// groups, as scanned and after shift drops its first groups, against the
// plain check.
func TestLuhnSums(t *testing.T) {
	for _, text := range []string{
		"4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
		"79927398713 4111 1111 1111 1111 5 55 555 5555 0",
		"3 78 282 2463 10005 42 4 2222 2",
	} {
		v := textview.New(text)
		var num number
		num.scan(&v, 0, true, false)
		for r := 0; r < num.n; r++ {
			if r > 0 {
				num.scan(&v, 0, true, false)
				num.shift(&v, r)
			}
			digits := ""
			for k := 1; k <= num.n; k++ {
				g := &num.groups[k-1]
				digits += text[g.start:g.end]
				if got, want := g.luhn[len(digits)%2]%10 == 0, luhn(digits); got != want {
					t.Errorf("%q from group %d: Luhn of %s = %v, want %v", text, r, digits, got, want)
				}
			}
		}
	}
}

func TestFindAllocs(t *testing.T) {
	text := strings.Repeat("A clean message: year 2024, $1,299.99, order 123456789, v1.2.3 and a@ b. ", 10)
	for d := range numBuiltins {
		if n := testing.AllocsPerRun(50, func() {
			v := textview.New(text)
			_, _, _ = findBuiltin(d, &v, 0)
		}); n != 0 {
			t.Errorf("detector %s allocates %v times on a clean text, want 0", builtinNames[d], n)
		}
	}
}

// FuzzFind checks that the detectors never panic and return ordered,
// non-overlapping matches that each detector finds again on its own, that
// a telephone number holds 8 to 17 digits, and that a card number passes
// the Luhn check (digits counted as the normalised view reads them).
func FuzzFind(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, m := range Find(text) {
			if m.Start < prev || m.Start >= m.End || m.End > len(text) {
				t.Fatalf("Find(%q): bad extent [%d:%d] after %d", text, m.Start, m.End, prev)
			}
			prev = m.End
			s := text[m.Start:m.End]
			if utf8.ValidString(text) && !utf8.ValidString(s) {
				t.Fatalf("Find(%q): match %q splits a character", text, s)
			}
			v := textview.New(s)
			var digits []byte
			for i := 0; i < len(v.Text()); i++ {
				if isDigit(v.Text()[i]) {
					digits = append(digits, v.Text()[i])
				}
			}
			switch m.Kind {
			case KindPhone:
				if len(digits) < 8 || len(digits) > 17 {
					t.Fatalf("Find(%q): telephone number %q has %d digits", text, s, len(digits))
				}
			case KindCard:
				if len(digits) < 13 || len(digits) > 19 || !luhn(string(digits)) {
					t.Fatalf("Find(%q): card number %q fails the checks", text, s)
				}
			case KindEmail:
				if strings.Count(v.Text(), "@") != 1 {
					t.Fatalf("Find(%q): e-mail address %q", text, s)
				}
			default:
				t.Fatalf("Find(%q): unknown kind %q", text, m.Kind)
			}
			// The match stands on its own: found again in isolation.
			if again := Find(s); len(again) != 1 || again[0].Kind != m.Kind || again[0].End != len(s) {
				t.Fatalf("Find(%q) found %s %q, but Find of it alone gives %v", text, m.Kind, s, again)
			}
		}
	})
}

func ExampleFind() {
	text := "Reach me at jo@example.com or +44 20 7946 0958; card 4111 1111 1111 1111. Order 123456789, 2024."
	for _, m := range Find(text) {
		fmt.Printf("%s: %s\n", m.Kind, text[m.Start:m.End])
	}
	// Output:
	// email: jo@example.com
	// phone: +44 20 7946 0958
	// card: 4111 1111 1111 1111
}
