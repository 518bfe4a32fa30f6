// Package tests holds the deployment's end-to-end tests: the channel flow
// custom resource driven through its Handler against messagingtest.Server (a stand-in
// for Chime SDK Messaging checked against the service model) with the
// response CloudFormation would receive captured, and the checks of
// template.yaml (cfn-lint and the SAM transform, by check_template.py).
package tests
