package standin

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type call struct {
	op     string
	status int
}

func TestReadBody(t *testing.T) {
	body, problem := ReadBody(httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"a":1}`)))
	assert.Equal(t, `{"a":1}`, string(body))
	assert.Empty(t, problem)

	body, problem = ReadBody(httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(make([]byte, MaxBody+10))))
	assert.Len(t, body, MaxBody+1)
	assert.Equal(t, "body larger than 1048576 bytes", problem)
}

func TestRecord(t *testing.T) {
	var c Core[call, string]
	c.AddProblems("the model did not load")
	assert.Equal(t, 0, c.Record(call{op: "Do"}, "Do", nil))
	assert.Equal(t, 1, c.Record(call{}, "", []string{"no operation matches"}))
	assert.Equal(t, 2, c.Record(call{op: "Do"}, "Do", []string{"Text: required", "signature: expired"}))
	c.Update(1, func(k *call) { k.status = 404 })

	assert.Equal(t, []call{{op: "Do"}, {status: 404}, {op: "Do"}}, c.Calls())
	assert.Equal(t, 2, c.Nonconforming())
	assert.Equal(t, []string{"the model did not load", ": no operation matches", "Do: Text: required", "Do: signature: expired"}, c.Problems())
	c.idPrefix = "stand-in-"
	assert.Equal(t, "stand-in-3", c.RequestID(2))
}

func TestAttempt(t *testing.T) {
	var c Core[call, string]
	n, f := c.Attempt("Do", "Do")
	assert.Equal(t, 1, n)
	assert.Nil(t, f)

	c.Inject("Do", "throttle", "reset")
	c.Inject("Do\x00cb", "refuse")
	n, f = c.Attempt("Do\x00cb", "Do\x00cb", "Do")
	assert.Equal(t, 1, n, "attempts count by key")
	require.NotNil(t, f)
	assert.Equal(t, "refuse", *f, "the first queue that holds a fault")
	n, f = c.Attempt("Do\x00cb", "Do\x00cb", "Do")
	assert.Equal(t, 2, n)
	require.NotNil(t, f)
	assert.Equal(t, "throttle", *f, "then the next queue")

	idx, n, f := c.RecordAttempt(call{op: "Do"}, "Do", nil, "Do")
	assert.Equal(t, 0, idx)
	assert.Equal(t, 2, n)
	require.NotNil(t, f)
	assert.Equal(t, "reset", *f)
	_, n, f = c.RecordAttempt(call{op: "Do"}, "Do", nil, "Do")
	assert.Equal(t, 3, n)
	assert.Nil(t, f, "the queue is empty")
}

func TestHold(t *testing.T) {
	var c Core[call, string]
	held := make(chan bool, 1)
	type fault struct {
		delay       time.Duration
		reset, hang bool
	}
	var f fault
	c.Start("stand-in-", func(w http.ResponseWriter, r *http.Request) {
		ok := c.Hold(w, r, f.delay, f.reset, f.hang)
		held <- ok
		if ok {
			w.WriteHeader(http.StatusNoContent)
		}
	})
	defer c.Close()
	// A connection each request, so that the client does not retry a reset
	// one.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	f = fault{delay: time.Millisecond}
	res, err := client.Get(c.URL)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNoContent, res.StatusCode)
	assert.True(t, <-held)

	f = fault{reset: true}
	_, err = client.Get(c.URL)
	assert.Error(t, err, "the connection is reset")
	assert.False(t, <-held)

	f = fault{hang: true}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if res, err := client.Get(c.URL); err == nil {
			res.Body.Close()
		}
	}()
	select {
	case <-held:
		t.Fatal("a hung request is answered")
	case <-time.After(50 * time.Millisecond):
	}
	c.Close()
	assert.False(t, <-held, "Close releases a hung request")
	<-done
}
