package scim

import (
	"net/http"
)

// The discovery resources (RFC 7644 §4, RFC 7643 §5–7) describe exactly
// what this endpoint keeps and does, so an IdP that reads them (Okta's
// "Test Connector Configuration", Entra ID's validator) learns no feature
// the endpoint lacks.

type attr struct {
	Name          string `json:"name"`
	Type          string `json:"type"`
	MultiValued   bool   `json:"multiValued"`
	Description   string `json:"description"`
	Required      bool   `json:"required"`
	CaseExact     bool   `json:"caseExact"`
	Mutability    string `json:"mutability"`
	Returned      string `json:"returned"`
	Uniqueness    string `json:"uniqueness"`
	SubAttributes []attr `json:"subAttributes,omitempty"`
	// ReferenceTypes is for reference attributes only.
	ReferenceTypes []string `json:"referenceTypes,omitempty"`
}

func str(name, desc, mutability string, required, caseExact bool, uniqueness string) attr {
	return attr{Name: name, Type: "string", Description: desc, Required: required, CaseExact: caseExact, Mutability: mutability, Returned: "default", Uniqueness: uniqueness}
}

var userAttributes = []attr{
	str("userName", "The user's email address, normalised: their username in the pool. It cannot change.", "immutable", true, false, "server"),
	str("externalId", "The identity provider's id for the user, kept in the pool's custom:scim_external_id attribute.", "readWrite", false, true, "none"),
	{Name: "name", Type: "complex", Description: "The user's name (Cognito's given_name and family_name).", Mutability: "readWrite", Returned: "default", Uniqueness: "none",
		SubAttributes: []attr{
			str("givenName", "Cognito's given_name.", "readWrite", false, false, "none"),
			str("familyName", "Cognito's family_name.", "readWrite", false, false, "none"),
			str("formatted", "givenName and familyName, joined.", "readOnly", false, false, "none"),
		}},
	{Name: "emails", Type: "complex", MultiValued: true, Description: "The one primary work email: the userName.", Mutability: "readWrite", Returned: "default", Uniqueness: "none",
		SubAttributes: []attr{
			str("value", "The email address; it must be the userName.", "readWrite", false, false, "none"),
			str("type", "Always work.", "readWrite", false, false, "none"),
			{Name: "primary", Type: "boolean", Description: "Always true.", Mutability: "readWrite", Returned: "default", Uniqueness: "none"},
		}},
	{Name: "active", Type: "boolean", Description: "false disables the user and ends their sessions; true enables them.", Mutability: "readWrite", Returned: "default", Uniqueness: "none"},
}

var groupAttributes = []attr{
	str("displayName", "The group's name in the pool: one of the deployment's managed groups. It cannot change.", "immutable", true, true, "server"),
	{Name: "members", Type: "complex", MultiValued: true, Description: "The group's users.", Mutability: "readWrite", Returned: "default", Uniqueness: "none",
		SubAttributes: []attr{
			str("value", "The user's id.", "immutable", true, true, "none"),
			str("display", "The user's userName.", "readOnly", false, false, "none"),
			{Name: "$ref", Type: "reference", ReferenceTypes: []string{"User"}, Description: "The user's URI.", Mutability: "immutable", Returned: "default", Uniqueness: "none"},
		}},
}

type schemaDoc struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Attributes  []attr   `json:"attributes"`
	Meta        meta     `json:"meta"`
}

func (s *Server) schemaDocs() []schemaDoc {
	return []schemaDoc{
		{Schemas: []string{SchemaSchema}, ID: SchemaUser, Name: "User", Description: "A user of the pool", Attributes: userAttributes,
			Meta: meta{ResourceType: "Schema", Location: s.location("Schemas", SchemaUser)}},
		{Schemas: []string{SchemaSchema}, ID: SchemaGroup, Name: "Group", Description: "One of the pool's managed groups", Attributes: groupAttributes,
			Meta: meta{ResourceType: "Schema", Location: s.location("Schemas", SchemaGroup)}},
	}
}

