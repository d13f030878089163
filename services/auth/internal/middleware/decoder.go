package middleware

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	goahttp "goa.design/goa/v3/http"
	goa "goa.design/goa/v3/pkg"
)

// RequestDecoder is the request body decoder of the HTTP server. Bodies are
// read as JSON whatever their Content-Type (as Goa's default decoder does);
// cross-site form posts are stopped by SameSite=Lax and the Origin check,
// not by the media type. Decoding is strict JSON
// (unknown fields and trailing data are refused) with errors that tell the
// client what is wrong and where, and a request_too_large error when the
// body exceeds the limit set by MaxBody.
func RequestDecoder(r *http.Request) goahttp.Decoder {
	return strictDecoder{r: r}
}

type strictDecoder struct{ r *http.Request }

func (d strictDecoder) Decode(v any) error {
	dec := json.NewDecoder(d.r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err)
		}
		return goa.DecodePayloadError("the body must hold a single JSON object")
	}
	return nil
}

// decodeError turns an encoding/json error into a Goa error that names the
// problem. io.EOF (empty body) is passed through: Goa reports it as a
// missing payload.
func decodeError(err error) error {
	var (
		tooLarge  *http.MaxBytesError
		syntax    *json.SyntaxError
		typeError *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return io.EOF
	case errors.As(err, &tooLarge):
		return goa.PermanentError(NameTooLarge, "the body exceeds %d bytes", tooLarge.Limit)
	case errors.As(err, &syntax):
		return goa.DecodePayloadError(fmt.Sprintf("malformed JSON at byte %d: %s", syntax.Offset, syntax.Error()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return goa.DecodePayloadError("malformed JSON: the body ends too early")
	case errors.As(err, &typeError):
		if typeError.Field == "" {
			return goa.DecodePayloadError(fmt.Sprintf("the body must be a JSON object, not %s", typeError.Value))
		}
		return goa.DecodePayloadError(fmt.Sprintf("field %q must be %s, not %s", typeError.Field, jsonKind(typeError.Type.Kind().String()), typeError.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return goa.DecodePayloadError(fmt.Sprintf("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field ")))
	default:
		return goa.DecodePayloadError("malformed JSON body")
	}
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "ptr":
		return "a value of another type"
	default:
		if strings.HasPrefix(kind, "int") || strings.HasPrefix(kind, "uint") || strings.HasPrefix(kind, "float") {
			return "a number"
		}
		return "a " + kind
	}
}
