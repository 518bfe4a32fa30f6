package profanity

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

func TestFilterFind(t *testing.T) {
	tests := []struct {
		name, text string
		want       string // the lexicon word found, "" for none
		span       string // text[Start:End], when different from the text
	}{
		{"plain", "fuck", "fuck", ""},
		{"in a sentence", "what the fuck is this", "fuck", "fuck"},
		{"case", "FuCk", "fuck", ""},
		{"leet", "sh1t", "shit", ""},
		{"leet two readings", "b!tch", "bitch", ""},
		{"leet symbols", "@$$hole", "asshole", ""},
		{"leet at word start", "you @ss", "ass", "@ss"},
		{"repeated letters", "fuuuuuck", "fuck", ""},
		{"repeated first and last", "ffffuckkkk", "fuck", ""},
		{"spaced", "f u c k you", "fuck", "f u c k"},
		{"dotted", "s.h.i.t", "shit", ""},
		{"spaced after a one-letter word", "you are a c u n t", "cunt", "c u n t"},
		{"spaced with trailing punctuation", "oh s h i t!", "shit", "s h i t"},
		{"masked", "f*ck", "fuck", ""},
		{"masked twice", "a**hole", "asshole", ""},
		{"fullwidth", "ｆｕｃｋ", "fuck", ""},
		{"mathematical bold", "𝐟𝐮𝐜𝐤", "fuck", ""},
		{"circled", "ⓢⓗⓘⓣ", "shit", ""},
		{"small capitals", "ꜱʜɪᴛ", "shit", ""},
		{"diacritics", "fück", "fuck", ""},
		{"combining marks", "fu\u0308ck", "fuck", ""},
		{"zero-width space", "fu\u200bck", "fuck", ""},
		{"soft hyphen", "sh\u00adit", "shit", ""},
		{"bidi control", "cu\u202ent", "cunt", ""},
		{"cyrillic look-alike", "fuсk", "fuck", ""},
		{"greek look-alike", "dιck", "dick", ""},
		{"stem with ending", "twats", "twat", "twat"},
		{"stem with compound ending", "dickface", "dick", "dick"},
		{"anywhere", "motherfucker", "motherfucker", ""},
		{"anywhere inside", "bullshit", "shit", "shit"},
		{"slur is severe", "faggot", "faggot", ""},
		// Markup, joiners and other scripts (issue 10).
		{"bold inside a word", "f**u**ck", "fuck", ""},
		{"bold around half a word", "**fu**ck", "fuck", "fu**ck"},
		{"bold letters read as markup, not masks", "b**i**tch", "bitch", ""},
		{"a lone star read as a mask", "f*ck", "fuck", ""},
		{"backquoted letter", "f`u`ck", "fuck", ""},
		{"underscores", "f_u_ck", "fuck", ""},
		{"identifier piece", "my_ass_file", "ass", "ass"},
		{"emoji inside", "fu😀ck", "fuck", ""},
		{"emoji for a letter", "f🤬ck", "fuck", ""},
		{"hangul filler", "fu\u3164ck", "fuck", ""},
		{"braille blank", "fu\u2800ck", "fuck", ""},
		{"down a column", "f\nu\nc\nk", "fuck", ""},
		{"hyphenated line break", "fu-\nck", "fuck", ""},
		{"parenthesised letters", "⒡⒰⒞⒦", "fuck", ""},
		{"letters with hooks", "ʂɦıʈ", "shit", ""},
		{"wholly cyrillic, foreign letters", "ѕһіт", "shit", ""},
		{"wholly cyrillic in english text", "you are a соск", "cock", "соск"},
		{"wholly greek in english text", "nice τιτς", "tits", "τιτς"},
		{"lisu", "ꓝꓴꓚꓗ", "fuck", ""},
		{"right-to-left override", "what the \u202ekcuf\u202c", "fuck", "kcuf"},
		{"override inside a word, as typed", "cu\u202ent", "cunt", ""},
		{"glued to chinese", "我fuck你", "fuck", "fuck"},
		// Innocent text.
		{"scunthorpe", "Scunthorpe United", "", ""},
		{"assassin", "the assassin", "", ""},
		{"class", "first class", "", ""},
		{"cocktail", "cocktail hour", "", ""},
		{"hot water", "hot water", "", ""},
		{"grape", "grape juice", "", ""},
		{"therapist", "my therapist", "", ""},
		{"title", "the title", "", ""},
		{"stem with other ending", "Dickerman and Cockermouth", "", ""},
		{"allow-list", "shiitake and snigger", "", ""},
		{"repeated letter on the allow-list", "we assess it", "", ""},
		{"leet trap", "cl@ss", "", ""},
		{"spaced innocent word", "c l a s s", "", ""},
		{"letters of real words", "I a m here", "", ""},
		{"russian", "Сок и хлеб", "", ""},
		{"greek", "Καλημέρα σας", "", ""},
		{"mild below the default", "damn it", "", ""},
		{"digits only", "room 455", "", ""},
		{"mention", "@dickson says hi", "", ""},
		{"bold word", "**bold** text", "", ""},
		{"bold syllable of an innocent word", "*Ass*ignment", "", ""},
		{"identifier pieces joining into a profane word", "wash_it now", "", ""},
		{"emoji between words", "thanks😊see you", "", ""},
		{"line break between words", "The pen\nis mightier", "", ""},
		{"column spelling an innocent word", "c\nl\na\ns\ns", "", ""},
		{"russian word alone", "соск", "", ""},
		{"russian text", "Соска для малыша, Тит Ливий", "", ""},
		{"russian word in russian text with english", "Это соска, ok", "", ""},
		{"greek text", "Ας πάμε", "", ""},
		{"override over an innocent word", "\u202eolleh", "", ""},
		{"empty", "", "", ""},
	}
	f := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := f.Find(tt.text)
			if ok != (tt.want != "") {
				t.Fatalf("Find(%q) = %+v, %v; want %q", tt.text, m, ok, tt.want)
			}
			if !ok {
				if f.Contains(tt.text) {
					t.Errorf("Contains(%q) = true, Find found nothing", tt.text)
				}
				return
			}
			if m.Word != tt.want {
				t.Errorf("Find(%q).Word = %q, want %q", tt.text, m.Word, tt.want)
			}
			span := tt.span
			if span == "" {
				span = tt.text
			}
			if got := tt.text[m.Start:m.End]; got != span {
				t.Errorf("Find(%q) spans %q, want %q", tt.text, got, span)
			}
			if !f.Contains(tt.text) {
				t.Errorf("Contains(%q) = false, Find found %q", tt.text, m.Word)
			}
		})
	}
}

