module github.com/chimeflow/chimeflow/bench

go 1.26.0

replace github.com/chimeflow/chimeflow => ../

require (
	github.com/TwiN/go-away v1.8.1
	github.com/chimeflow/chimeflow v0.0.0-00010101000000-000000000000
	github.com/finnbear/moderation v0.9.0
)

require (
	github.com/aws/aws-lambda-go v1.55.1 // indirect
	github.com/aws/aws-sdk-go-v2 v1.48.0 // indirect
	github.com/aws/aws-sdk-go-v2/internal/configsources v1.5.12 // indirect
	github.com/aws/aws-sdk-go-v2/internal/endpoints/v2 v2.8.12 // indirect
	github.com/aws/aws-sdk-go-v2/internal/v4a v1.5.10 // indirect
	github.com/aws/aws-sdk-go-v2/service/eventbridge v1.55.9 // indirect
	github.com/aws/smithy-go v1.28.9 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/rs/zerolog v1.35.1 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	golang.org/x/exp v0.0.0-20210220032938-85be41e4509f // indirect
	golang.org/x/sys v0.29.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)
