package motoserver_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/motoserver"
	"github.com/chimeflow/chimeflow/internal/testenv"
)

func TestStartAndClose(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	py := testenv.Python(t, "moto.server", "flask", "werkzeug")
	for _, serial := range []bool{false, true} {
		s, err := motoserver.Start(motoserver.Options{Python: py, Serial: serial})
		require.NoError(t, err, "serial=%v", serial)
		resp, err := http.Get(s.URL + "/moto-api/")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "a second Close is a no-op")
		_, err = http.Get(s.URL + "/moto-api/")
		assert.Error(t, err, "serial=%v: the server still answers after Close", serial)
	}
}

func TestStartFails(t *testing.T) {
	_, err := motoserver.Start(motoserver.Options{Python: filepath.Join(t.TempDir(), "no-python")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no-python")

	// An interpreter that exits at once: the error says so instead of
	// waiting out the timeout.
	sh := testenv.Tool(t, "false")
	_, err = motoserver.Start(motoserver.Options{Python: sh})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exited before answering")
}
