# Every target installs what it needs first (Go modules, the pinned CDK CLI)
# and stops with a clear message when a tool it cannot install is missing.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ENV  ?= dev
ENVS := dev stg prd
CDK  := node_modules/.bin/cdk
# No update checks, notices or telemetry: synth runs offline.
CDK_FLAGS := --no-notices --no-version-reporting
# GitHub repository (owner/name) and the repository's OIDC subject: its
# prefix as GitHub reports it, and, for a customized subject template, its
# claim keys (comma-separated) and default branch. Passed as context, they
# add the CI stacks to synth and deploy-ci (docs/deploying.md).
CI_CONTEXT = $(if $(GITHUB_REPO),-c githubRepo=$(GITHUB_REPO)) $(if $(GITHUB_SUBJECT_PREFIX),-c githubSubjectPrefix=$(GITHUB_SUBJECT_PREFIX)) \
  $(if $(GITHUB_SUBJECT_CLAIMS),-c githubSubjectClaims=$(GITHUB_SUBJECT_CLAIMS)) $(if $(GITHUB_DEFAULT_BRANCH),-c githubDefaultBranch=$(GITHUB_DEFAULT_BRANCH))
FUZZTIME  ?= 5m
# make test fuzzes each target for a number of inputs, not seconds: a duration
# races Go 1.26's fuzz coordinator on a loaded machine and fails with a bare
# "context deadline exceeded" (golang/go#75804, fixed in Go 1.27).
FUZZ_EXECS ?= 25000x
FUZZ_PKG  := ./lambda/handler
# go test names the fuzz targets itself: -fuzz with a stale name would pass silently.
FUZZ_TARGETS = go test -list '^Fuzz' $(FUZZ_PKG) | grep '^Fuzz'
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := 1

.PHONY: help dev synth diff deploy test lint go-deps cdk-cli check-env check-go check-node check-moto check-cfn-lint check-chromium snapshot fuzz deploy-ci bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

check-go:
	@command -v go >/dev/null || { echo "Go is not installed: get Go 1.26 or newer from https://go.dev/dl/" >&2; exit 1; }

check-node:
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "Node.js and npm are not installed: get Node.js 20 or newer from https://nodejs.org/" >&2; exit 1; }

check-moto:
	@command -v moto_server >/dev/null || { echo 'moto_server (the Cognito emulator) is not installed: pip install "moto[server]"' >&2; exit 1; }

check-cfn-lint:
	@command -v cfn-lint >/dev/null || { echo 'cfn-lint is not installed: pip install "cfn-lint"' >&2; exit 1; }

# The console's browser tests drive Debian's chromium (or $$CHROMIUM); as
# root with apt-get, it is installed, else make stops saying how to get it.
CHROMIUM_HELP := Chromium is needed for the console's browser tests: install Debian's package (sudo apt-get install -y chromium) or set CHROMIUM to a Chromium or Chrome binary
check-chromium:
	@if [ -n "$${CHROMIUM:-}" ]; then \
	  command -v "$$CHROMIUM" >/dev/null || { echo "CHROMIUM=$$CHROMIUM is not an executable. $(CHROMIUM_HELP)" >&2; exit 1; }; \
	elif [ -x /usr/bin/chromium ] || command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium for the console's browser tests"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else echo "$(CHROMIUM_HELP)" >&2; exit 1; fi

check-env:
	@case " $(ENVS) " in *" $(ENV) "*) ;; *) echo "ENV=$(ENV) is not one of: $(ENVS)" >&2; exit 1;; esac

go-deps: check-go
	@go mod download

# The CLI is pinned in package-lock.json; npm ci installs exactly that.
$(CDK): package-lock.json | check-node
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(CDK)

cdk-cli: $(CDK)

dev: check-moto check-env synth ## serve the API on 127.0.0.1 (PORT=8080) against a Cognito emulator, pool from ENV (dev), and the web console (CONSOLE_PORT=8081)
	go build -o .local/bin/dev ./local/cmd/dev
	exec .local/bin/dev

synth: go-deps cdk-cli ## synthesize every environment into cdk.out/ (offline, no AWS credentials)
	$(CDK) synth $(CDK_FLAGS) --quiet $(CI_CONTEXT)
	@for e in $(ENVS); do test -s cdk.out/UserAdmin-$$e.template.json || { echo "missing cdk.out/UserAdmin-$$e.template.json" >&2; exit 1; }; echo "cdk.out/UserAdmin-$$e.template.json"; done

diff: go-deps cdk-cli check-env ## cdk diff of ENV (default dev) against the deployed stack; with BASE=<git ref>, offline against that commit
	$(if $(BASE),scripts/diff-offline.sh '$(ENV)' '$(BASE)',$(CDK) diff $(CDK_FLAGS) UserAdmin-$(ENV))