func (s *Server) schemas(r Request, id string) (Response, error) {
	docs := s.schemaDocs()
	if id != "" {
		for _, d := range docs {
			if d.ID == id {
				return jsonResponse(http.StatusOK, d), nil
			}
		}
		return Response{}, NotFound("schema")
	}
	p, err := readPaging(r.Query)
	if err != nil {
		return Response{}, err
	}
	return jsonResponse(http.StatusOK, page(docs, p, func(d schemaDoc) any { return d })), nil
}

type resourceType struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Endpoint    string   `json:"endpoint"`
	Description string   `json:"description"`
	Schema      string   `json:"schema"`
	// SchemaExtensions is always empty: the enterprise extension is not kept.
	SchemaExtensions []struct{} `json:"schemaExtensions"`
	Meta             meta       `json:"meta"`
}

func (s *Server) resourceTypeDocs() []resourceType {
	return []resourceType{
		{Schemas: []string{SchemaResourceType}, ID: "User", Name: "User", Endpoint: "/Users", Description: "The pool's users", Schema: SchemaUser,
			SchemaExtensions: []struct{}{}, Meta: meta{ResourceType: "ResourceType", Location: s.location("ResourceTypes", "User")}},
		{Schemas: []string{SchemaResourceType}, ID: "Group", Name: "Group", Endpoint: "/Groups", Description: "The pool's managed groups", Schema: SchemaGroup,
			SchemaExtensions: []struct{}{}, Meta: meta{ResourceType: "ResourceType", Location: s.location("ResourceTypes", "Group")}},
	}
}

func (s *Server) resourceTypes(r Request, id string) (Response, error) {
	docs := s.resourceTypeDocs()
	if id != "" {
		for _, d := range docs {
			if d.ID == id {
				return jsonResponse(http.StatusOK, d), nil
			}
		}
		return Response{}, NotFound("resource type")
	}
	p, err := readPaging(r.Query)
	if err != nil {
		return Response{}, err
	}
	return jsonResponse(http.StatusOK, page(docs, p, func(d resourceType) any { return d })), nil
}

type supported struct {
	Supported bool `json:"supported"`
}

type spConfig struct {
	Schemas          []string  `json:"schemas"`
	DocumentationURI string    `json:"documentationUri"`
	Patch            supported `json:"patch"`
	Bulk             struct {
		Supported      bool `json:"supported"`
		MaxOperations  int  `json:"maxOperations"`
		MaxPayloadSize int  `json:"maxPayloadSize"`
	} `json:"bulk"`
	Filter struct {
		Supported  bool `json:"supported"`
		MaxResults int  `json:"maxResults"`
	} `json:"filter"`
	ChangePassword        supported    `json:"changePassword"`
	Sort                  supported    `json:"sort"`
	ETag                  supported    `json:"etag"`
	AuthenticationSchemes []authScheme `json:"authenticationSchemes"`
	Meta                  meta         `json:"meta"`
}

type authScheme struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Primary     bool   `json:"primary,omitempty"`
}

// DocumentationURI is where an IdP's administrator reads how to connect.
const DocumentationURI = "https://github.com/useradmin/cognito-user-admin/blob/main/docs/scim.md"

func (s *Server) spConfig() Response {
	c := spConfig{Schemas: []string{SchemaSPConfig}, DocumentationURI: DocumentationURI, Patch: supported{true}}
	c.Bulk.MaxPayloadSize = MaxBody
	c.Filter.Supported, c.Filter.MaxResults = true, MaxCount
	c.AuthenticationSchemes = []authScheme{{
		Type: "oauthbearertoken", Name: "OAuth Bearer Token", Primary: true,
		Description: "An access token of the deployment's SCIM app client (client credentials, scope scim/provision), or the deployment's SCIM bearer token",
	}}
	c.Meta = meta{ResourceType: "ServiceProviderConfig", Location: s.BaseURL + "/ServiceProviderConfig"}
	return jsonResponse(http.StatusOK, c)
}
