// Command processor is the channel flow processor's AWS Lambda entry point
// (the bootstrap binary of a provided.al2023 function). Build it with
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o bootstrap ./cmd/processor
//
// Its configuration comes from the environment; see package boot.
package main

import "github.com/chimeflow/chimeflow/processor/boot"

func main() { boot.Main() }
