// Command openapi writes the OpenAPI description that the auth service
// serves (internal/apidocs/openapi.json and .yaml) from the one Goa
// generates (gen/http/openapi3.json) and from the design itself, for what
// Goa's description does not say as the server does:
//
//   - the errors of each operation, by status: Goa keeps one error per
//     status (the last declared); this lists every error the design gives
//     the method at that status, its name an enum of them;
//   - the error body on the wire: {name, id, message}, application/json
//     (the service's error formatter), not Goa's default error type;
//   - the errors that the middleware beside the transport answers for
//     every operation: 403 forbidden_origin (unsafe methods), 413
//     request_too_large and 415 unsupported_media_type (methods with a
//     body), 500 fault;
//   - the security schemes: the session cookie or a bearer token;
//   - one server, the origin that serves the description.
//
// ./generate.sh runs it after goa gen; CI checks that its output is fresh.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"goa.design/goa/v3/eval"
	"goa.design/goa/v3/expr"
	"gopkg.in/yaml.v3"

	_ "github.com/infrastructure/platform/services/auth/design/api" // the design, run below
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: openapi GOA_OPENAPI3_JSON OUT_DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
}

func run(in, outDir string) error {
	if err := eval.RunDSL(); err != nil {
		return fmt.Errorf("design: %w", err)
	}
	doc, err := openapi3.NewLoader().LoadFromFile(in)
	if err != nil {
		return err
	}
	if err := rewrite(doc, designErrors()); err != nil {
		return err
	}
	if err := doc.Validate(openapi3.NewLoader().Context); err != nil {
		return fmt.Errorf("the result is not valid OpenAPI: %w", err)
	}
	js, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	ym, err := toYAML(js)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, "openapi.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outDir, "openapi.yaml"), ym, 0o644)
}

// designError is an error a method may answer, as the design says.
type designError struct {
	name, description string
	status            int
}

// designErrors returns the errors of every HTTP endpoint of the design,
// keyed by "METHOD /path".
func designErrors() map[string][]designError {
	out := map[string][]designError{}
	for _, svc := range expr.Root.API.HTTP.Services {
		for _, ep := range svc.HTTPEndpoints {
			var errs []designError
			for _, he := range ep.HTTPErrors {
				desc := ""
				if e := ep.MethodExpr.Error(he.Name); e != nil {
					desc = e.Description
				}
				if e := expr.Root.Error(he.Name); desc == "" && e != nil { // an error of the API, named by the method
					desc = e.Description
				}
				errs = append(errs, designError{name: he.Name, description: desc, status: he.Response.StatusCode})
			}
			for _, r := range ep.Routes {
				for _, p := range r.FullPaths() {
					out[r.Method+" "+expr.HTTPWildcardRegex.ReplaceAllString(p, "/{$1}")] = errs
				}
			}
		}
	}
	return out
}

// Errors answered beside the transport, for every operation they apply to.
var (
	forbiddenOrigin = designError{name: "forbidden_origin", status: http.StatusForbidden,
		description: "A browser marked the request as cross-site (Sec-Fetch-Site, else an Origin that is neither this service's nor in CORS_ALLOWED_ORIGINS): nothing changed."}
	tooLarge = designError{name: "request_too_large", status: http.StatusRequestEntityTooLarge,
		description: "The body is over 64 KiB."}
	unsupportedMedia = designError{name: "unsupported_media_type", status: http.StatusUnsupportedMediaType,
		description: "The request has a body that is not application/json."}
	fault = designError{name: "fault", status: http.StatusInternalServerError,
		description: "An internal error; the message says no more, the id finds it in the logs."}
)

