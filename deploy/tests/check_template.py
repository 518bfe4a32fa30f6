#!/usr/bin/env python3.11
"""Check template.yaml: cfn-lint, then the security properties of the
CloudFormation that the SAM transform generates from it.

    python3.11 deploy/tests/check_template.py [--no-lint] [--makefile PATH] template.yaml [more.yaml ...]

1. `cfn-lint TEMPLATE` must report no error and no warning.
2. The template is transformed with the samtranslator Python API, after its
   local CodeUri are replaced by S3 locations as `sam package` does, and the
   generated template must show every property the deployment promises:
   - the processor's invoke permission: principal messaging.chime.amazonaws.com,
     SourceAccount the stack's account, SourceArn the app instance;
   - the processor's role: chime:ChannelFlowCallback on the app instance and
     below, logs on its own log group, sqs:SendMessage on the dead-letter
     queue, and nothing else (no managed policy);
   - the custom resource's role: the channel flow actions on the app instance
     and below, logs, and nothing else (no ChannelFlowCallback);
   - no Allow statement with a '*' action or a '*' resource outside the app
     instance's own ARN prefix (no action here needs one);
   - the asynchronous invocation settings with an on-failure destination, an
     encrypted SQS queue;
   - the channel flow custom resource wired to both functions;
   - alarms on errors, throttles, destination failures and the queue;
   - the outputs, the parameters and the makefile build;
   - observability: a rule on the invocation failures Chime reports for the
     app instance (source aws.chime, detail-type "Chime ChannelFlow
     Processing Status", detail.eventType ProcessorInvocationFailure) with
     an alarm on its MatchedEvents that says what CONTINUE and ABORT mean;
     alarms on the processor's own metrics; every alarm notifying the
     e-mail topic and the SNS topic the operator gives; a dashboard showing
     outcomes, denials by rule, callback latency p50/p99, throttles and
     refusals, dead-lettered events and invocation failures; the decision
     trail's events:PutEvents granted on exactly its bus, only when it is
     configured; and the processor's environment within Lambda's 4 KB;
   - the model-based rules (toxicity, pii): the Comprehend detect actions
     named in ComprehendActions, and no other, granted only when it names
     some, on "*" (they take no resource-level permission: the only actions
     of the stack allowed "*"); bedrock:ApplyGuardrail granted only when
     GuardrailArn is set, on exactly that guardrail.
   - state: the stateful rules' DynamoDB table only when StatefulRules is
     true (on demand, encrypted, TTL, point-in-time recovery, its keys and
     mutes index), the processor granted exactly the item actions
     dynamostate uses on that table's ARN, the table named in its
     environment, an output.
   - rules: the processor reads the rules file deployed beside it; with a
     rules parameter, ssm:GetParameter on exactly that parameter (its ARN
     right for a name with and without a leading /), only when it is given,
     and kms:Decrypt only when its key is given, on exactly that key,
     through SSM and for that parameter alone; an alarm on refused
     versions of the rules.

Statements and values under Fn::If are checked in both branches.

Exit status 0 when everything holds, 1 when a check fails (each failure on
its own line, prefixed with the check's name), 2 on a usage or environment
problem. Given several templates, each one's report starts with "== PATH".
"""
import argparse
import copy
import os
import re
import subprocess
import sys

try:
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(f"check_template.py: the samtranslator package is missing ({e}): "
             f"pip install aws-sam-translator cfn-lint for {sys.executable}")

PROCESSOR = "ProcessorFunction"
FLOW_FUNCTION = "ChannelFlowFunction"
CHIME_PRINCIPAL = "messaging.chime.amazonaws.com"
FLOW_ACTIONS = {
    "chime:CreateChannelFlow",
    "chime:UpdateChannelFlow",
    "chime:DeleteChannelFlow",
    "chime:DescribeChannelFlow",
    "chime:AssociateChannelFlow",
    "chime:DisassociateChannelFlow",
    "chime:ListChannelsAssociatedWithChannelFlow",
}
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
PROCESSOR_ACTIONS = {"chime:ChannelFlowCallback", "chime:GetChannelMessageStatus", "sqs:SendMessage"} | LOG_ACTIONS
# Granted only when the decision trail is configured.
TRAIL_ACTION = "events:PutEvents"
TRAIL_BUS_ARN = "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${TrailBusName}"
TRAIL_SOURCE = "chimeflow"
# Rules from Parameter Store: granted only when a parameter (and its key)
# is given.
RULES_ACTIONS = {"ssm:GetParameter", "kms:Decrypt"}
PARAMETER_ARNS = [
    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${RulesParameterName}",
    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${RulesParameterName}",
]
# Granted only when the stateful rules' table exists (StatefulRules=true):
# the item actions of dynamostate's requests, on that table.
STATE_TABLE = "StateTable"
STATE_CONDITION = "HasStateTable"
STATE_ACTIONS = {"dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"}
# A DynamoDB table name is at most 255 characters; the state table's is
# "chimeflow-state-" and the stack id's UUID (36).
TABLE_NAME_MAX = 255
STATE_TABLE_NAME = {"Fn::Join": ["-", ["chimeflow-state", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]]}
STATE_TABLE_NAME_LEN = len("chimeflow-state-") + 36
# Actions whose API accepts no resource-level permission and so need
# Resource "*": the Comprehend detect actions of the model-based rules. The
# Service Authorization Reference ("Actions, resources, and condition keys
# for Amazon Comprehend") lists no resource type for them: a statement
# naming any other resource would never allow them. Nothing else of this
# stack may have "*".
COMPREHEND_ACTIONS = {
    "comprehend:DetectToxicContent",
    "comprehend:DetectPiiEntities",
    "comprehend:DetectDominantLanguage",
}
WILDCARD_RESOURCE_ACTIONS = COMPREHEND_ACTIONS
# The guardrail action takes the guardrail's ARN, and is granted on the one
# GuardrailArn names.
GUARDRAIL_ACTION = "bedrock:ApplyGuardrail"
PARAMETERS = {
    "AppInstanceArn", "FlowName", "FallbackAction", "ErrorPolicy",
    "RulesParameterName", "RulesParameterKmsKeyArn", "RulesReloadSeconds",
    "LogLevel", "LogRetentionDays", "ChimeBearerArn", "ChannelArns",
    "MaximumRetryAttempts", "MaximumEventAgeInSeconds", "AlarmTopicArn", "NotificationEmail",
    "MetricsNamespace", "MetricsDimensions", "TrailBusName", "TrailContent", "StatefulRules",
    "ComprehendActions", "GuardrailArn",
}
OUTPUTS = {"ChannelFlowArn", "ProcessorFunctionArn", "DeadLetterQueueUrl", "DashboardUrl",
           "AlarmNotifications", "InvocationFailureQueueUrl"}
PROCESSOR_ENV = {"CHIMEFLOW_CONFIG_FILE", "CHIMEFLOW_ERROR_POLICY", "CHIMEFLOW_LOG_LEVEL",
                 "CHIMEFLOW_METRICS_NAMESPACE", "CHIMEFLOW_METRICS_DIMENSIONS",
                 "CHIMEFLOW_TRAIL_BUS", "CHIMEFLOW_TRAIL_CONTENT"}
# Lambda's limit on the total size of a function's environment variables.
ENV_LIMIT = 4096
# The Chime event of a processor invocation failure (Amazon Chime SDK
# Developer Guide, "Creating failure alerts by automating with EventBridge
# for Amazon Chime SDK messaging").
CHIME_SOURCE = "aws.chime"
CHIME_DETAIL_TYPE = "Chime ChannelFlow Processing Status"
CHIME_EVENT_TYPE = "ProcessorInvocationFailure"


class Checks:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def check(self, name, ok, message):
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{name}: {message}")
        return ok


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def is_ref(v, name):
    return v == {"Ref": name}