# Synthesize, then stop before anything is deployed if the change would
# replace or delete a stateful resource (infra/cmd/deployguard compares the
# deployed templates with the new ones), then deploy exactly what was checked.
deploy: go-deps cdk-cli check-env ## deploy ENV (default dev), after the account stack it depends on, unless the deploy guard finds a stateful resource replaced or deleted; IAM changes need confirmation
	$(CDK) synth $(CDK_FLAGS) --quiet UserAdmin-$(ENV)
	go run ./infra/cmd/deployguard UserAdmin-$(ENV)
	$(CDK) deploy $(CDK_FLAGS) --app cdk.out --require-approval broadening UserAdmin-$(ENV)

# The CI roles name the bootstrap roles of the region their stack goes to,
# which for an environment without Config.Region is the CLI's: it must be
# the region CI deploys that environment to (the AWS_REGION variable).
ifneq ($(filter deploy-ci,$(MAKECMDGOALS)),)
ifeq ($(strip $(AWS_REGION)),)
$(error make deploy-ci needs AWS_REGION set to the repository variable AWS_REGION (the region CI deploys environments without Config.Region to), e.g. make deploy-ci ENV=dev AWS_REGION=eu-west-1 GITHUB_REPO=owner/name)
endif
endif

deploy-ci: go-deps cdk-cli check-env ## deploy UserAdmin-ci-ENV, ENV's GitHub Actions roles (AWS_REGION=, GITHUB_REPO=owner/name or GitHubRepo in infra/environments.go); CI never deploys these
	$(CDK) deploy $(CDK_FLAGS) --require-approval broadening $(CI_CONTEXT) UserAdmin-ci-$(ENV)

# make test's go test -timeout is for hangs, not speed: infra synthesizes dozens
# of whole apps (about 4 minutes on 2 cores, more under load), past go test's
# default of 10 minutes for a package on a busy machine.
test: go-deps cdk-cli check-moto check-cfn-lint check-chromium ## run every test: handler, infra templates, synth, the API against the emulator, the console (in headless Chromium)
	node console/test.mjs
	go test -timeout=20m ./...
	@targets=$$($(FUZZ_TARGETS)); for t in $$targets; do echo "fuzz $$t for $(FUZZ_EXECS) inputs"; go test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZ_EXECS) $(FUZZ_PKG); done

fuzz: go-deps ## fuzz each request decoder of the handler for FUZZTIME (default 5m)
	@targets=$$($(FUZZ_TARGETS)); for t in $$targets; do echo "fuzz $$t for $(FUZZTIME)"; go test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) $(FUZZ_PKG); done

.PHONY: cli outputs

# useradmin --version prints these: the tag (else the commit), the commit and
# the commit's date (not the build's clock, so one commit builds one binary).
CLI_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
CLI_COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
CLI_DATE    ?= $(shell git log -1 --format=%cI 2>/dev/null || echo unknown)
CLI_LDFLAGS := -X github.com/useradmin/cognito-user-admin/cli.Version=$(CLI_VERSION) -X github.com/useradmin/cognito-user-admin/cli.Commit=$(CLI_COMMIT) -X github.com/useradmin/cognito-user-admin/cli.Date=$(CLI_DATE)

cli: go-deps ## build the administrators' command into bin/useradmin
	go build -trimpath -ldflags "$(CLI_LDFLAGS)" -o bin/useradmin ./cli/cmd/useradmin

# Runs the command itself (no AWS CLI needed): it reads the stack's outputs
# with the default AWS credential chain and prints, without saving anything.
outputs: check-env cli ## print the `useradmin configure …` line for ENV's deployed stack (AWS credentials; REGION= or AWS_REGION)
	@bin/useradmin configure --profile $(ENV) --from-stack UserAdmin-$(ENV) --print $(if $(REGION),--region $(REGION))

bench: go-deps check-node check-moto ## cold start, binary size, handler overhead, end to end and synth times as one table (a minute or more)
	go run ./bench/cmd/bench

snapshot: go-deps cdk-cli ## rewrite test/snapshots after an intended infrastructure change (refuses a pool replacement not approved in infra/replacements.go)
	UPDATE_SNAPSHOTS=1 go test ./test/ -run '^TestSnapshots$$' -count=1

lint: go-deps cdk-cli ## gofmt, go vet, staticcheck, actionlint and the console's TypeScript check
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...
	go tool staticcheck ./...
	go tool actionlint
	node_modules/.bin/tsc -p console/tsconfig.json