func rewrite(doc *openapi3.T, errs map[string][]designError) error {
	doc.Servers = openapi3.Servers{{URL: "/", Description: "The origin that serves this description."}}
	errSchema := errorSchema()
	doc.Components.Schemas["Error"] = openapi3.NewSchemaRef("", errSchema)
	delete(doc.Components.Schemas, "RateLimitedError") // sent as an Error, with Retry-After
	doc.Components.SecuritySchemes = openapi3.SecuritySchemes{
		"cookie": &openapi3.SecuritySchemeRef{Value: openapi3.NewCSRFSecurityScheme().
			WithType("apiKey").WithIn("cookie").WithName("__Host-session").
			WithDescription("The session cookie: HttpOnly, SameSite=Lax, set by register, login and every token change. Named __Host-session, or session when the service runs with COOKIE_SECURE=false (plain-HTTP development).")},
		"bearer": &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme().
			WithBearerFormat("opaque").
			WithDescription("The same session token in Authorization: Bearer <token>, for clients that are not browsers.")},
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			declared, ok := errs[key]
			if !ok {
				return fmt.Errorf("%s: not in the design", key)
			}
			all := append([]designError(nil), declared...)
			if method != http.MethodGet {
				all = append(all, forbiddenOrigin, tooLarge, unsupportedMedia)
			}
			all = append(all, fault)
			setErrors(op, all, errSchema)
			if op.Security != nil && len(*op.Security) > 0 {
				op.Security = &openapi3.SecurityRequirements{{"cookie": {}}, {"bearer": {}}}
				op.Parameters = slices.DeleteFunc(op.Parameters, func(p *openapi3.ParameterRef) bool {
					return p.Value != nil && p.Value.In == "header" && p.Value.Name == "Authorization"
				})
			}
		}
	}
	return nil
}

// errorSchema is the body of every error, as the service writes it.
func errorSchema() *openapi3.Schema {
	described := func(d string) *openapi3.Schema {
		s := openapi3.NewStringSchema()
		s.Description = d
		return s
	}
	s := openapi3.NewObjectSchema().
		WithProperty("name", described("What went wrong, for programs: one of the names listed for the status.")).
		WithProperty("id", described("The request id (also in X-Request-Id): the server's log lines of the request carry it.")).
		WithProperty("message", described("What went wrong, for people. Never a secret."))
	s.Required = []string{"name", "id", "message"}
	s.AdditionalProperties = openapi3.AdditionalProperties{Has: openapi3.Ptr(false)}
	s.Description = "An error: its name, the request id and a message."
	return s
}

// setErrors replaces the error responses of op with one per status,
// listing every error of that status.
func setErrors(op *openapi3.Operation, errs []designError, errSchema *openapi3.Schema) {
	byStatus := map[int][]designError{}
	for _, e := range errs {
		byStatus[e.status] = append(byStatus[e.status], e)
	}
	for status, es := range byStatus {
		key := strconv.Itoa(status)
		var headers openapi3.Headers
		if old := op.Responses.Value(key); old != nil && old.Value != nil {
			headers = old.Value.Headers
		}
		sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
		var names []any
		var lines []string
		for _, e := range es {
			names = append(names, e.name)
			lines = append(lines, fmt.Sprintf("`%s`: %s", e.name, e.description))
		}
		schema := &openapi3.Schema{}
		schema.AllOf = openapi3.SchemaRefs{
			openapi3.NewSchemaRef("#/components/schemas/Error", errSchema),
			openapi3.NewSchemaRef("", openapi3.NewObjectSchema().WithProperty("name", openapi3.NewStringSchema().WithEnum(names...))),
		}
		desc := strings.Join(lines, "\n\n")
		resp := openapi3.NewResponse().WithDescription(desc).WithContent(openapi3.NewContentWithJSONSchema(schema))
		resp.Headers = headers
		if status == http.StatusTooManyRequests && resp.Headers == nil {
			resp.Headers = openapi3.Headers{}
		}
		op.Responses.Set(key, &openapi3.ResponseRef{Value: resp})
	}
}

// toYAML turns the JSON document into block-style YAML, keys in the same
// order.
func toYAML(js []byte) ([]byte, error) {
	var node yaml.Node
	if err := yaml.Unmarshal(js, &node); err != nil {
		return nil, err
	}
	var unflow func(n *yaml.Node)
	unflow = func(n *yaml.Node) {
		n.Style &^= yaml.FlowStyle
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.Contains(n.Value, "\n") {
			n.Style = yaml.LiteralStyle
		} else if n.Kind == yaml.ScalarNode {
			n.Style &^= yaml.DoubleQuotedStyle
		}
		for _, c := range n.Content {
			unflow(c)
		}
	}
	unflow(&node)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
