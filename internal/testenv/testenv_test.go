package testenv

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	endpoint := Moto(t)
	// A DynamoDB ListTables call, unsigned checks aside, proves the server
	// routes AWS JSON protocol requests.
	req, _ := http.NewRequest("POST", endpoint+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "TableNames") {
		t.Fatalf("ListTables: HTTP %d %s", resp.StatusCode, b)
	}
}
