package tests

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chimeflow/chimeflow/internal/testenv"
)

const (
	templatePath = "../../template.yaml"
	makefilePath = "../../Makefile"
	checkScript  = "check_template.py"
)

// python returns the Python 3.11 that has cfn-lint and samtranslator. Where
// it is missing the template checks skip, except under CHIMEFLOW_CI=1
// (.ci/run), where they fail: CI proves they ran.
func python(t *testing.T) string {
	t.Helper()
	return testenv.Python(t, "cfnlint", "samtranslator")
}

// checkTemplate runs check_template.py and returns its output and exit
// code. A run that takes more than five minutes fails the test.
func checkTemplate(t *testing.T, py string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{checkScript}, args...)...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish in 5 minutes:\n%s", checkScript, out)
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("run %s: %v\n%s", checkScript, err, out)
	return "", -1
}

// TestTemplate runs cfn-lint (zero errors, zero warnings) and the security
// checks of the SAM-transformed template.yaml.
func TestTemplate(t *testing.T) {
	py := python(t)
	out, code := checkTemplate(t, py, templatePath)
	if code != 0 {
		t.Fatalf("template.yaml fails its checks (exit %d):\n%s", code, out)
	}
	if !strings.Contains(out, "checks hold") {
		t.Errorf("unexpected output:\n%s", out)
	}
}

