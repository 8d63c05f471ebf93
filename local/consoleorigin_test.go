package local

import "testing"

// The API's function is neither the stream's publisher nor CDK's
// BucketDeployment handler, which a custom resource invokes (the console's
// files are copied at deploy by it).
func TestAPIFunctionBesideCustomResources(t *testing.T) {
	tpl := mappingTemplate(infraFilter)
	tpl.Resources["DeployHandler"] = Resource{Type: "AWS::Lambda::Function", Properties: map[string]any{"Runtime": "python3.13"}}
	tpl.Resources["ConsoleFiles"] = Resource{Type: "Custom::CDKBucketDeployment", Properties: map[string]any{
		"ServiceToken": map[string]any{"Fn::GetAtt": []any{"DeployHandler", "Arn"}},
	}}
	if id, _, err := tpl.APIFunction(); id != "Api" || err != nil {
		t.Errorf("APIFunction = %q, %v", id, err)
	}
}
