# Builds the Lambda binaries of chimeflow.
#
# `sam build` runs build-ProcessorFunction and build-ChannelFlowFunction
# (BuildMethod: makefile in template.yaml) with ARTIFACTS_DIR set; each writes
# a static linux/arm64 `bootstrap` for the provided.al2023 runtime.
# `make build` does the same without SAM, into build/<function>/bootstrap.
#
# PROCESSOR is the main package built as the processor: cmd/processor (every
# built-in rule) unless you name your own, with rules of your own:
#
#   PROCESSOR=./examples/customrule sam build
#   make build PROCESSOR=./examples/customrule
#
# RULES is the rules file the processor runs: build-ProcessorFunction copies
# it beside bootstrap as rules.yaml, which template.yaml names in
# CHIMEFLOW_CONFIG_FILE. By default it is the rules.yaml in PROCESSOR's own
# directory when there is one (examples/customrule has one), else
# deploy/rules.yaml:
#
#   RULES=rules/strict.yaml sam build
#
# FLOW_RESOURCE is the channel flow custom resource's main package; a module
# of your own that copies this Makefile names chimeflow's,
# github.com/chimeflow/chimeflow/cmd/flowresource. See docs/custom-processor.md.

GO          ?= go
GOOS        := linux
GOARCH      := arm64
BUILD_DIR   ?= build
PROCESSOR   ?= ./cmd/processor
RULES       ?= $(firstword $(wildcard $(PROCESSOR:%/=%)/rules.yaml) deploy/rules.yaml)
FLOW_RESOURCE ?= ./cmd/flowresource
# TAGS adds build tags, e.g. TAGS=chimeflow_nostate,chimeflow_noguardrail,chimeflow_notrail
# for a processor without DynamoDB, Bedrock and EventBridge (see cmd/processor).
TAGS        ?=
GOFLAGS_LAMBDA = -tags lambda.norpc$(if $(TAGS),$(comma)$(TAGS)) -trimpath -ldflags='-s -w'
comma := ,

# go-lambda builds the main package $(1) into $(2)/bootstrap.
define go-lambda
	@test -n "$(2)" || { echo "ARTIFACTS_DIR is not set: run 'sam build', or 'make build' for build/<function>/bootstrap" >&2; exit 2; }
	mkdir -p "$(2)"
	GOOS=$(GOOS) GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o "$(2)/bootstrap" $(1)
endef

.PHONY: build build-ProcessorFunction build-ChannelFlowFunction flowctl check-template clean

build-ProcessorFunction:
	$(call go-lambda,$(PROCESSOR),$(ARTIFACTS_DIR))
	@test -f "$(RULES)" || { echo "RULES=$(RULES): no such rules file" >&2; exit 2; }
	cp "$(RULES)" "$(ARTIFACTS_DIR)/rules.yaml"

build-ChannelFlowFunction:
	$(call go-lambda,$(FLOW_RESOURCE),$(ARTIFACTS_DIR))

build:
	$(MAKE) build-ProcessorFunction ARTIFACTS_DIR="$(abspath $(BUILD_DIR))/ProcessorFunction"
	$(MAKE) build-ChannelFlowFunction ARTIFACTS_DIR="$(abspath $(BUILD_DIR))/ChannelFlowFunction"

# flowctl for the machine running make.
flowctl:
	mkdir -p "$(BUILD_DIR)"
	$(GO) build -trimpath -o "$(BUILD_DIR)/flowctl" ./cmd/flowctl

# cfn-lint and the SAM-transform security checks of template.yaml.
check-template:
	python3.11 deploy/tests/check_template.py template.yaml

clean:
	rm -rf "$(BUILD_DIR)" .aws-sam