func TestFilterMask(t *testing.T) {
	tests := []struct{ text, want string }{
		{"what the fuck", "what the ****"},
		{"fuck this shit", "**** this ****"},
		{"f u c k you", "* * * * you"},
		{"f.u.c.k", "*.*.*.*"},
		{"sh1t!", "****!"},
		{"ｆｕｃｋ off", "**** off"},
		{"fu\u200bck", "**\u200b**"},
		{"fu\u0308ck", "****"},
		{"fück ünïcödé", "**** ünïcödé"},
		{"héllo fuсk 😀", "héllo **** 😀"},
		{"twats and dickheads", "****s and ********s"},
		{"no profanity here", "no profanity here"},
		{"bullshit", "bull****"},
		{"fuckkkk", "*******"},
		// The characters inside a word are masked with it: markup,
		// joiners, emoji (one mask for a sequence), blank letters; line
		// breaks, hyphens and invisible characters are kept.
		{"say f**u**ck now", "say ******** now"},
		{"**fu**ck", "********"},
		{"~~fu~~ck it", "~~****** it"},
		{"my_ass_file", "my_***_file"},
		{"fu😀ck", "*****"},
		{"fu👍🏽ck", "*****"},
		{"fu👨\u200d👩\u200d👧ck!", "*****!"},
		{"sh❤\ufe0fit", "*****"},
		{"fuck😂you", "****😂you"},
		{"fu\u3164ck", "*****"},
		{"f\nu\nc\nk", "*\n*\n*\n*"},
		{"fu-\r\nck", "**-\r\n**"},
		{"⒡⒰⒞⒦", "****"},
		{"you are a соск", "you are a ****"},
		{"\u202ekcuf\u202c you", "\u202e****\u202c you"},
		{"\u202eẗihs", "\u202e****"},
	}
	f := Default()
	for _, tt := range tests {
		got, n := f.Mask(tt.text, '*')
		if got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.text, got, tt.want)
		}
		if wantN := strings.Count(tt.want, "*") > 0; (n > 0) != wantN {
			t.Errorf("Mask(%q) count = %d", tt.text, n)
		}
		if utf8.RuneCountInString(got) > utf8.RuneCountInString(tt.text) {
			t.Errorf("Mask(%q) = %q: longer in characters", tt.text, got)
		}
	}
	if got, _ := f.Mask("shit happens", '█'); got != "████ happens" {
		t.Errorf("Mask with █ = %q", got)
	}
}

