// Command replay replays channel flow events through the processor's
// handler, locally, with no AWS account and no Docker:
//
//	go run ./cmd/replay testdata/events
//
// Run it with -h for the flags; see package replay.
package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/signal"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor/replay"
	_ "github.com/chimeflow/chimeflow/rules/all"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := replay.Command(ctx, os.Args[1:], replay.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, NewClient: newClient})
	stop()
	os.Exit(code)
}

// newClient builds the real client for -endpoint from the shared AWS
// configuration. A loopback endpoint with no credentials configured gets
// placeholder ones, so a local stand-in works on a machine with no AWS setup.
func newClient(ctx context.Context, endpoint, region string) (messaging.CallbackAPI, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("-endpoint %q is not an absolute URL", endpoint)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if region != "" {
		cfg.Region = region
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if err := credentialsUsable(ctx, cfg.Credentials); err != nil {
		host := u.Hostname()
		if host != "localhost" && host != "127.0.0.1" && host != "::1" {
			return nil, fmt.Errorf("no AWS credentials for %s: %w", endpoint, err)
		}
		fmt.Fprintln(os.Stderr, "replay: no AWS credentials found; signing with placeholder credentials for the local endpoint")
		cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDLOCALREPLAY", SecretAccessKey: "local-replay-secret", Source: "replay"}, nil
		})
	}
	return messaging.NewFromConfig(cfg, func(o *messaging.Options) { o.BaseEndpoint = endpoint }), nil
}

func credentialsUsable(ctx context.Context, p aws.CredentialsProvider) error {
	if p == nil {
		return fmt.Errorf("no credentials provider")
	}
	_, err := p.Retrieve(ctx)
	return err
}
