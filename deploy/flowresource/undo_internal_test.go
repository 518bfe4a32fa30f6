package flowresource

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
)

// TestHandlerUndo: when the Handler calls Undo, with what, and what it
// answers after.
func TestHandlerUndo(t *testing.T) {
	const (
		oldID = "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel-flow/old"
		newID = "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel-flow/new"
		reqID = "req-1"
	)
	failing := errors.New("association failed")
	tests := []struct {
		name string
		typ  cfn.RequestType
		// work runs as the Func: it reports progress, then fails (or not).
		work     func(ctx context.Context) (string, error)
		undo     UndoFunc
		wantUndo []string // the createdID of each Undo call
		wantID   string
		reason   []string
	}{
		{"replacement undone", cfn.RequestUpdate,
			func(ctx context.Context) (string, error) {
				creating(ctx, true)
				created(ctx, newID)
				return newID, failing
			},
			func(context.Context, cfn.Event, string) error { return nil },
			[]string{newID}, oldID, []string{"association failed", newID + ", which it had created, was deleted"}},
		{"replacement not undone", cfn.RequestUpdate,
			func(ctx context.Context) (string, error) {
				creating(ctx, true)
				created(ctx, newID)
				return newID, failing
			},
			func(context.Context, cfn.Event, string) error { return errors.New("Chime is down") },
			[]string{newID}, newID, []string{"deleting " + newID + ", which it had created, failed too (Chime is down)", "CloudFormation's rollback deletes it"}},
		{"undo panics", cfn.RequestUpdate,
			func(ctx context.Context) (string, error) {
				creating(ctx, true)
				created(ctx, newID)
				return "", failing
			},
			func(context.Context, cfn.Event, string) error { panic("undo bug") },
			[]string{newID}, newID, []string{"panic: undo bug", "CloudFormation's rollback deletes it"}},
		{"replacement, no Undo", cfn.RequestUpdate,
			func(ctx context.Context) (string, error) {
				creating(ctx, true)
				created(ctx, newID)
				return "", failing
			},
			nil, nil, newID, []string{"association failed"}},
		{"update in place", cfn.RequestUpdate,
			func(ctx context.Context) (string, error) { return oldID, failing },
			func(context.Context, cfn.Event, string) error { return nil },
			nil, oldID, []string{"association failed"}},
		{"create with its resource made", cfn.RequestCreate,
			func(ctx context.Context) (string, error) {
				creating(ctx, true)
				created(ctx, newID)
				return newID, failing
			},
			func(context.Context, cfn.Event, string) error { return nil },
			nil, newID, []string{"association failed"}},
		{"create cut short during the creation", cfn.RequestCreate,
			func(ctx context.Context) (string, error) { creating(ctx, true); return "", failing },
			func(context.Context, cfn.Event, string) error { return nil },
			[]string{""}, reqID, []string{"anything it may have created was looked for and deleted"}},
		{"create cut short, the creation not found", cfn.RequestCreate,
			func(ctx context.Context) (string, error) { creating(ctx, true); return "", failing },
			func(context.Context, cfn.Event, string) error { return errors.New("lookup failed") },
			[]string{""}, reqID, []string{"it may have created a resource, and looking for it failed: lookup failed"}},
		{"create refused by the service", cfn.RequestCreate,
			func(ctx context.Context) (string, error) {
				creating(ctx, true)
				creating(ctx, false)
				return "", failing
			},
			func(context.Context, cfn.Event, string) error { return nil },
			nil, reqID, []string{"association failed"}},
		{"success", cfn.RequestUpdate,
			func(ctx context.Context) (string, error) { creating(ctx, true); created(ctx, newID); return newID, nil },
			func(context.Context, cfn.Event, string) error { return nil },
			nil, newID, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { body, _ = io.ReadAll(r.Body) }))
			defer srv.Close()
			var calls []string
			h := &Handler{Func: func(ctx context.Context, e cfn.Event) (string, map[string]any, error) {
				id, err := tt.work(ctx)
				return id, nil, err
			}}
			if tt.undo != nil {
				h.Undo = func(ctx context.Context, e cfn.Event, createdID string) error {
					calls = append(calls, createdID)
					if _, ok := ctx.Deadline(); !ok {
						t.Error("Undo runs without a deadline")
					}
					return tt.undo(ctx, e, createdID)
				}
			}
			ev := cfn.Event{RequestType: tt.typ, RequestID: reqID, ResponseURL: srv.URL}
			if tt.typ == cfn.RequestUpdate {
				ev.PhysicalResourceID = oldID
			}
			if err := h.Handle(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			var resp cfn.Response
			if err := json.Unmarshal(body, &resp); err != nil {
				t.Fatalf("answer %s: %v", body, err)
			}
			if strings.Join(calls, ",") != strings.Join(tt.wantUndo, ",") || len(calls) != len(tt.wantUndo) {
				t.Errorf("Undo called with %q, want %q", calls, tt.wantUndo)
			}
			if resp.PhysicalResourceID != tt.wantID {
				t.Errorf("PhysicalResourceId %s, want %s", resp.PhysicalResourceID, tt.wantID)
			}
			for _, r := range tt.reason {
				if !strings.Contains(resp.Reason, r) {
					t.Errorf("reason %q lacks %q", resp.Reason, r)
				}
			}
		})
	}
}
