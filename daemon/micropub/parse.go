package micropub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"inkstone/generator/content"
)

// Actions a request can ask for; a request without one creates a post.
const (
	actionCreate   = ""
	actionUpdate   = "update"
	actionDelete   = "delete"
	actionUndelete = "undelete"
)

// request is a parsed Micropub POST.
type request struct {
	action string // actionCreate, actionUpdate, ...
	url    string // the post acted on
	typ    string // the microformats type created, e.g. "h-entry"
	props  Properties
	update Update
	files  []upload // multipart file parts, in order
}

// upload is a file part of a multipart create.
type upload struct {
	prop string // photo, video or audio
	file *multipart.FileHeader
}

// mediaProps are the properties a multipart create may send files for.
var mediaProps = []string{"photo", "video", "audio"}

// parseForm reads an application/x-www-form-urlencoded (or multipart)
// body's fields: h, action, url, and properties, "name[]" naming a list.
// Empty values are dropped, as HTML forms send every field.
func parseForm(form url.Values) (*request, error) {
	if slices.ContainsFunc(form["action"], func(a string) bool { return strings.TrimSpace(a) == actionUpdate }) {
		return nil, invalid("send updates as JSON (Content-Type: application/json) with replace, add or delete, as Micropub asks")
	}
	req := &request{typ: "h-entry", props: Properties{}}
	for _, key := range slices.Sorted(maps.Keys(form)) {
		vals := form[key]
		if !utf8.ValidString(key) || slices.ContainsFunc(vals, func(v string) bool { return !utf8.ValidString(v) }) {
			return nil, invalid("field %q is not valid UTF-8; send UTF-8 text", strings.ToValidUTF8(key, "\uFFFD"))
		}
		name := strings.TrimSuffix(key, "[]")
		switch name {
		case "access_token":
			// For the Auth implementation; never a property.
		case "h":
			h, err := single(name, vals)
			if err != nil {
				return nil, err
			}
			req.typ = "h-" + h
		case "action":
			a, err := single(name, vals)
			if err != nil {
				return nil, err
			}
			req.action = a
		case "url":
			u, err := single(name, vals)
			if err != nil {
				return nil, err
			}
			req.url = u
		default:
			if err := checkName(name); err != nil {
				return nil, err
			}
			for _, v := range vals {
				if v != "" {
					req.props[name] = append(req.props[name], v)
				}
			}
		}
	}
	return req, nil
}

// single reads a form field that must be sent once.
func single(key string, vals []string) (string, error) {
	if len(vals) != 1 {
		return "", invalid("%s was sent %d times; send it once", key, len(vals))
	}
	return strings.TrimSpace(vals[0]), nil
}

// parseMultipart reads a multipart/form-data create: the fields as a
// form, and file parts named photo, video or audio (or with []).
func parseMultipart(form *multipart.Form) (*request, error) {
	req, err := parseForm(form.Value)
	if err != nil {
		return nil, err
	}
	for _, key := range slices.Sorted(maps.Keys(form.File)) {
		name := strings.TrimSuffix(key, "[]")
		if !slices.Contains(mediaProps, name) {
			return nil, invalid("file part %q is not known; name file parts photo, video or audio", strings.ToValidUTF8(key, "?"))
		}
		for _, fh := range form.File[key] {
			req.files = append(req.files, upload{prop: name, file: fh})
		}
	}
	if len(req.files) > 0 && req.action != actionCreate {
		return nil, invalid("file parts are only for creating posts; send %s without files", req.action)
	}
	return req, nil
}

// jsonKeys are the top-level keys of a JSON request.
var jsonKeys = []string{"type", "properties", "action", "url", "replace", "add", "delete", "access_token"}

// parseJSON reads an application/json body: {"type": ["h-entry"],
// "properties": {...}} to create, or {"action": ..., "url": ...} with
// replace, add and delete for updates.
func parseJSON(body []byte) (*request, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return nil, invalid("the body is not a JSON object: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("the body has more after its JSON object; send one object")
	}
	if top == nil {
		return nil, invalid("the body must be a JSON object, not null")
	}
	for _, k := range slices.Sorted(maps.Keys(top)) {
		if !slices.Contains(jsonKeys, k) {
			return nil, invalid("unknown key %q in the JSON body; send type and properties to create, or action and url", k)
		}
	}
	req := &request{}
	if err := decodeKey(top, "action", &req.action); err != nil {
		return nil, err
	}
	if err := decodeKey(top, "url", &req.url); err != nil {
		return nil, err
	}
	req.url = strings.TrimSpace(req.url)
	if req.action == actionCreate {
		for _, k := range []string{"replace", "add", "delete"} {
			if _, ok := top[k]; ok {
				return nil, invalid(`%s needs "action": "update" and the post's url`, k)
			}
		}
		var types []string
		if err := decodeKey(top, "type", &types); err != nil {
			return nil, err
		}
		switch len(types) {
		case 0:
			req.typ = "h-entry"
		case 1:
			req.typ = types[0]
		default:
			return nil, invalid(`type must name one type, e.g. ["h-entry"], not %d`, len(types))
		}
		raw, ok := top["properties"]
		if !ok {
			return nil, invalid(`properties is missing; send {"type": ["h-entry"], "properties": {"content": ["..."]}}`)
		}
		props, err := decodeProps("properties", raw)
		if err != nil {
			return nil, err
		}
		req.props = props
		return req, nil
	}
	for _, k := range []string{"type", "properties"} {
		if _, ok := top[k]; ok {
			return nil, invalid(`%s is for creating posts; an action takes url (and for update: replace, add or delete)`, k)
		}
	}
	if req.action != actionUpdate {
		return req, nil
	}
	var err error
	if raw, ok := top["replace"]; ok {
		if req.update.Replace, err = decodeProps("replace", raw); err != nil {
			return nil, err
		}
	}
	if raw, ok := top["add"]; ok {
		if req.update.Add, err = decodeProps("add", raw); err != nil {
			return nil, err
		}
	}
	if raw, ok := top["delete"]; ok {
		if req.update.Delete, req.update.DeleteProps, err = decodeDelete(raw); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// decodeKey decodes top[key], when present, into v.
func decodeKey(top map[string]json.RawMessage, key string, v any) error {
	raw, ok := top[key]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		want := "text"
		if _, list := v.(*[]string); list {
			want = "a list of text"
		}
		return invalid("%s must be %s", key, want)
	}
	return nil
}

// decodeProps reads an object whose every value is a list of values.
func decodeProps(key string, raw json.RawMessage) (Properties, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, invalid(`%s must be an object of property lists, e.g. {"content": ["..."]}`, key)
	}
	props := make(Properties, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		vals, ok := m[name].([]any)
		if !ok {
			return nil, invalid(`%s.%s must be a list of values, e.g. [%s]`, key, name, show(m[name]))
		}
		if err := checkName(name); err != nil {
			return nil, err
		}
		props[name] = vals
	}
	return props, nil
}