func TestFilterAll(t *testing.T) {
	text := "fuck, shit and a c u n t; class dismissed, bitch"
	var got []string
	for m := range Default().All(text) {
		got = append(got, m.Word+"="+text[m.Start:m.End])
	}
	want := []string{"fuck=fuck", "shit=shit", "cunt=c u n t", "bitch=bitch"}
	if !slices.Equal(got, want) {
		t.Errorf("All = %q, want %q", got, want)
	}
	n := 0
	for range Default().All(text) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("All did not stop when asked")
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name   string
		config FilterConfig
		text   string
		want   bool
	}{
		{"default skips mild", FilterConfig{}, "damn", false},
		{"mild", FilterConfig{MinSeverity: Mild}, "damn", true},
		{"severe skips moderate", FilterConfig{MinSeverity: Severe}, "shit", false},
		{"severe keeps slurs", FilterConfig{MinSeverity: Severe}, "faggot", true},
		{"category kept", FilterConfig{Categories: []Category{CategorySlur}}, "faggot", true},
		{"category dropped", FilterConfig{Categories: []Category{CategorySlur}}, "shit", false},
		{"extra word", FilterConfig{ExtraWords: []string{"frak"}}, "fr4k you", true},
		{"extra word is whole", FilterConfig{ExtraWords: []string{"frak"}}, "fraking", false},
		{"extra stem", FilterConfig{ExtraWords: []string{"frak*"}}, "fraking", true},
		{"extra stem needs an ending", FilterConfig{ExtraWords: []string{"frak*"}}, "frakenstein", false},
		{"extra anywhere", FilterConfig{ExtraWords: []string{"*frak*"}}, "motherfrakker", true},
		{"extra ignores severity", FilterConfig{ExtraWords: []string{"gorram"}, MinSeverity: Severe, Categories: []Category{CategorySlur}}, "GORRAM", true},
		{"allow word", FilterConfig{AllowWords: []string{"Dickfest"}}, "see you at dickfest", false},
		{"allow word is exact", FilterConfig{AllowWords: []string{"Dickfest"}}, "you dick", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFilter(tt.config)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Contains(tt.text); got != tt.want {
				t.Errorf("Contains(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		config FilterConfig
		badW   bool
	}{
		{"digits in a word", FilterConfig{ExtraWords: []string{"b4d"}}, true},
		{"star inside", FilterConfig{ExtraWords: []string{"fr*k"}}, true},
		{"one letter", FilterConfig{ExtraWords: []string{"x"}}, true},
		{"space", FilterConfig{AllowWords: []string{"hot water"}}, true},
		{"unknown category", FilterConfig{Categories: []Category{"rude"}}, false},
		{"severity out of range", FilterConfig{MinSeverity: 9}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFilter(tt.config)
			if err == nil {
				t.Fatal("NewFilter succeeded")
			}
			if errors.Is(err, ErrBadWord) != tt.badW {
				t.Errorf("errors.Is(%v, ErrBadWord) = %v", err, !tt.badW)
			}
		})
	}
}

func TestSeverityText(t *testing.T) {
	for _, s := range []Severity{Mild, Moderate, Severe} {
		b, _ := s.MarshalText()
		var back Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("round trip of %v: %v, %v", s, back, err)
		}
	}
	var s Severity
	if err := s.UnmarshalText([]byte("extreme")); err == nil {
		t.Error("UnmarshalText(extreme) succeeded")
	}
	var c Category
	if err := c.UnmarshalText([]byte("slur")); err != nil || c != CategorySlur {
		t.Errorf("Category slur: %v %v", c, err)
	}
	if err := c.UnmarshalText([]byte("rude")); err == nil {
		t.Error("Category rude accepted")
	}
}