NO_VALUE = {"Ref": "AWS::NoValue"}


def branches(v):
    """Every value v can take, Fn::If resolved both ways (AWS::NoValue
    dropped), one level deep."""
    if isinstance(v, dict) and "Fn::If" in v:
        _, a, b = v["Fn::If"]
        return [x for x in branches(a) + branches(b) if x != NO_VALUE]
    return [v]


def flat_statements(stmts):
    """The statements of a policy, each Fn::If statement in both branches."""
    out = []
    for s in as_list(stmts):
        out += branches(s)
    return out


def resolve(v, conds):
    """Resolve every Fn::If of v for the truth values in conds; AWS::NoValue
    becomes None."""
    if isinstance(v, dict):
        if "Fn::If" in v:
            c, a, b = v["Fn::If"]
            return resolve(a if conds.get(c) else b, conds)
        if v == NO_VALUE:
            return None
        return {k: resolve(x, conds) for k, x in v.items()}
    if isinstance(v, list):
        return [x for x in (resolve(e, conds) for e in v) if x is not None]
    return v


def comprehend_list(v):
    """The parameter whose values an Action of the form
    Split(",", Sub("comprehend:${X}", {X: Join(",comprehend:", Ref P)}))
    lists, or None."""
    try:
        sep, sub = v["Fn::Split"]
        text, var = sub["Fn::Sub"]
        (name, join), = var.items()
        jsep, ref = join["Fn::Join"]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if sep != "," or text != "comprehend:${" + name + "}" or jsep != ",comprehend:" or set(ref) != {"Ref"}:
        return None
    return ref["Ref"]


def actions_of(s, cfn):
    """The actions a statement allows, with an Action made of a parameter's
    list (see comprehend_list) expanded to every value the parameter
    allows."""
    a = s.get("Action")
    param = comprehend_list(a) if isinstance(a, dict) else None
    if param is None:
        return as_list(a)
    allowed = cfn.get("Parameters", {}).get(param, {}).get("AllowedValues", [])
    return ["comprehend:" + v for v in allowed if v]


def getatt(v):
    """Return (logical id, attribute) of a Fn::GetAtt, or None."""
    if isinstance(v, dict) and "Fn::GetAtt" in v:
        a = v["Fn::GetAtt"]
        if isinstance(a, str):
            a = a.split(".", 1)
        return tuple(a)
    return None


def refers_to(v, logical_id):
    return is_ref(v, logical_id) or (getatt(v) or (None,))[0] == logical_id


def run_lint(path, checks):
    cmd = [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())", path]
    res = subprocess.run(cmd, capture_output=True, text=True)
    out = (res.stdout + res.stderr).strip()
    checks.check("cfn-lint", res.returncode == 0,
                 f"cfn-lint {path} exited {res.returncode} (errors and warnings must be zero):\n{out}")


def packaged(sam):
    """Return a copy of the SAM template with every local CodeUri replaced
    by the S3 location `sam package` would upload it to."""
    out = copy.deepcopy(sam)
    for name, res in out.get("Resources", {}).items():
        if res.get("Type") == "AWS::Serverless::Function":
            uri = res.get("Properties", {}).get("CodeUri")
            if isinstance(uri, str) and not uri.startswith("s3://"):
                res["Properties"]["CodeUri"] = f"s3://chimeflow-artifacts/{name}/0123456789abcdef.zip"
    return out


class NoManagedPolicies:
    """A managed policy loader: the template must not name any."""

    def load(self):
        return {}


def statements_of_role(cfn, role_id):
    """Every policy statement that applies to the role, and its managed
    policy ARNs."""
    role = cfn["Resources"][role_id]["Properties"]
    stmts = []
    for pol in as_list(role.get("Policies")):
        stmts += flat_statements(pol.get("PolicyDocument", {}).get("Statement"))
    for res in cfn["Resources"].values():
        if res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            p = res.get("Properties", {})
            roles = as_list(p.get("Roles")) + as_list(p.get("RoleName"))
            if any(is_ref(r, role_id) for r in roles):
                stmts += flat_statements(p.get("PolicyDocument", {}).get("Statement"))
    return stmts, as_list(role.get("ManagedPolicyArns"))


def all_policy_statements(cfn):
    """(where, statement) of every IAM policy document of the template."""
    found = []
    for rid, res in cfn["Resources"].items():
        p = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Role":
            for pol in as_list(p.get("Policies")):
                for s in flat_statements(pol.get("PolicyDocument", {}).get("Statement")):
                    found.append((rid, s))
        elif "PolicyDocument" in p:
            for s in flat_statements(p["PolicyDocument"].get("Statement")):
                found.append((rid, s))
    return found


def scoped_sub(resource):
    """Whether a resource is ${AppInstanceArn}/<path> with at most a final '*'."""
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        sub = sub if isinstance(sub, str) else sub[0]
        if sub.startswith("${AppInstanceArn}/"):
            rest = sub[len("${AppInstanceArn}/"):]
            return "*" not in rest[:-1] and "${" not in rest
    return False


def in_app_instance(resource):
    return is_ref(resource, "AppInstanceArn") or scoped_sub(resource)


def sub_suffix(resource):
    """The part of ${AppInstanceArn}/<path> after the app instance, or None."""
    if scoped_sub(resource):
        sub = resource["Fn::Sub"]
        sub = sub if isinstance(sub, str) else sub[0]
        return sub[len("${AppInstanceArn}"):]
    return None


def function(cfn, checks, logical_id):
    res = cfn["Resources"].get(logical_id)
    if not checks.check("functions", res is not None and res["Type"] == "AWS::Lambda::Function",
                        f"no AWS::Lambda::Function {logical_id}"):
        return None
    p = res["Properties"]
    checks.check("functions", p.get("Runtime") == "provided.al2023", f"{logical_id} Runtime {p.get('Runtime')!r}, want provided.al2023")
    checks.check("functions", p.get("Architectures") == ["arm64"], f"{logical_id} Architectures {p.get('Architectures')!r}, want [arm64]")
    checks.check("functions", p.get("Handler") == "bootstrap", f"{logical_id} Handler {p.get('Handler')!r}, want bootstrap")
    checks.check("functions", isinstance(p.get("MemorySize"), int) and 128 <= p["MemorySize"] <= 1024,
                 f"{logical_id} MemorySize {p.get('MemorySize')!r}, want 128-1024")
    role = getatt(p.get("Role"))
    checks.check("functions", role is not None and role[1] == "Arn" and cfn["Resources"].get(role[0], {}).get("Type") == "AWS::IAM::Role",
                 f"{logical_id} Role {p.get('Role')!r} is not the Arn of a role of this template")
    return p


