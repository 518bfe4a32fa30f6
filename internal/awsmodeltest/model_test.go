package awsmodeltest

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/awsmodel"
	"github.com/chimeflow/chimeflow/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the embedded model extracts from the verbatim models in testdata")

// The verbatim botocore models, by service, with the botocore name and API
// version they come from and the embedded extract made of them.
var verbatim = []struct {
	service, botocore, version, file, extract string
	embedded                                  []byte
}{
	{ServiceComprehend, "comprehend", "2017-11-27", "testdata/comprehend-2017-11-27.service.json", "comprehend.json", comprehendJSON},
	{ServiceBedrockRuntime, "bedrock-runtime", "2023-09-30", "testdata/bedrock-runtime-2023-09-30.service.json", "bedrock-runtime.json", bedrockJSON},
}

// TestModelsAreCurrent fails when an embedded extract no longer matches
// what its verbatim model says of the served operations.
func TestModelsAreCurrent(t *testing.T) {
	for _, v := range verbatim {
		b, err := os.ReadFile(v.file)
		require.NoError(t, err)
		want, err := awsmodel.Extract(b, served[v.service])
		require.NoError(t, err)
		if *update {
			require.NoError(t, os.WriteFile(v.extract, want, 0o644))
			continue
		}
		assert.True(t, bytes.Equal(want, v.embedded), "%s is stale: go test ./internal/awsmodeltest -run TestModelsAreCurrent -update", v.extract)
		m, err := awsmodel.Load(v.embedded)
		require.NoError(t, err)
		assert.Len(t, m.Operations, len(served[v.service]))
	}
}

// TestVerbatimModelsAreBotocores checks the copies in testdata against the
// models of the botocore installed for python3.11, operation by operation
// for the served ones (other operations may come and go). Under
// CHIMEFLOW_CI=1 a machine without python3.11 and botocore fails it.
// When botocore's model changes, copy it again:
//
//	python3.11 -c 'import botocore.loaders as l, json, sys; json.dump(l.Loader().load_service_model(sys.argv[1], "service-2", sys.argv[2]), sys.stdout, indent=1)' comprehend 2017-11-27 > internal/awsmodeltest/testdata/comprehend-2017-11-27.service.json
//
// and run TestModelsAreCurrent with -update.
func TestVerbatimModelsAreBotocores(t *testing.T) {
	py := testenv.Python(t, "botocore")
	const script = `import botocore.loaders as l, json, sys; json.dump(l.Loader().load_service_model(sys.argv[1], "service-2", sys.argv[2]), sys.stdout)`
	for _, v := range verbatim {
		out, err := exec.Command(py, "-c", script, v.botocore, v.version).Output()
		require.NoError(t, err, v.botocore)
		theirs, err := awsmodel.Extract(out, served[v.service])
		require.NoError(t, err)
		b, err := os.ReadFile(v.file)
		require.NoError(t, err)
		ours, err := awsmodel.Extract(b, served[v.service])
		require.NoError(t, err)
		assert.Equal(t, string(theirs), string(ours), "%s differs from botocore's %s %s model", filepath.Base(v.file), v.botocore, v.version)
	}
}
