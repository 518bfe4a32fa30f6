package live_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/live"
)

// BenchmarkRoute compares, in one run, routing a message with the
// configuration itself and with a Router serving it: static (no reload),
// and reloading every minute (the clock read and compared on each Route;
// the check itself is not due during the run).
//
//	go test -run XXX -bench Route -benchmem ./rules/live
func BenchmarkRoute(b *testing.B) {
	path := filepath.Join(b.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte(docMask), 0o644); err != nil {
		b.Fatal(err)
	}
	cfg, err := rules.Parse([]byte(docMask), path)
	if err != nil {
		b.Fatal(err)
	}
	static, err := live.New(context.Background(), live.File(path), live.Options{})
	if err != nil {
		b.Fatal(err)
	}
	reloading, err := live.New(context.Background(), live.File(path), live.Options{Interval: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range []struct {
		name   string
		router processor.Router
	}{{"config", cfg}, {"router", static}, {"router-reloading", reloading}} {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r.router.Route(message) == nil {
					b.Fatal("no pipeline")
				}
			}
		})
	}
}
