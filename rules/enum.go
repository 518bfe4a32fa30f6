package rules

import (
	"fmt"
	"slices"
	"strings"
)

// ParseEnum returns the value among valid that b spells, or an error that
// lists them: "mask" is not deny or flag. It is the body of the
// UnmarshalText method of a rule's string option type:
//
//	func (a *Action) UnmarshalText(b []byte) (err error) {
//		*a, err = rules.ParseEnum(b, ActionDeny, ActionFlag)
//		return err
//	}
func ParseEnum[T ~string](b []byte, valid ...T) (T, error) {
	if i := slices.Index(valid, T(b)); i >= 0 {
		return valid[i], nil
	}
	var zero T
	return zero, fmt.Errorf("%q is not %s", b, orList(valid))
}

// orList joins values as "a, b or c".
func orList[T ~string](values []T) string {
	var b strings.Builder
	for i, v := range values {
		switch {
		case i == 0:
		case i == len(values)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(string(v))
	}
	return b.String()
}
