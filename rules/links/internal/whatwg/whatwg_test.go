package whatwg

import (
	"errors"
	"fmt"
	"testing"
)

func TestHost(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"example.com", "example.com", nil},
		{"EXAMPLE.com.", "example.com.", nil},
		{"ｅｖｉｌ.com", "evil.com", nil},
		{"ev\u00adil.com", "evil.com", nil},
		{"ev\til\n.com", "evil.com", nil},
		{"e%76il.com", "evil.com", nil},
		{"evil%2Ecom", "evil.com", nil},
		{"%EF%BD%85vil.com", "evil.com", nil},
		{"bücher.example", "xn--bcher-kva.example", nil},
		{"2130706433", "127.0.0.1", nil},
		{"0x7f000001", "127.0.0.1", nil},
		{"0x7f.1", "127.0.0.1", nil},
		{"0177.0.0.1", "127.0.0.1", nil},
		{"127.1", "127.0.0.1", nil},
		{"127.0.1", "127.0.0.1", nil},
		{"1.2.3.4.", "1.2.3.4", nil},
		{"0x", "0.0.0.0", nil},
		{"0xffffffff", "255.255.255.255", nil},
		{"１２７.０.０.１", "127.0.0.1", nil},
		{"[::1]", "[::1]", nil},
		{"[0:0:0:0:0:0:0:1]", "[::1]", nil},
		{"[2001:DB8:0:0:1:0:0:1]", "[2001:db8::1:0:0:1]", nil},
		{"[1:0:0:2:0:0:0:3]", "[1:0:0:2::3]", nil},
		{"[::ffff:127.0.0.1]", "[::ffff:7f00:1]", nil},
		{"[1:2:3:4:5:6:7:8]", "[1:2:3:4:5:6:7:8]", nil},
		{"[::]", "[::]", nil},
		{"4294967296", "4294967296", ErrIPv4},
		{"256.1", "256.1", ErrIPv4},
		{"1.2.3.4.5", "1.2.3.4.5", ErrIPv4},
		{"09.1", "09.1", ErrIPv4},
		{"a.0x1", "a.0x1", ErrIPv4},
		{"[::1", "[::1", ErrIPv6},
		{"[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7:8:9]", ErrIPv6},
		{"[::1.2.3]", "[::1.2.3]", ErrIPv6},
		{"[1::2::3]", "[1::2::3]", ErrIPv6},
		{"a b", "a b", ErrForbidden},
		{"a%20b", "a b", ErrForbidden},
		{"a%40b", "a@b", ErrForbidden},
		{"", "", ErrEmpty},
		{"\u00ad", "", ErrEmpty},
	}
	for _, tt := range tests {
		got, err := Host(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("Host(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct{ in, scheme, host string }{
		{"https://example.com/a", "https", "example.com"},
		{"HTTPS://u:p@example.com:8443/a", "HTTPS", "example.com"},
		{"https://good.example@evil.example/", "https", "evil.example"},
		{`http://evil.example\@good.example/`, "http", "evil.example"},
		{"https:evil.example", "https", "evil.example"},
		{"https:/evil.example", "https", "evil.example"},
		{`https:\\evil.example\x`, "https", "evil.example"},
		{"https:////evil.example", "https", "evil.example"},
		{"  https://evil.example  ", "https", "evil.example"},
		{"ht\ttps://ev\nil.example", "https", "evil.example"},
		{"//evil.example/x", "", "evil.example"},
		{`/\evil.example`, "", "evil.example"},
		{`\\evil.example`, "", "evil.example"},
		{"wss://evil.example:8080/s", "wss", "evil.example"},
		{"intent://evil.example/#Intent;end", "intent", "evil.example"},
		{`foo://a\b@evil.example/`, "foo", `evil.example`},
		{"file://server/share", "file", "server"},
		{"file:///etc/passwd", "file", ""},
		{"javascript:alert(1)", "javascript", ""},
		{"mailto:a@example.com", "mailto", ""},
		{"/relative/path", "", ""},
		{"evil.example", "", ""},
		{"http://[::1]:80/", "http", "[::1]"},
		{"", "", ""},
	}
	for _, tt := range tests {
		scheme, host, ok := Split(tt.in)
		if scheme != tt.scheme || host != tt.host || ok != (tt.host != "") {
			t.Errorf("Split(%q) = %q, %q, %v; want %q, %q", tt.in, scheme, host, ok, tt.scheme, tt.host)
		}
	}
}

func TestUnmap(t *testing.T) {
	tests := []struct{ in, want string }{
		{"[::ffff:7f00:1]", "127.0.0.1"},
		{"[::ffff:c000:201]", "192.0.2.1"},
		{"[::1]", "[::1]"},
		{"[1::ffff:7f00:1]", "[1::ffff:7f00:1]"},
		{"example.com", "example.com"},
	}
	for _, tt := range tests {
		if got := Unmap(tt.in); got != tt.want {
			t.Errorf("Unmap(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLocateDoesNotAllocate(t *testing.T) {
	u := "https://user@www.example.com:443/a?b#c"
	if n := testing.AllocsPerRun(100, func() { _ = Locate(u) }); n != 0 {
		t.Errorf("Locate allocates %v times", n)
	}
}

func FuzzHost(f *testing.F) {
	for _, s := range []string{"example.com", "0x7f.1", "[::ffff:1.2.3.4]", "e%76il.com", "ｅ\u00ad.com", "[1::2::3]", "1.2.3.4.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		h, err := Host(in)
		if err == nil {
			if h2, err2 := Host(h); err2 != nil || h2 != h {
				t.Fatalf("Host(%q) = %q, but Host(%q) = %q, %v", in, h, h, h2, err2)
			}
		}
		_ = Unmap(h)
		p := Locate(in)
		if p.HostStart > p.HostEnd || p.HostEnd > len(in) || p.SchemeEnd > len(in) {
			t.Fatalf("Locate(%q) = %+v", in, p)
		}
	})
}

func ExampleHost() {
	for _, h := range []string{"0x7f.1", "ｅ%76il.example", "[::FFFF:127.0.0.1]"} {
		host, err := Host(h)
		fmt.Println(host, err, Unmap(host))
	}
	// Output:
	// 127.0.0.1 <nil> 127.0.0.1
	// evil.example <nil> evil.example
	// [::ffff:7f00:1] <nil> 127.0.0.1
}

func ExampleSplit() {
	scheme, host, ok := Split(`https:\\good.example@evil.example\x`)
	fmt.Println(scheme, host, ok)
	// Output: https evil.example true
}