// decodeDelete reads delete: a list of property names, or an object of
// values to remove (null removes the whole property).
func decodeDelete(raw json.RawMessage) (map[string][]any, []string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, nil, invalid("delete must be a list of property names or an object of values to remove")
	}
	switch x := v.(type) {
	case []any:
		names := make([]string, 0, len(x))
		for _, n := range x {
			s, ok := n.(string)
			if !ok {
				return nil, nil, invalid(`delete must list property names, e.g. ["category"], not %s`, show(n))
			}
			names = append(names, s)
		}
		return nil, names, nil
	case map[string]any:
		out := make(map[string][]any, len(x))
		for name, vals := range x {
			switch l := vals.(type) {
			case nil:
				out[name] = nil
			case []any:
				out[name] = l
			default:
				return nil, nil, invalid(`delete.%s must be a list of values to remove, e.g. [%s]`, name, show(vals))
			}
		}
		return out, nil, nil
	}
	return nil, nil, invalid(`delete must be a list of property names, e.g. ["category"], or an object of values to remove`)
}

// jsonProblem says where a JSON syntax error is, without Go type names.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("%s (at byte %d)", syntax.Error(), syntax.Offset)
	case errors.As(err, &typ):
		return "it is a JSON " + typ.Value
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "it ends too soon"
	}
	return "it cannot be read"
}

// check validates a parsed request before it is authorised and run:
// every problem a client can fix is an *Error.
func (req *request) check(targets []Target) error {
	switch req.action {
	case actionCreate:
		if req.typ != "h-entry" {
			return invalid("%s is not supported: this server creates h-entry posts only; send h=entry or type [\"h-entry\"]", req.typ)
		}
		pending := make([]string, len(req.files))
		for i := range pending {
			pending[i] = "/media/upload"
		}
		if _, err := req.post(pending); err != nil {
			return err
		}
		return checkSyndicateTo(req.props["mp-syndicate-to"], targets)
	case actionUpdate:
		if err := checkURL(req.url); err != nil {
			return err
		}
		if err := req.update.check(); err != nil {
			return err
		}
		if err := checkSyndicateTo(req.update.Replace["mp-syndicate-to"], targets); err != nil {
			return err
		}
		return checkSyndicateTo(req.update.Add["mp-syndicate-to"], targets)
	case actionDelete, actionUndelete:
		return checkURL(req.url)
	}
	return invalid("action %q is not known; use update, delete or undelete, or send no action to create a post", req.action)
}

// post makes the post a create asks for. fileURLs holds the URL of each
// file part, in order; each is appended to its property, after any URLs
// sent as fields.
func (req *request) post(fileURLs []string) (*content.Post, error) {
	props := req.props
	if len(req.files) > 0 {
		props = maps.Clone(props)
		for i, f := range req.files {
			props[f.prop] = append(slices.Clone(props[f.prop]), fileURLs[i])
		}
	}
	return props.Post()
}

func checkURL(u string) error {
	if u == "" {
		return invalid("url is missing; send the URL of the post")
	}
	if !siteURL(u) {
		return invalid("url %q is not the URL of a post; send its permalink", u)
	}
	return nil
}

// checkSyndicateTo refuses syndication targets the server does not offer.
func checkSyndicateTo(vals []any, targets []Target) error {
	for _, v := range vals {
		uid, ok := v.(string)
		if !ok || !slices.ContainsFunc(targets, func(t Target) bool { return t.UID == uid }) {
			if len(targets) == 0 {
				return invalid("mp-syndicate-to %s is not a syndication target: this server offers none", show(v))
			}
			uids := make([]string, len(targets))
			for i, t := range targets {
				uids[i] = t.UID
			}
			return invalid("mp-syndicate-to %s is not a syndication target here; use one of %s (see q=syndicate-to)", show(v), strings.Join(uids, ", "))
		}
	}
	return nil
}