// TestTemplateChecksCatch breaks template.yaml in the ways public samples
// get wrong and checks each breakage is caught by the check it concerns.
func TestTemplateChecksCatch(t *testing.T) {
	py := python(t)
	orig, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{"old service principal", "Principal: messaging.chime.amazonaws.com", "Principal: chime.amazonaws.com",
			"invoke-permission: ProcessorInvokePermission uses the old principal chime.amazonaws.com"},
		{"no SourceAccount", "      SourceAccount: !Ref AWS::AccountId\n", "",
			"invoke-permission: ProcessorInvokePermission SourceAccount None, want Ref AWS::AccountId"},
		{"SourceArn of every app instance", "      SourceArn: !Ref AppInstanceArn\n", "      SourceArn: !Sub arn:aws:chime:${AWS::Region}:${AWS::AccountId}:app-instance/*\n",
			"invoke-permission: ProcessorInvokePermission SourceArn"},
		{"no invoke permission", "  ProcessorInvokePermission:\n    Type: AWS::Lambda::Permission", "  ProcessorInvokePermission:\n    Type: AWS::SNS::Topic\n    Properties: {}\n  UnusedPermission:\n    Type: AWS::CloudFormation::WaitConditionHandle",
			"invoke-permission: 0 AWS::Lambda::Permission on ProcessorFunction, want exactly 1"},
		{"extra processor action", "                Action: chime:ChannelFlowCallback\n", "                Action: [chime:ChannelFlowCallback, chime:SendChannelMessage]\n",
			"processor-role: ProcessorRole allows ['chime:SendChannelMessage']"},
		{"callback on every resource", "                  - !Ref AppInstanceArn\n                  - !Sub ${AppInstanceArn}/channel/*\n", "                  - \"*\"\n",
			"no-wildcard: ProcessorRole allows ['chime:ChannelFlowCallback'] on '*'"},
		{"callback outside the app instance", "                  - !Ref AppInstanceArn\n                  - !Sub ${AppInstanceArn}/channel/*\n", "                  - !Ref AppInstanceArn\n                  - !Sub arn:aws:chime:${AWS::Region}:${AWS::AccountId}:app-instance/*\n",
			"processor-role: chime:ChannelFlowCallback on"},
		{"status question outside the app instance", "                  - !Sub ${AppInstanceArn}/user/*\n", "                  - !Sub arn:aws:chime:${AWS::Region}:${AWS::AccountId}:app-instance/*/user/*\n",
			"processor-role: chime:GetChannelMessageStatus on"},
		{"status question on the app instance itself", "                  - !Sub ${AppInstanceArn}/bot/*\n", "                  - !Ref AppInstanceArn\n",
			"processor-role: chime:GetChannelMessageStatus on"},
		{"wildcard action", "                  - chime:DescribeChannelFlow\n", "                  - chime:Describe*\n",
			"no-wildcard: ChannelFlowRole allows action 'chime:Describe*'"},
		{"managed policy", "    Properties:\n      Description: \"chimeflow processor", "    Properties:\n      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]\n      Description: \"chimeflow processor",
			"processor-role: ProcessorRole has managed policies"},
		{"callback in the custom resource role", "                  - chime:ListChannelsAssociatedWithChannelFlow\n", "                  - chime:ListChannelsAssociatedWithChannelFlow\n                  - chime:ChannelFlowCallback\n",
			"custom-resource-role: ChannelFlowRole allows ['chime:ChannelFlowCallback']"},
		{"no dead-letter destination", "        DestinationConfig:\n          OnFailure:\n            Type: SQS\n            Destination: !GetAtt DeadLetterQueue.Arn\n", "",
			"dead-letter: ProcessorFunctionEventInvokeConfig on-failure destination None is not an SQS queue"},
		{"unencrypted queue", "  DeadLetterQueue:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Delete\n    UpdateReplacePolicy: Delete\n    Properties:\n      SqsManagedSseEnabled: true\n",
			"  DeadLetterQueue:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Delete\n    UpdateReplacePolicy: Delete\n    Properties:\n      SqsManagedSseEnabled: false\n",
			"dead-letter: dead-letter queue DeadLetterQueue is not encrypted"},
		{"no throttles alarm", "      MetricName: Throttles\n", "      MetricName: Invocations\n",
			"alarms: no alarm on the processor's Throttles"},
		{"no queue alarm", "      MetricName: ApproximateNumberOfMessagesVisible\n", "      MetricName: NumberOfMessagesSent\n",
			"alarms: no alarm on messages in the dead-letter queue"},
		{"no queue URL output", "  DeadLetterQueueUrl:\n", "  QueueUrl:\n",
			"outputs: missing outputs ['DeadLetterQueueUrl']"},
		{"x86 processor", "      Architectures: [arm64]\n      MemorySize: 256", "      Architectures: [x86_64]\n      MemorySize: 256",
			"functions: ProcessorFunction Architectures ['x86_64'], want [arm64]"},
		{"go1.x build", "  ProcessorFunction:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: makefile", "  ProcessorFunction:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: go1.x",
			"build: ProcessorFunction Metadata.BuildMethod 'go1.x', want makefile"},
		{"flow created before the permission", "    DependsOn: ProcessorInvokePermission\n", "",
			"custom-resource: ChannelFlow does not DependsOn ProcessorInvokePermission"},
		{"invocation failures of another detail-type", "detail-type: [Chime ChannelFlow Processing Status]", "detail-type: [Chime ChannelFlow Status]",
			"invocation-failures: InvocationFailureRule detail-type"},
		{"invocation failures of every app instance", "          appInstanceArn: [!Ref AppInstanceArn]\n", "",
			"invocation-failures: InvocationFailureRule detail.appInstanceArn None"},
		{"invocation-failure alarm on another rule", "          Value: !Ref InvocationFailureRule\n", "          Value: some-other-rule\n",
			"invocation-failures: 0 alarms on AWS/Events MatchedEvents of InvocationFailureRule"},
		{"CONTINUE not explained", "DELIVERED UNMODERATED", "delivered",
			"does not say the messages were delivered unmoderated"},
		{"unencrypted invocation-failure queue", "  InvocationFailureQueue:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Delete\n    UpdateReplacePolicy: Delete\n    Properties:\n      SqsManagedSseEnabled: true\n",
			"  InvocationFailureQueue:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Delete\n    UpdateReplacePolicy: Delete\n    Properties:\n      SqsManagedSseEnabled: false\n",
			"invocation-failures: invocation-failure queue InvocationFailureQueue is not encrypted"},
		{"trail on every bus", "                  Resource: !Sub arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${TrailBusName}\n", "                  Resource: \"*\"\n",
			"trail: events:PutEvents on '*'"},
		{"trail granted without a trail", "                - HasTrailBus\n                - Sid: DecisionTrail\n", "                - HasAlarmTopic\n                - Sid: DecisionTrail\n",
			"trail: events:PutEvents is granted without the HasTrailBus condition"},
		{"trail for any source", "                      events:source: chimeflow\n", "                      events:source: aws.chime\n",
			"trail: events:PutEvents without the condition events:source = chimeflow"},
		{"alarm not notifying the e-mail", `          Value: !Ref InvocationFailureRule
      Statistic: Sum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
      AlarmActions:
        - !Ref NotificationTopic
`, `          Value: !Ref InvocationFailureRule
      Statistic: Sum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
      AlarmActions:
        - !If [HasAlarmTopic, !Ref AlarmTopicArn, !Ref AWS::NoValue]
`, "notifications: InvocationFailureAlarm notifies [] when NotificationEmail=False and AlarmTopicArn=False"},
		{"no e-mail subscription", "            Endpoint: !Ref NotificationEmail\n", "            Endpoint: ops@example.com\n",
			"notifications: 0 SNS topics subscribe NotificationEmail by e-mail, want 1"},
		{"dashboard without p99", `{"stat": "p99", "label": "callback p99"}`, `{"stat": "p90", "label": "callback p90"}`,
			"dashboard: Dashboard shows CallbackDuration with ['p50', 'p90'], want p50 and p99"},
		{"dashboard without denials by rule", `MetricName=\"RuleDenials\"`, `MetricName=\"RuleActions\"`,
			"dashboard: Dashboard does not show RuleDenials by Rule"},
		{"no alarm on rule errors", "      MetricName: RuleErrors\n", "      MetricName: RuleActions\n",
			"alarms: no alarm on the processor's RuleErrors"},
		{"environment beyond 4 KB", "    Default: \"\"\n    MaxLength: 1011\n", "    Default: \"\"\n    MaxLength: 3900\n",
			"functions: ProcessorFunction environment can reach"},
		{"rules parameter read more widely", "Action: ssm:GetParameter\n", "Action: [ssm:GetParameter, ssm:GetParametersByPath]\n",
			"rules: the rules statement allows ['ssm:GetParameter', 'ssm:GetParametersByPath'], want ssm:GetParameter alone"},
		{"rules key without its condition", "                - HasRulesParameterKey\n                - Sid: RulesParameterKey", "                - HasRulesParameter\n                - Sid: RulesParameterKey",
			"rules: ['kms:Decrypt'] is granted without the HasRulesParameterKey condition"},
		{"rules key for any parameter", "                      kms:EncryptionContext:PARAMETER_ARN: !If\n", "                      kms:EncryptionContext:PARAMETER_ARNX: !If\n",
			"rules: kms:Decrypt without the encryption context of the rules parameter"},
		{"rules file elsewhere", "CHIMEFLOW_CONFIG_FILE: rules.yaml", "CHIMEFLOW_CONFIG_FILE: /tmp/rules.yaml",
			"rules: CHIMEFLOW_CONFIG_FILE is '/tmp/rules.yaml', want rules.yaml"},
		{"Comprehend on the guardrail", "                  Resource: \"*\"\n", "                  Resource: !Ref GuardrailArn\n",
			"models: the Comprehend actions on {'Ref': 'GuardrailArn'}: they take no resource-level permission"},
		{"Comprehend granted without a rule", "                - HasComprehend\n                - Sid: ComprehendModels\n", "                - HasGuardrail\n                - Sid: ComprehendModels\n",
			"models: the Comprehend actions are granted without the HasComprehend condition"},
		{"another Comprehend action on *", "    AllowedValues: [\"\", DetectToxicContent, DetectPiiEntities, DetectDominantLanguage]\n", "    AllowedValues: [\"\", DetectToxicContent, DetectPiiEntities, DetectDominantLanguage, DetectSentiment]\n",
			"no-wildcard: ProcessorRole allows ['comprehend:DetectDominantLanguage', 'comprehend:DetectPiiEntities', 'comprehend:DetectSentiment', 'comprehend:DetectToxicContent'] on '*'"},
		{"every guardrail", "                  Resource: !Ref GuardrailArn\n", "                  Resource: !Sub arn:aws:bedrock:${AWS::Region}:${AWS::AccountId}:guardrail/*\n",
			"models: the guardrail statement allows ['bedrock:ApplyGuardrail'] on"},
		{"loose guardrail pattern", "    AllowedPattern: ^(|arn:aws[a-z-]*:bedrock:[a-z0-9-]+:[0-9]{12}:guardrail/[a-z0-9]+)$\n", "    AllowedPattern: ^.*$\n",
			"models: GuardrailArn pattern accepts '*'"},
		{"loose app instance pattern", "    AllowedPattern: ^arn:aws[a-z-]*:chime:[a-z0-9-]+:[0-9]{12}:app-instance/[-a-zA-Z0-9]+$", "    AllowedPattern: ^arn:.*$",
			"parameters: AppInstanceArn pattern accepts"},
	}
	// One run checks every broken copy: the SAM translator is slow to load.
	dir := t.TempDir()
	paths := make([]string, len(tests))
	for i, tt := range tests {
		if n := strings.Count(string(orig), tt.old); n != 1 {
			t.Fatalf("%s: template.yaml holds %q %d times, want once: update the test", tt.name, tt.old, n)
		}
		paths[i] = filepath.Join(dir, fmt.Sprintf("broken-%02d.yaml", i))
		if err := os.WriteFile(paths[i], []byte(strings.Replace(string(orig), tt.old, tt.new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, code := checkTemplate(t, py, append([]string{"--no-lint", "--makefile", makefilePath}, paths...)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	reports := map[string]string{}
	for _, part := range strings.Split(out, "== ")[1:] {
		path, report, _ := strings.Cut(part, "\n")
		reports[path] = report
	}
	for i, tt := range tests {
		report, ok := reports[paths[i]]
		switch {
		case !ok:
			t.Errorf("%s: no report in the output:\n%s", tt.name, out)
		case !strings.Contains(report, "checks failed"):
			t.Errorf("%s: the broken template passed:\n%s", tt.name, report)
		case !strings.Contains(report, tt.want):
			t.Errorf("%s: the report lacks %q:\n%s", tt.name, tt.want, report)
		}
	}
}

// TestTemplateLintCatches: a template cfn-lint objects to fails the check.
func TestTemplateLintCatches(t *testing.T) {
	py := python(t)
	orig, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "template.yaml")
	broken := strings.Replace(string(orig), "      Period: 300\n", "      Period: 301\n", 1)
	if broken == string(orig) {
		t.Fatal("template.yaml has no alarm Period: 300 to break; update the test")
	}
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := checkTemplate(t, py, "--makefile", makefilePath, path)
	if code != 1 || !strings.Contains(out, "cfn-lint: cfn-lint") {
		t.Fatalf("exit %d, want 1 with a cfn-lint failure:\n%s", code, out)
	}
}