func TestWords(t *testing.T) {
	f, err := NewFilter(FilterConfig{ExtraWords: []string{"frak*"}})
	if err != nil {
		t.Fatal(err)
	}
	words := f.Words()
	i := slices.IndexFunc(words, func(m Match) bool { return m.Word == "frak" })
	if i < 0 || words[i].Category != CategoryCustom {
		t.Fatalf("extra word missing from Words: %v", i)
	}
	for _, w := range []string{"fuck", "cunt", "faggot"} {
		if !slices.ContainsFunc(words, func(m Match) bool { return m.Word == w }) {
			t.Errorf("%q missing from Words", w)
		}
	}
}

// TestLongTokens covers tokens longer than the matcher's window.
func TestLongTokens(t *testing.T) {
	f := Default()
	long := strings.Repeat("x", 200)
	for _, tt := range []struct {
		text string
		want bool
	}{
		{long, false},
		{long + "fuck" + long, true},
		{"shit" + long, true},
		{long + "shit", true},
		{strings.Repeat("ab", 100) + "motherfucker" + strings.Repeat("cd", 50), true},
		{strings.Repeat("a ", 200), false},
		{strings.Repeat("f u c k ", 30), true},
		{strings.Repeat("*", 300), false},
		{strings.Repeat("fuck", 100), true},
		{long + "_fuck_" + long, true},
		{long + "_f_u_c_k_" + long, true},
		{strings.Repeat("x_", 100) + "ass" + strings.Repeat("_x", 100), true},
		{strings.Repeat("x_", 100), false},
		{"\u202e" + long + "kcuf" + long, true},
		{"\u202e" + strings.Repeat("kcuf ", 40), true},
		{strings.Repeat("😀", 100) + "fu😀ck", true},
	} {
		if got := f.Contains(tt.text); got != tt.want {
			t.Errorf("Contains(%d bytes starting %q) = %v", len(tt.text), tt.text[:20], got)
		}
		masked, _ := f.Mask(tt.text, '*')
		if ascii := utf8.RuneCountInString(tt.text) == len(tt.text); ascii && len(masked) != len(tt.text) {
			t.Errorf("Mask changed the length of an ASCII text: %d -> %d", len(tt.text), len(masked))
		}
		if utf8.RuneCountInString(masked) > utf8.RuneCountInString(tt.text) {
			t.Errorf("Mask made a text longer in characters")
		}
	}
	masked, n := f.Mask(strings.Repeat("fuck", 100), '*')
	if n == 0 || strings.Contains(masked, "f") {
		t.Errorf("Mask of a long run of fucks left some: %q", masked[:40])
	}
}

// TestProseClean holds the filter to leaving ordinary chat in many
// scripts alone (testdata/profanity/prose.tsv), line by line and as the
// 4 KB messages of BenchmarkScan4K.
func TestProseClean(t *testing.T) {
	f := Default()
	prose := loadProse(t)
	for _, script := range proseScripts {
		lines := prose[script]
		if len(lines) < 4 {
			t.Errorf("%s: %d lines of prose, want at least 4", script, len(lines))
		}
		for _, line := range append(lines, message4K(lines)) {
			if m, ok := f.Find(line); ok {
				t.Errorf("%s: %q flagged as %q (%q)", script, line, m.Word, line[m.Start:m.End])
			}
		}
	}
}

func TestFilterConcurrent(t *testing.T) {
	f, err := NewFilter(FilterConfig{ExtraWords: []string{"frak"}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if got, _ := f.Mask("frak this sh1t", '*'); got != "**** this ****" {
					t.Errorf("Mask = %q", got)
					return
				}
				if f.Contains("a clean line") {
					t.Error("clean line flagged")
					return
				}
			}
		}()
	}
	wg.Wait()
}
