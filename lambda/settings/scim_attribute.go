package settings

// SCIMExternalID is the custom attribute (custom:scim_external_id) that
// keeps a SCIM user's externalId, the IdP's own id for the person: Cognito
// has no standard attribute for it. The stack declares it in the pool when
// SCIM is on; only the SCIM principal may set it (the admins' PATCH does
// not accept it), so it always says what the IdP sent.
var SCIMExternalID = CustomAttribute{Name: "scim_external_id", Type: AttributeString, MaxLength: MaxStringAttributeLength}
