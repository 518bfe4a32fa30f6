module github.com/chimeflow/chimeflow/rules/profanity/internal/gen

go 1.26.0

require (
	github.com/chimeflow/chimeflow v0.0.0
	golang.org/x/text v0.43.0
)

replace github.com/chimeflow/chimeflow => ../../../../
