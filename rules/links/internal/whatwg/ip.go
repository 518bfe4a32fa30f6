package whatwg

import (
	"strconv"
	"strings"
)

// endsInNumber is the standard's "ends in a number checker": whether the
// last label of the domain (a trailing dot aside) is all digits or parses
// as an IPv4 number (0x… included), which makes the host an IPv4 address
// or a failure.
func endsInNumber(domain string) bool {
	last := domain
	if k := strings.LastIndexByte(domain, '.'); k >= 0 {
		last = domain[k+1:]
		if last == "" {
			if k == 0 {
				return false
			}
			rest := domain[:k]
			last = rest[strings.LastIndexByte(rest, '.')+1:]
		}
	}
	if last == "" {
		return false
	}
	allDigits := true
	for i := 0; i < len(last); i++ {
		if !isDigit(last[i]) {
			allDigits = false
			break
		}
	}
	if allDigits {
		return true
	}
	_, ok := parseIPv4Number(last)
	return ok
}

// parseIPv4 parses an IPv4 address in any of the forms the standard
// accepts: one to four parts, each decimal, octal (leading 0) or
// hexadecimal (0x), the last filling the remaining bytes.
func parseIPv4(s string) (uint32, bool) {
	s = strings.TrimSuffix(s, ".")
	var nums [4]uint64
	n := 0
	for part := range strings.SplitSeq(s, ".") {
		if n == 4 {
			return 0, false
		}
		v, ok := parseIPv4Number(part)
		if !ok {
			return 0, false
		}
		nums[n] = v
		n++
	}
	for i := 0; i < n-1; i++ {
		if nums[i] > 255 {
			return 0, false
		}
	}
	if nums[n-1] >= 1<<(8*(5-n)) {
		return 0, false
	}
	v := nums[n-1]
	for i := 0; i < n-1; i++ {
		v += nums[i] << (8 * (3 - i))
	}
	return uint32(v), true
}

// parseIPv4Number parses one part of an IPv4 address. Values past 2^32
// fail (the standard fails them later, in the range check).
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && s[0] == '0' && s[1]|0x20 == 'x':
		s, base = s[2:], 16
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	if s == "" {
		return 0, true
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		var d uint64
		c := s[i]
		switch {
		case isDigit(c):
			d = uint64(c - '0')
		case base == 16 && isHex(c):
			d = uint64(unhex(c))
		default:
			return 0, false
		}
		if d >= uint64(base) {
			return 0, false
		}
		v = v*uint64(base) + d
		if v > 1<<32 {
			v = 1 << 32 // out of range; keep parsing the digits
		}
	}
	return v, true
}

func serializeIPv4(v uint32) string {
	var b []byte
	b = strconv.AppendUint(b, uint64(v>>24), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(v>>16&0xff), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(v>>8&0xff), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(v&0xff), 10)
	return string(b)
}

// parseIPv6 parses an IPv6 address (without brackets) as the standard's
// IPv6 parser does.
func parseIPv6(s string) ([8]uint16, bool) {
	var a [8]uint16
	piece, compress := 0, -1
	i := 0
	if strings.HasPrefix(s, ":") {
		if !strings.HasPrefix(s, "::") {
			return a, false
		}
		i += 2
		piece++
		compress = piece
	}
	for i < len(s) {
		if piece == 8 {
			return a, false
		}
		if s[i] == ':' {
			if compress >= 0 {
				return a, false
			}
			i++
			piece++
			compress = piece
			continue
		}
		value, length := 0, 0
		for length < 4 && i < len(s) && isHex(s[i]) {
			value = value*16 + int(unhex(s[i]))
			i++
			length++
		}
		if i < len(s) && s[i] == '.' {
			if length == 0 {
				return a, false
			}
			i -= length
			if piece > 6 {
				return a, false
			}
			seen := 0
			for i < len(s) {
				v := -1
				if seen > 0 {
					if s[i] != '.' || seen >= 4 {
						return a, false
					}
					i++
				}
				if i >= len(s) || !isDigit(s[i]) {
					return a, false
				}
				for i < len(s) && isDigit(s[i]) {
					d := int(s[i] - '0')
					switch {
					case v == -1:
						v = d
					case v == 0:
						return a, false
					default:
						v = v*10 + d
					}
					if v > 255 {
						return a, false
					}
					i++
				}
				a[piece] = a[piece]<<8 | uint16(v)
				seen++
				if seen == 2 || seen == 4 {
					piece++
				}
			}
			if seen != 4 {
				return a, false
			}
			break
		}
		if i < len(s) && s[i] == ':' {
			i++
			if i >= len(s) {
				return a, false
			}
		} else if i < len(s) {
			return a, false
		}
		a[piece] = uint16(value)
		piece++
	}
	if compress >= 0 {
		swaps := piece - compress
		piece = 7
		for piece != 0 && swaps > 0 {
			a[piece], a[compress+swaps-1] = a[compress+swaps-1], a[piece]
			piece--
			swaps--
		}
	} else if piece != 8 {
		return a, false
	}
	return a, true
}

// serializeIPv6 writes a in the standard's form: lower-case hexadecimal,
// the first longest run of two or more zero pieces compressed to "::".
func serializeIPv6(a [8]uint16) string {
	best, bestLen := -1, 1
	for i := 0; i < 8; {
		if a[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && a[j] == 0 {
			j++
		}
		if j-i > bestLen {
			best, bestLen = i, j-i
		}
		i = j
	}
	b := make([]byte, 0, 39)
	for i := 0; i < 8; i++ {
		if i == best {
			if i == 0 {
				b = append(b, ':')
			}
			b = append(b, ':')
			i += bestLen - 1
			continue
		}
		b = strconv.AppendUint(b, uint64(a[i]), 16)
		if i != 7 {
			b = append(b, ':')
		}
	}
	return string(b)
}

// Unmap returns the dotted IPv4 address of an IPv4-mapped IPv6 host
// ("[::ffff:7f00:1]" and every other spelling of it, as Host serialises
// them), which reaches the same machine, and host itself otherwise.
func Unmap(host string) string {
	if !strings.HasPrefix(host, "[::ffff:") || !strings.HasSuffix(host, "]") {
		return host
	}
	a, ok := parseIPv6(host[1 : len(host)-1])
	if !ok || a[0]|a[1]|a[2]|a[3]|a[4] != 0 || a[5] != 0xffff {
		return host
	}
	return serializeIPv4(uint32(a[6])<<16 | uint32(a[7]))
}