def check_functions(sam, cfn, checks, makefile):
    proc = function(cfn, checks, PROCESSOR)
    flow = function(cfn, checks, FLOW_FUNCTION)
    if proc:
        t = proc.get("Timeout")
        checks.check("functions", isinstance(t, int) and 3 <= t <= 30,
                     f"{PROCESSOR} Timeout {t!r}, want 3-30 s (the callback must come while the message waits)")
        env = set((proc.get("Environment") or {}).get("Variables", {}))
        checks.check("functions", PROCESSOR_ENV <= env, f"{PROCESSOR} environment {sorted(env)} lacks {sorted(PROCESSOR_ENV - env)}")
    if flow:
        t = flow.get("Timeout")
        checks.check("functions", isinstance(t, int) and 60 <= t <= 900, f"{FLOW_FUNCTION} Timeout {t!r}, want 60-900 s")
    # The build: SAM's makefile method, from the repository root.
    text = ""
    try:
        with open(makefile) as f:
            text = f.read()
    except OSError as e:
        checks.check("build", False, f"cannot read {makefile}: {e}")
    for fid in (PROCESSOR, FLOW_FUNCTION):
        res = sam["Resources"].get(fid, {})
        checks.check("build", res.get("Metadata", {}).get("BuildMethod") == "makefile",
                     f"{fid} Metadata.BuildMethod {res.get('Metadata', {}).get('BuildMethod')!r}, want makefile")
        checks.check("build", res.get("Properties", {}).get("CodeUri") == ".",
                     f"{fid} CodeUri {res.get('Properties', {}).get('CodeUri')!r}, want . (the module root, where the Makefile is)")
        checks.check("build", re.search(rf"^build-{fid}:", text, re.M) is not None, f"the Makefile has no build-{fid} target")
    for flag in ("GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "-tags lambda.norpc", "-trimpath", "-s -w", "bootstrap"):
        checks.check("build", flag in text.replace("$(GOOS)", "linux").replace("$(GOARCH)", "arm64").replace(":= ", "="),
                     f"the Makefile does not build with {flag}")


def check_permission(cfn, checks):
    perms = {rid: r["Properties"] for rid, r in cfn["Resources"].items() if r["Type"] == "AWS::Lambda::Permission"}
    for rid, p in perms.items():
        checks.check("invoke-permission", p.get("Principal") != "chime.amazonaws.com",
                     f"{rid} uses the old principal chime.amazonaws.com; channel flows invoke as {CHIME_PRINCIPAL}")
    mine = {rid: p for rid, p in perms.items() if refers_to(p.get("FunctionName"), PROCESSOR)}
    if not checks.check("invoke-permission", len(mine) == 1, f"{len(mine)} AWS::Lambda::Permission on {PROCESSOR}, want exactly 1"):
        return None
    rid, p = next(iter(mine.items()))
    checks.check("invoke-permission", p.get("Action") == "lambda:InvokeFunction", f"{rid} Action {p.get('Action')!r}")
    checks.check("invoke-permission", p.get("Principal") == CHIME_PRINCIPAL, f"{rid} Principal {p.get('Principal')!r}, want {CHIME_PRINCIPAL}")
    checks.check("invoke-permission", is_ref(p.get("SourceAccount"), "AWS::AccountId"),
                 f"{rid} SourceAccount {p.get('SourceAccount')!r}, want Ref AWS::AccountId (no other account may invoke)")
    checks.check("invoke-permission", is_ref(p.get("SourceArn"), "AppInstanceArn"),
                 f"{rid} SourceArn {p.get('SourceArn')!r}, want Ref AppInstanceArn (no other app instance may invoke)")
    for key in ("PrincipalOrgID", "EventSourceToken", "FunctionUrlAuthType"):
        checks.check("invoke-permission", key not in p, f"{rid} sets {key}")
    return rid


def check_role(cfn, checks, function_id, allowed, required, name):
    role = getatt(cfn["Resources"][function_id]["Properties"].get("Role"))
    if not checks.check(name, role is not None and role[0] in cfn["Resources"], f"{function_id} has no role of this template"):
        return None, {}
    role_id = role[0]
    stmts, managed = statements_of_role(cfn, role_id)
    checks.check(name, not managed, f"{role_id} has managed policies {managed}: only the inline least-privilege policy may apply")
    trust = as_list(cfn["Resources"][role_id]["Properties"].get("AssumeRolePolicyDocument", {}).get("Statement"))
    principals = [s.get("Principal") for s in trust]
    checks.check(name, principals == [{"Service": "lambda.amazonaws.com"}] and all(as_list(s.get("Action")) == ["sts:AssumeRole"] for s in trust),
                 f"{role_id} trust policy principals {principals}, want only lambda.amazonaws.com")
    actions = {}
    for s in stmts:
        checks.check(name, "NotAction" not in s and "NotResource" not in s, f"{role_id} uses NotAction/NotResource")
        if s.get("Effect") != "Allow":
            continue
        for a in actions_of(s, cfn):
            actions.setdefault(a, []).extend(as_list(s.get("Resource")))
    extra = sorted(set(actions) - allowed)
    checks.check(name, not extra, f"{role_id} allows {extra}, beyond {sorted(allowed)}")
    missing = sorted(required - set(actions))
    checks.check(name, not missing, f"{role_id} lacks {missing}")
    return role_id, actions


def check_roles(cfn, checks, queue_id):
    _, proc = check_role(cfn, checks, PROCESSOR, PROCESSOR_ACTIONS | {TRAIL_ACTION, GUARDRAIL_ACTION} | COMPREHEND_ACTIONS | STATE_ACTIONS | RULES_ACTIONS, PROCESSOR_ACTIONS, "processor-role")
    for r in proc.get("chime:ChannelFlowCallback", []):
        checks.check("processor-role", in_app_instance(r),
                     f"chime:ChannelFlowCallback on {r!r}: want the app instance (Ref AppInstanceArn) and below (${{AppInstanceArn}}/...) only")
    for r in proc.get("chime:GetChannelMessageStatus", []):
        checks.check("processor-role", in_app_instance(r) and sub_suffix(r) in ("/channel/*", "/user/*", "/bot/*"),
                     f"chime:GetChannelMessageStatus on {r!r}: want the app instance's channels, users and bots only")
    for a in LOG_ACTIONS:
        for r in proc.get(a, []):
            att = getatt(r)
            checks.check("processor-role", att is not None and cfn["Resources"].get(att[0], {}).get("Type") == "AWS::Logs::LogGroup",
                         f"{a} on {r!r}: want the function's own log group")
    for r in proc.get("sqs:SendMessage", []):
        checks.check("processor-role", getatt(r) == (queue_id, "Arn"), f"sqs:SendMessage on {r!r}: want the dead-letter queue {queue_id}")
    check_trail_grant(cfn, checks)
    check_model_grants(cfn, checks)

    _, flow = check_role(cfn, checks, FLOW_FUNCTION, FLOW_ACTIONS | LOG_ACTIONS, FLOW_ACTIONS, "custom-resource-role")
    for a in FLOW_ACTIONS:
        for r in flow.get(a, []):
            checks.check("custom-resource-role", in_app_instance(r), f"{a} on {r!r}: want the app instance and below only")


def check_wildcards(cfn, checks):
    for where, s in all_policy_statements(cfn):
        if s.get("Effect") != "Allow":
            continue
        for a in actions_of(s, cfn):
            checks.check("no-wildcard", isinstance(a, str) and "*" not in a, f"{where} allows action {a!r}: name every action")
        for r in as_list(s.get("Resource")):
            if isinstance(r, str):
                acts = set(actions_of(s, cfn))
                ok = "*" not in r or (r == "*" and acts <= WILDCARD_RESOURCE_ACTIONS)
                checks.check("no-wildcard", ok, f"{where} allows {sorted(acts)} on {r!r}")
            elif isinstance(r, dict) and "Fn::Sub" in r:
                checks.check("no-wildcard", scoped_sub(r) or r == {"Fn::Sub": TRAIL_BUS_ARN},
                             f"{where} allows a resource {r!r} outside ${{AppInstanceArn}}/... and the trail's bus")
            elif isinstance(r, dict) and "Fn::If" in r:
                checks.check("no-wildcard", parameter_arn_ok(r), f"{where} allows a conditional resource {r!r} other than the rules parameter")


def check_dead_letter(sam, cfn, checks):
    configs = [(rid, r["Properties"]) for rid, r in cfn["Resources"].items()
               if r["Type"] == "AWS::Lambda::EventInvokeConfig" and refers_to(r["Properties"].get("FunctionName"), PROCESSOR)]
    if not checks.check("dead-letter", len(configs) == 1, f"{len(configs)} AWS::Lambda::EventInvokeConfig for {PROCESSOR}, want 1"):
        return None
    rid, p = configs[0]
    dest = (p.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination")
    att = getatt(dest)
    queue = cfn["Resources"].get(att[0]) if att else None
    if not checks.check("dead-letter", att is not None and att[1] == "Arn" and queue is not None and queue["Type"] == "AWS::SQS::Queue",
                        f"{rid} on-failure destination {dest!r} is not an SQS queue of this template: failed events would be lost"):
        return None
    q = queue.get("Properties", {})
    checks.check("dead-letter", q.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in q,
                 f"dead-letter queue {att[0]} is not encrypted (SqsManagedSseEnabled or KmsMasterKeyId)")
    checks.check("dead-letter", q.get("MessageRetentionPeriod") == 1209600,
                 f"dead-letter queue {att[0]} keeps messages {q.get('MessageRetentionPeriod')!r} s, want 14 days (1209600)")
    src = sam["Resources"][PROCESSOR]["Properties"].get("EventInvokeConfig", {})
    checks.check("dead-letter", is_ref(src.get("MaximumRetryAttempts"), "MaximumRetryAttempts") and is_ref(src.get("MaximumEventAgeInSeconds"), "MaximumEventAgeInSeconds"),
                 "EventInvokeConfig does not take MaximumRetryAttempts and MaximumEventAgeInSeconds from the parameters")
    checks.check("dead-letter", isinstance(p.get("MaximumRetryAttempts"), int) and isinstance(p.get("MaximumEventAgeInSeconds"), int),
                 f"{rid} lacks MaximumRetryAttempts or MaximumEventAgeInSeconds")
    return att[0]


def check_custom_resource(cfn, checks, permission_id):
    found = [(rid, r) for rid, r in cfn["Resources"].items()
             if r["Type"].startswith("Custom::") or r["Type"] == "AWS::CloudFormation::CustomResource"]
    if not checks.check("custom-resource", len(found) == 1, f"{len(found)} custom resources, want the channel flow"):
        return
    rid, r = found[0]
    p = r["Properties"]
    checks.check("custom-resource", getatt(p.get("ServiceToken")) == (FLOW_FUNCTION, "Arn"), f"{rid} ServiceToken {p.get('ServiceToken')!r}, want {FLOW_FUNCTION}.Arn")
    checks.check("custom-resource", getatt(p.get("ProcessorArn")) == (PROCESSOR, "Arn"), f"{rid} ProcessorArn {p.get('ProcessorArn')!r}, want {PROCESSOR}.Arn")
    checks.check("custom-resource", is_ref(p.get("AppInstanceArn"), "AppInstanceArn"), f"{rid} AppInstanceArn {p.get('AppInstanceArn')!r}")
    checks.check("custom-resource", is_ref(p.get("FallbackAction"), "FallbackAction") and is_ref(p.get("Name"), "FlowName"),
                 f"{rid} does not take Name and FallbackAction from the parameters")
    for key, param in (("ChannelArns", "ChannelArns"), ("ChimeBearerArn", "ChimeBearerArn")):
        checks.check("custom-resource", key in p and param in repr(p[key]), f"{rid} does not pass {key}")
    if permission_id:
        checks.check("custom-resource", permission_id in as_list(r.get("DependsOn")),
                     f"{rid} does not DependsOn {permission_id}: the flow could exist before Chime may invoke the processor")


def check_alarms(cfn, checks, queue_id):
    alarms = [r["Properties"] for r in cfn["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]

    def has(namespace, metric, dim_ok):
        return any(a.get("Namespace") == namespace and a.get("MetricName") == metric and any(dim_ok(d) for d in as_list(a.get("Dimensions"))) for a in alarms)

    def on_processor(d):
        return d.get("Name") == "FunctionName" and is_ref(d.get("Value"), PROCESSOR)

    for metric in ("Errors", "Throttles", "DestinationDeliveryFailures"):
        checks.check("alarms", has("AWS/Lambda", metric, on_processor), f"no alarm on the processor's {metric}")
    checks.check("alarms", has("AWS/SQS", "ApproximateNumberOfMessagesVisible",
                               lambda d: d.get("Name") == "QueueName" and getatt(d.get("Value")) == (queue_id, "QueueName")),
                 "no alarm on messages in the dead-letter queue")


def check_outputs(cfn, checks, queue_id):
    outs = cfn.get("Outputs", {})
    missing = sorted(OUTPUTS - set(outs))
    if not checks.check("outputs", not missing, f"missing outputs {missing}"):
        return
    checks.check("outputs", refers_to(outs["ProcessorFunctionArn"]["Value"], PROCESSOR), "ProcessorFunctionArn does not name the processor")
    checks.check("outputs", is_ref(outs["DeadLetterQueueUrl"]["Value"], queue_id), "DeadLetterQueueUrl is not the dead-letter queue's URL")
    checks.check("outputs", getatt(outs["ChannelFlowArn"]["Value"]) is not None, "ChannelFlowArn is not read from the channel flow resource")


def check_parameters(cfn, checks):
    params = cfn.get("Parameters", {})
    missing = sorted(PARAMETERS - set(params))
    checks.check("parameters", not missing, f"missing parameters {missing}")
    pattern = params.get("AppInstanceArn", {}).get("AllowedPattern")
    if checks.check("parameters", pattern is not None, "AppInstanceArn has no AllowedPattern"):
        good = "arn:aws:chime:us-east-1:111122223333:app-instance/4d5f7a1e-8b2c-4c9d-9e0f-1a2b3c4d5e6f"
        bad = [good + "/channel/x", "arn:aws:lambda:us-east-1:111122223333:function:f",
               "arn:aws:chime:us-east-1:1111:app-instance/x", "", "*"]
        checks.check("parameters", re.fullmatch(pattern, good) is not None, f"AppInstanceArn pattern rejects {good}")
        for b in bad:
            checks.check("parameters", re.fullmatch(pattern, b) is None, f"AppInstanceArn pattern accepts {b!r}")
    checks.check("parameters", sorted(params.get("FallbackAction", {}).get("AllowedValues", [])) == ["ABORT", "CONTINUE"],
                 "FallbackAction is not limited to ABORT and CONTINUE")
    checks.check("parameters", params.get("ChannelArns", {}).get("Type") == "CommaDelimitedList", "ChannelArns is not a CommaDelimitedList")


def check_trail_grant(cfn, checks):
    """events:PutEvents: only under HasTrailBus, on exactly the trail's bus,
    for the trail's source; and the bus passed to the processor."""
    role = getatt(cfn["Resources"][PROCESSOR]["Properties"].get("Role"))
    if not role:
        return
    raw = []
    for pol in as_list(cfn["Resources"][role[0]]["Properties"].get("Policies")):
        raw += as_list(pol.get("PolicyDocument", {}).get("Statement"))
    found = 0
    for s in raw:
        for st in branches(s):
            if TRAIL_ACTION not in as_list(st.get("Action")):
                continue
            found += 1
            checks.check("trail", isinstance(s, dict) and "Fn::If" in s and s["Fn::If"][0] == "HasTrailBus" and s["Fn::If"][2] == NO_VALUE,
                         f"{TRAIL_ACTION} is granted without the HasTrailBus condition: the processor may put events when no trail is configured")
            checks.check("trail", as_list(st.get("Action")) == [TRAIL_ACTION] and st.get("Effect") == "Allow",
                         f"the trail statement allows {st.get('Action')!r}, want {TRAIL_ACTION} only")
            checks.check("trail", as_list(st.get("Resource")) == [{"Fn::Sub": TRAIL_BUS_ARN}],
                         f"{TRAIL_ACTION} on {st.get('Resource')!r}, want exactly the trail's bus {TRAIL_BUS_ARN}")
            cond = (st.get("Condition") or {}).get("StringEquals", {})
            checks.check("trail", cond.get("events:source") == TRAIL_SOURCE,
                         f"{TRAIL_ACTION} without the condition events:source = {TRAIL_SOURCE}")
    checks.check("trail", found == 1, f"{found} statements grant {TRAIL_ACTION} to the processor, want 1 (under HasTrailBus)")
    env = (cfn["Resources"][PROCESSOR]["Properties"].get("Environment") or {}).get("Variables", {})
    checks.check("trail", env.get("CHIMEFLOW_TRAIL_BUS") == {"Fn::If": ["HasTrailBus", {"Ref": "TrailBusName"}, NO_VALUE]},
                 f"CHIMEFLOW_TRAIL_BUS is {env.get('CHIMEFLOW_TRAIL_BUS')!r}, want TrailBusName when HasTrailBus")


def processor_statements(cfn):
    """The raw statements of the processor role's inline policies."""
    role = getatt(cfn["Resources"][PROCESSOR]["Properties"].get("Role"))
    raw = []
    if role:
        for pol in as_list(cfn["Resources"][role[0]]["Properties"].get("Policies")):
            raw += as_list(pol.get("PolicyDocument", {}).get("Statement"))
    return raw


def parameter_arn_ok(v):
    """Whether v is the rules parameter's ARN: the path form under
    RulesParameterIsPath, the plain form otherwise."""
    return v == {"Fn::If": ["RulesParameterIsPath", {"Fn::Sub": PARAMETER_ARNS[0]}, {"Fn::Sub": PARAMETER_ARNS[1]}]}


def check_rules_source(cfn, checks):
    """Where the processor's rules come from, and what reading them may do:
    the deployed file always; ssm:GetParameter on exactly the rules
    parameter, only under HasRulesParameter; kms:Decrypt on exactly its key,
    only under HasRulesParameterKey (which implies HasRulesParameter),
    through SSM and for that parameter alone."""
    env = (cfn["Resources"][PROCESSOR]["Properties"].get("Environment") or {}).get("Variables", {})
    checks.check("rules", env.get("CHIMEFLOW_CONFIG_FILE") == "rules.yaml",
                 f"CHIMEFLOW_CONFIG_FILE is {env.get('CHIMEFLOW_CONFIG_FILE')!r}, want rules.yaml (the file the Makefile puts beside bootstrap)")
    checks.check("rules", "CHIMEFLOW_CONFIG" not in env, "CHIMEFLOW_CONFIG is set too: the processor refuses both with CHIMEFLOW_CONFIG_FILE")
    checks.check("rules", env.get("CHIMEFLOW_CONFIG_PARAMETER") == {"Fn::If": ["HasRulesParameter", {"Ref": "RulesParameterName"}, NO_VALUE]},
                 f"CHIMEFLOW_CONFIG_PARAMETER is {env.get('CHIMEFLOW_CONFIG_PARAMETER')!r}, want RulesParameterName when HasRulesParameter")
    checks.check("rules", env.get("CHIMEFLOW_CONFIG_RELOAD") == {"Fn::If": ["HasRulesParameter", {"Ref": "RulesReloadSeconds"}, NO_VALUE]},
                 f"CHIMEFLOW_CONFIG_RELOAD is {env.get('CHIMEFLOW_CONFIG_RELOAD')!r}, want RulesReloadSeconds when HasRulesParameter")
    conds = cfn.get("Conditions", {})
    checks.check("rules", conds.get("HasRulesParameter") == {"Fn::Not": [{"Fn::Equals": [{"Ref": "RulesParameterName"}, ""]}]},
                 f"HasRulesParameter is {conds.get('HasRulesParameter')!r}")
    key = conds.get("HasRulesParameterKey") or {}
    checks.check("rules", {"Condition": "HasRulesParameter"} in as_list(key.get("Fn::And")),
                 f"HasRulesParameterKey {key!r} does not imply HasRulesParameter")
    checks.check("rules", conds.get("RulesParameterIsPath") == {"Fn::Equals": [{"Fn::Select": [0, {"Fn::Split": ["/", {"Ref": "RulesParameterName"}]}]}, ""]},
                 f"RulesParameterIsPath is {conds.get('RulesParameterIsPath')!r}: want true for a name that starts with /")

    found = {"ssm": 0, "kms": 0}
    for s in processor_statements(cfn):
        for st in branches(s):
            acts = set(a for a in actions_of(st, cfn) if isinstance(a, str))
            if not acts & RULES_ACTIONS and not any(a.startswith(("ssm:", "kms:")) for a in acts):
                continue
            kind = "kms" if "kms:Decrypt" in acts else "ssm"
            found[kind] += 1
            want_cond = "HasRulesParameterKey" if kind == "kms" else "HasRulesParameter"
            checks.check("rules", isinstance(s, dict) and "Fn::If" in s and s["Fn::If"][0] == want_cond and s["Fn::If"][2] == NO_VALUE,
                         f"{sorted(acts)} is granted without the {want_cond} condition")
            checks.check("rules", st.get("Effect") == "Allow" and acts == ({"kms:Decrypt"} if kind == "kms" else {"ssm:GetParameter"}),
                         f"the rules statement allows {sorted(acts)}, want ssm:GetParameter alone or kms:Decrypt alone")
            res = as_list(st.get("Resource"))
            if kind == "ssm":
                checks.check("rules", len(res) == 1 and parameter_arn_ok(res[0]),
                             f"ssm:GetParameter on {res!r}, want exactly the rules parameter's ARN")
                checks.check("rules", not st.get("Condition"), "ssm:GetParameter has conditions it does not need")
            else:
                checks.check("rules", res == [{"Ref": "RulesParameterKmsKeyArn"}], f"kms:Decrypt on {res!r}, want exactly RulesParameterKmsKeyArn")
                cond = (st.get("Condition") or {}).get("StringEquals", {})
                checks.check("rules", cond.get("kms:ViaService") == {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"},
                             f"kms:Decrypt without kms:ViaService ssm.REGION.amazonaws.com: {cond!r}")
                checks.check("rules", parameter_arn_ok(cond.get("kms:EncryptionContext:PARAMETER_ARN")),
                             f"kms:Decrypt without the encryption context of the rules parameter: {cond!r}")
    checks.check("rules", found == {"ssm": 1, "kms": 1},
                 f"{found['ssm']} statements grant ssm actions and {found['kms']} kms:Decrypt to the processor, want 1 and 1")
    # A refused version is alarmed on, when there is a parameter to refuse.
    alarms = [(rid, r) for rid, r in cfn["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"
              and r["Properties"].get("MetricName") == "RulesRefusals" and is_ref(r["Properties"].get("Namespace"), "MetricsNamespace")]
    if checks.check("rules", len(alarms) == 1, f"{len(alarms)} alarms on RulesRefusals, want 1"):
        rid, r = alarms[0]
        checks.check("rules", r.get("Condition") == "HasRulesParameter", f"{rid} has condition {r.get('Condition')!r}, want HasRulesParameter")
        checks.check("rules", r["Properties"].get("Threshold") == 1 and r["Properties"].get("TreatMissingData") == "notBreaching",
                     f"{rid} does not fire on the first refusal, or fires on missing data")
    # The parameter patterns: a name with or without a leading /, never an ARN.
    params = cfn.get("Parameters", {})
    pat = params.get("RulesParameterName", {}).get("AllowedPattern", "")
    for good in ("", "chimeflow-rules", "/chimeflow/prod/rules", "a.b_c-d"):
        checks.check("rules", re.fullmatch(pat, good) is not None, f"RulesParameterName pattern rejects {good!r}")
    for bad in ("arn:aws:ssm:us-east-1:111122223333:parameter/x", "/a//b", "a b", "/"):
        checks.check("rules", re.fullmatch(pat, bad) is None, f"RulesParameterName pattern accepts {bad!r}")
    kpat = params.get("RulesParameterKmsKeyArn", {}).get("AllowedPattern", "")
    checks.check("rules", re.fullmatch(kpat, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab") is not None,
                 "RulesParameterKmsKeyArn pattern rejects a key ARN")
    for bad in ("alias/aws/ssm", "arn:aws:kms:us-east-1:111122223333:alias/rules", "*"):
        checks.check("rules", re.fullmatch(kpat, bad) is None, f"RulesParameterKmsKeyArn pattern accepts {bad!r}")


def check_model_grants(cfn, checks):
    """The model-based rules' grants: the Comprehend actions ComprehendActions
    names, only under HasComprehend, on "*" and only there; ApplyGuardrail
    only under HasGuardrail, on exactly Ref GuardrailArn, whose pattern
    admits one guardrail ARN and no wildcard."""
    params = cfn.get("Parameters", {})
    role = getatt(cfn["Resources"][PROCESSOR]["Properties"].get("Role"))
    if not role:
        return
    raw = []
    for pol in as_list(cfn["Resources"][role[0]]["Properties"].get("Policies")):
        raw += as_list(pol.get("PolicyDocument", {}).get("Statement"))
    allowed = [v for v in params.get("ComprehendActions", {}).get("AllowedValues", []) if v]
    checks.check("models", params.get("ComprehendActions", {}).get("Type") == "CommaDelimitedList" and allowed
                 and {"comprehend:" + v for v in allowed} <= COMPREHEND_ACTIONS,
                 f"ComprehendActions allows {allowed!r}: want a list of {sorted(a.split(':')[1] for a in COMPREHEND_ACTIONS)} only")
    comprehend = guardrail = 0
    for s in raw:
        for st in branches(s):
            acts = set(actions_of(st, cfn))
            if acts & COMPREHEND_ACTIONS:
                comprehend += 1
                checks.check("models", isinstance(s, dict) and "Fn::If" in s and s["Fn::If"][0] == "HasComprehend" and s["Fn::If"][2] == NO_VALUE,
                             "the Comprehend actions are granted without the HasComprehend condition: the processor may call Comprehend when no rule does")
                checks.check("models", comprehend_list(st.get("Action")) == "ComprehendActions" and acts <= COMPREHEND_ACTIONS,
                             f"the Comprehend statement allows {st.get('Action')!r}, want exactly the actions ComprehendActions names")
                checks.check("models", as_list(st.get("Resource")) == ["*"],
                             f"the Comprehend actions on {st.get('Resource')!r}: they take no resource-level permission, want \"*\"")
            if GUARDRAIL_ACTION in acts:
                guardrail += 1
                checks.check("models", isinstance(s, dict) and "Fn::If" in s and s["Fn::If"][0] == "HasGuardrail" and s["Fn::If"][2] == NO_VALUE,
                             f"{GUARDRAIL_ACTION} is granted without the HasGuardrail condition")
                checks.check("models", acts == {GUARDRAIL_ACTION} and as_list(st.get("Resource")) == [{"Ref": "GuardrailArn"}],
                             f"the guardrail statement allows {sorted(acts)} on {st.get('Resource')!r}, want {GUARDRAIL_ACTION} on Ref GuardrailArn only")
    checks.check("models", comprehend == 1, f"{comprehend} statements grant the Comprehend actions, want 1 (under HasComprehend)")
    checks.check("models", guardrail == 1, f"{guardrail} statements grant {GUARDRAIL_ACTION}, want 1 (under HasGuardrail)")
    conds = cfn.get("Conditions", {})
    checks.check("models", conds.get("HasComprehend") == {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "ComprehendActions"}]}, ""]}]},
                 f"HasComprehend is {conds.get('HasComprehend')!r}, want ComprehendActions not empty")
    checks.check("models", conds.get("HasGuardrail") == {"Fn::Not": [{"Fn::Equals": [{"Ref": "GuardrailArn"}, ""]}]},
                 f"HasGuardrail is {conds.get('HasGuardrail')!r}, want GuardrailArn not empty")
    pattern = params.get("GuardrailArn", {}).get("AllowedPattern")
    if checks.check("models", pattern is not None, "GuardrailArn has no AllowedPattern"):
        good = ["", "arn:aws:bedrock:us-east-1:111122223333:guardrail/gr0abc123def"]
        bad = ["*", "arn:aws:bedrock:us-east-1:111122223333:guardrail/*", "arn:aws:bedrock:*:111122223333:guardrail/gr0abc",
               "arn:aws:bedrock:us-east-1:111122223333:foundation-model/x", "gr0abc123def"]
        for g in good:
            checks.check("models", re.fullmatch(pattern, g) is not None, f"GuardrailArn pattern rejects {g!r}")
        for b in bad:
            checks.check("models", re.fullmatch(pattern, b) is None, f"GuardrailArn pattern accepts {b!r}")


def check_state_table(cfn, checks):
    """The stateful rules' table: only under HasStateTable (the parameter
    StatefulRules), on demand, encrypted, TTL on "expires", point-in-time
    recovery, the keys and the mutes index dynamostate uses; the processor
    granted exactly dynamostate's item actions on that table's ARN, under
    the same condition; the table named to the processor; an output."""
    res = cfn["Resources"]
    params = cfn.get("Parameters", {})
    p = params.get("StatefulRules", {})
    checks.check("state", p.get("Default") == "false" and sorted(p.get("AllowedValues", [])) == ["false", "true"],
                 f"StatefulRules is {p!r}: want false (the default) or true")
    cond = cfn.get("Conditions", {}).get(STATE_CONDITION)
    checks.check("state", cond == {"Fn::Equals": [{"Ref": "StatefulRules"}, "true"]},
                 f"condition {STATE_CONDITION} is {cond!r}, want StatefulRules = true")
    tables = [(rid, r) for rid, r in res.items() if r["Type"] == "AWS::DynamoDB::Table"]
    if not checks.check("state", [rid for rid, _ in tables] == [STATE_TABLE], f"DynamoDB tables {[rid for rid, _ in tables]}, want [{STATE_TABLE}]"):
        return
    t = res[STATE_TABLE]
    tp = t.get("Properties", {})
    checks.check("state", t.get("Condition") == STATE_CONDITION,
                 f"{STATE_TABLE} has condition {t.get('Condition')!r}: it must exist only when a stateful rule is configured")
    checks.check("state", tp.get("TableName") == STATE_TABLE_NAME,
                 f"{STATE_TABLE} TableName {tp.get('TableName')!r}, want chimeflow-state-<the stack id's UUID> (bounded: the environment has 4 KB)")
    checks.check("state", tp.get("BillingMode") == "PAY_PER_REQUEST", f"{STATE_TABLE} BillingMode {tp.get('BillingMode')!r}, want PAY_PER_REQUEST")
    checks.check("state", tp.get("TimeToLiveSpecification") == {"AttributeName": "expires", "Enabled": True},
                 f"{STATE_TABLE} TTL {tp.get('TimeToLiveSpecification')!r}, want enabled on expires (every item sets it)")
    checks.check("state", (tp.get("SSESpecification") or {}).get("SSEEnabled") is True, f"{STATE_TABLE} is not encrypted with a KMS key (SSEEnabled)")
    checks.check("state", (tp.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled") is True,
                 f"{STATE_TABLE} has no point-in-time recovery")
    keys = {k["AttributeName"]: k["KeyType"] for k in tp.get("KeySchema", [])}
    checks.check("state", keys == {"pk": "HASH", "sk": "RANGE"}, f"{STATE_TABLE} keys {keys!r}, want pk (HASH) and sk (RANGE)")
    gsis = {g.get("IndexName"): g for g in tp.get("GlobalSecondaryIndexes", [])}
    mutes = {k["AttributeName"]: k["KeyType"] for k in (gsis.get("mutes") or {}).get("KeySchema", [])}
    checks.check("state", list(gsis) == ["mutes"] and mutes == {"muteList": "HASH", "subject": "RANGE"},
                 f"{STATE_TABLE} indexes {list(gsis)}: want mutes on muteList (HASH) and subject (RANGE)")
    # The grant: one statement, under the condition, exactly the actions, on the table.
    role = getatt(res[PROCESSOR]["Properties"].get("Role"))
    raw = []
    for pol in as_list(res[role[0]]["Properties"].get("Policies")) if role else []:
        raw += as_list(pol.get("PolicyDocument", {}).get("Statement"))
    found = 0
    for s in raw:
        for st in branches(s):
            acts = set(actions_of(st, cfn))
            if not any(a.startswith("dynamodb:") for a in acts):
                continue
            found += 1
            checks.check("state", isinstance(s, dict) and "Fn::If" in s and s["Fn::If"][0] == STATE_CONDITION and s["Fn::If"][2] == NO_VALUE,
                         f"the dynamodb statement is not under {STATE_CONDITION}: the processor may reach DynamoDB with no table")
            checks.check("state", acts == STATE_ACTIONS and st.get("Effect") == "Allow" and "Condition" not in st,
                         f"the processor is allowed {sorted(acts)}, want exactly {sorted(STATE_ACTIONS)}")
            checks.check("state", as_list(st.get("Resource")) == [{"Fn::GetAtt": [STATE_TABLE, "Arn"]}],
                         f"dynamodb actions on {st.get('Resource')!r}, want exactly the table's ARN (no index, no other table)")
    checks.check("state", found == 1, f"{found} statements grant dynamodb actions to the processor, want 1")
    for where, st in all_policy_statements(cfn):
        if where != role[0] and any(str(a).startswith("dynamodb:") for a in as_list(st.get("Action"))):
            checks.check("state", False, f"{where} is granted dynamodb actions: only the processor uses the table")
    env = (res[PROCESSOR]["Properties"].get("Environment") or {}).get("Variables", {})
    checks.check("state", env.get("CHIMEFLOW_STATE_TABLE") == {"Fn::If": [STATE_CONDITION, {"Ref": STATE_TABLE}, NO_VALUE]},
                 f"CHIMEFLOW_STATE_TABLE is {env.get('CHIMEFLOW_STATE_TABLE')!r}, want the table when {STATE_CONDITION}")
    out = cfn.get("Outputs", {}).get("StateTableName", {})
    checks.check("state", out.get("Condition") == STATE_CONDITION and out.get("Value") == {"Ref": STATE_TABLE},
                 f"output StateTableName is {out!r}, want the table's name under {STATE_CONDITION}")


def check_env_size(cfn, checks):
    """The processor's environment at its largest must fit Lambda's 4 KB."""
    params = cfn.get("Parameters", {})
    env = (cfn["Resources"].get(PROCESSOR, {}).get("Properties", {}).get("Environment") or {}).get("Variables", {})

    def longest(v):
        best = 0
        for b in branches(v):
            if isinstance(b, str):
                best = max(best, len(b))
            elif isinstance(b, dict) and cfn["Resources"].get(b.get("Ref"), {}).get("Type") == "AWS::DynamoDB::Table":
                named = cfn["Resources"][b["Ref"]].get("Properties", {}).get("TableName") == STATE_TABLE_NAME
                best = max(best, STATE_TABLE_NAME_LEN if named else TABLE_NAME_MAX)
            elif isinstance(b, dict) and "Ref" in b and b["Ref"] in params:
                p = params[b["Ref"]]
                if "AllowedValues" in p:
                    best = max(best, max(len(str(a)) for a in p["AllowedValues"]))
                elif "MaxLength" in p:
                    best = max(best, int(p["MaxLength"]))
                else:
                    checks.check("functions", False, f"parameter {b['Ref']} in the environment has no MaxLength or AllowedValues")
            else:
                checks.check("functions", False, f"cannot bound the environment value {b!r}")
        return best

    total = sum(len(k) + longest(v) for k, v in env.items())
    checks.check("functions", total <= ENV_LIMIT,
                 f"{PROCESSOR} environment can reach {total} bytes, beyond Lambda's {ENV_LIMIT}")


def alarm_targets(a):
    """The alarm actions under each combination of the notification
    conditions."""
    out = {}
    for email in (False, True):
        for topic in (False, True):
            acts = resolve(a.get("AlarmActions"), {"HasNotificationEmail": email, "HasAlarmTopic": topic}) or []
            out[(email, topic)] = acts
    return out


def check_notifications(cfn, checks):
    res = cfn["Resources"]
    topics = [(rid, r) for rid, r in res.items() if r["Type"] == "AWS::SNS::Topic"]
    mine = [(rid, r) for rid, r in topics
            if any(s.get("Protocol") == "email" and is_ref(s.get("Endpoint"), "NotificationEmail")
                   for s in as_list(resolve(r.get("Properties", {}).get("Subscription"), {"HasNotificationEmail": True})))]
    if not checks.check("notifications", len(mine) == 1, f"{len(mine)} SNS topics subscribe NotificationEmail by e-mail, want 1"):
        return
    tid, topic = mine[0]
    # The topic is always there, so that every alarm has an action; only
    # its e-mail subscription depends on NotificationEmail.
    checks.check("notifications", "Condition" not in topic,
                 f"{tid} has condition {topic.get('Condition')!r}, want none: every alarm notifies it")
    for email in (False, True):
        subs = resolve(topic.get("Properties", {}).get("Subscription"), {"HasNotificationEmail": email}) or []
        checks.check("notifications", len(subs) == int(email),
                     f"{tid} has {len(subs)} subscription(s) when NotificationEmail={email}, want {int(email)}")
    for aid, a in res.items():
        if a["Type"] != "AWS::CloudWatch::Alarm":
            continue
        for (email, given), acts in alarm_targets(a["Properties"]).items():
            want = [{"Ref": tid}]
            if given:
                want.append({"Ref": "AlarmTopicArn"})
            checks.check("notifications", sorted(map(repr, acts)) == sorted(map(repr, want)),
                         f"{aid} notifies {acts!r} when NotificationEmail={email} and AlarmTopicArn={given}, want {want!r}")
    out = cfn.get("Outputs", {}).get("AlarmNotifications", {}).get("Value")
    for email in (False, True):
        for given in (False, True):
            v = repr(resolve(out, {"HasNotificationEmail": email, "HasAlarmTopic": given}))
            ok = ("${NotificationEmail}" in v) == email and ("${AlarmTopicArn}" in v) == given
            checks.check("notifications", ok, f"output AlarmNotifications says {v} when NotificationEmail={email} and AlarmTopicArn={given}")


def check_invocation_failures(cfn, checks):
    res = cfn["Resources"]
    rules = []
    for rid, r in res.items():
        if r["Type"] != "AWS::Events::Rule":
            continue
        p = r.get("Properties", {})
        pat = p.get("EventPattern") or {}
        if pat.get("source") == [CHIME_SOURCE]:
            rules.append((rid, p, pat))
    if not checks.check("invocation-failures", len(rules) == 1, f"{len(rules)} EventBridge rules on source {CHIME_SOURCE}, want 1"):
        return
    rid, p, pat = rules[0]
    checks.check("invocation-failures", p.get("EventBusName") in (None, "default"),
                 f"{rid} is on bus {p.get('EventBusName')!r}: Chime puts its events on the default bus")
    checks.check("invocation-failures", p.get("State", "ENABLED") == "ENABLED", f"{rid} is {p.get('State')}")
    checks.check("invocation-failures", pat.get("detail-type") == [CHIME_DETAIL_TYPE],
                 f"{rid} detail-type {pat.get('detail-type')!r}, want [{CHIME_DETAIL_TYPE!r}]")
    detail = pat.get("detail") or {}
    checks.check("invocation-failures", detail.get("eventType") == [CHIME_EVENT_TYPE],
                 f"{rid} detail.eventType {detail.get('eventType')!r}, want [{CHIME_EVENT_TYPE!r}]")
    checks.check("invocation-failures", detail.get("appInstanceArn") == [{"Ref": "AppInstanceArn"}],
                 f"{rid} detail.appInstanceArn {detail.get('appInstanceArn')!r}, want [Ref AppInstanceArn] (this app instance)")
    checks.check("invocation-failures", set(pat) == {"source", "detail-type", "detail"},
                 f"{rid} pattern matches on {sorted(pat)}, want source, detail-type and detail only")
    for t in as_list(p.get("Targets")):
        att = getatt(t.get("Arn"))
        q = res.get(att[0], {}) if att else {}
        if checks.check("invocation-failures", q.get("Type") == "AWS::SQS::Queue",
                        f"{rid} target {t.get('Arn')!r} is not a queue of this template"):
            qp = q.get("Properties", {})
            checks.check("invocation-failures", qp.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in qp,
                         f"invocation-failure queue {att[0]} is not encrypted")
    alarms = [(aid, a["Properties"]) for aid, a in res.items() if a["Type"] == "AWS::CloudWatch::Alarm"
              and a["Properties"].get("Namespace") == "AWS/Events" and a["Properties"].get("MetricName") == "MatchedEvents"
              and {"Name": "RuleName", "Value": {"Ref": rid}} in as_list(a["Properties"].get("Dimensions"))]
    if not checks.check("invocation-failures", len(alarms) == 1, f"{len(alarms)} alarms on AWS/Events MatchedEvents of {rid}, want 1"):
        return
    aid, a = alarms[0]
    checks.check("invocation-failures", a.get("Threshold") == 1 and a.get("ComparisonOperator") == "GreaterThanOrEqualToThreshold",
                 f"{aid} does not fire on the first failure")
    cont = str(resolve(a.get("AlarmDescription"), {"FallbackContinues": True}))
    abort = str(resolve(a.get("AlarmDescription"), {"FallbackContinues": False}))
    checks.check("invocation-failures", "CONTINUE" in cont and "UNMODERATED" in cont.upper(),
                 f"{aid} description under FallbackAction CONTINUE does not say the messages were delivered unmoderated: {cont!r}")
    checks.check("invocation-failures", "ABORT" in abort and "UNMODERATED" not in abort.upper(),
                 f"{aid} description under FallbackAction ABORT: {abort!r}")


def check_metric_alarms(cfn, checks):
    alarms = [a["Properties"] for a in cfn["Resources"].values() if a["Type"] == "AWS::CloudWatch::Alarm"]
    for metric in ("RuleErrors", "CallbackRefusals"):
        checks.check("alarms", any(is_ref(a.get("Namespace"), "MetricsNamespace") and a.get("MetricName") == metric for a in alarms),
                     f"no alarm on the processor's {metric} (namespace Ref MetricsNamespace)")


def dashboard_metrics(body):
    """(namespace, name, options) of every metric of every widget, and the
    SEARCH expressions."""
    metrics, searches = [], []
    for w in body.get("widgets", []):
        for m in (w.get("properties") or {}).get("metrics", []):
            if m and isinstance(m[0], dict) and "expression" in m[0]:
                searches.append(m[0]["expression"])
                continue
            opts = m[-1] if m and isinstance(m[-1], dict) else {}
            names = [x for x in m if isinstance(x, str)]
            if len(names) >= 2:
                metrics.append((names[0], names[1], names[2:], opts))
    return metrics, searches


def check_dashboard(cfn, checks, queue_id):
    import json
    boards = [(rid, r["Properties"]) for rid, r in cfn["Resources"].items() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    if not checks.check("dashboard", len(boards) == 1, f"{len(boards)} dashboards, want 1"):
        return
    rid, p = boards[0]
    raw = p.get("DashboardBody")
    text = raw.get("Fn::Sub") if isinstance(raw, dict) else raw
    try:
        body = json.loads(text)
    except (TypeError, ValueError) as e:
        checks.check("dashboard", False, f"{rid} DashboardBody is not JSON under Fn::Sub: {e}")
        return
    ms, searches = dashboard_metrics(body)
    ns = "${MetricsNamespace}"
    have = {(n, m) for n, m, _, _ in ms}
    for m in ("Allowed", "Rewritten", "Denied", "Errored", "CallbackRetriesThrottle", "CallbackRefusals"):
        checks.check("dashboard", (ns, m) in have, f"{rid} does not show {m} of the namespace {ns}")
    stats = {o.get("stat") for n, m, _, o in ms if (n, m) == (ns, "CallbackDuration")}
    checks.check("dashboard", {"p50", "p99"} <= stats, f"{rid} shows CallbackDuration with {sorted(filter(None, stats))}, want p50 and p99")
    checks.check("dashboard", any("{" + ns + ",Rule}" in s and 'MetricName="RuleDenials"' in s for s in searches),
                 f"{rid} does not show RuleDenials by Rule (a SEARCH of {{{ns},Rule}})")
    checks.check("dashboard", any(n == "AWS/SQS" and dims == ["QueueName", "${" + str(queue_id) + ".QueueName}"] for n, _, dims, _ in ms),
                 f"{rid} does not show the dead-letter queue")
    rules = [rid2 for rid2, r in cfn["Resources"].items() if r["Type"] == "AWS::Events::Rule"]
    checks.check("dashboard", any((n, m) == ("AWS/Events", "MatchedEvents") and dims[:1] == ["RuleName"] and dims[1:] and dims[1].strip("${}") in rules
                                  for n, m, dims, _ in ms),
                 f"{rid} does not show the invocation-failure rule's MatchedEvents")
    for w in body.get("widgets", []):
        props = w.get("properties") or {}
        if w.get("type") == "metric":
            checks.check("dashboard", props.get("region") == "${AWS::Region}", f"{rid} widget {props.get('title')!r} has region {props.get('region')!r}")


def check_file(path, lint, makefile):
    """Run every check on one template; return the Checks."""
    checks = Checks()
    if lint:
        run_lint(path, checks)
    with open(path) as f:
        sam = yaml_parse(f.read())
    try:
        cfn = transform(packaged(sam), {}, NoManagedPolicies())
    except Exception as e:  # the translator raises its own exception types
        checks.check("sam-transform", False, f"the SAM transform failed: {e}")
        return checks
    check_functions(sam, cfn, checks, makefile or os.path.join(os.path.dirname(os.path.abspath(path)), "Makefile"))
    permission = check_permission(cfn, checks)
    queue = check_dead_letter(sam, cfn, checks)
    if cfn["Resources"].get(PROCESSOR) and cfn["Resources"].get(FLOW_FUNCTION):
        check_roles(cfn, checks, queue)
    check_wildcards(cfn, checks)
    check_custom_resource(cfn, checks, permission)
    check_alarms(cfn, checks, queue)
    check_metric_alarms(cfn, checks)
    check_invocation_failures(cfn, checks)
    check_notifications(cfn, checks)
    check_dashboard(cfn, checks, queue)
    check_state_table(cfn, checks)
    check_env_size(cfn, checks)
    check_rules_source(cfn, checks)
    check_outputs(cfn, checks, queue)
    check_parameters(cfn, checks)
    return checks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("templates", nargs="+", metavar="template")
    ap.add_argument("--no-lint", action="store_true", help="skip cfn-lint (the transform checks only)")
    ap.add_argument("--makefile", help="the Makefile to check (default: beside each template)")
    args = ap.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    failed = 0
    for path in args.templates:
        if len(args.templates) > 1:
            print(f"== {path}")
        checks = check_file(path, not args.no_lint, args.makefile)
        for f in checks.failures:
            print(f)
        total = len(checks.failures) + checks.passed
        if checks.failures:
            failed += 1
            print(f"{path}: {len(checks.failures)} of {total} checks failed")
        else:
            print(f"{path}: all {total} checks hold")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
