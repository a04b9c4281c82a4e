package micropub

import (
	"errors"
	"maps"
	"slices"

	"inkstone/generator/content"
)

// Update is a Micropub update: replace, add and delete, with property
// names as Micropub names them.
type Update struct {
	// Replace sets each property to the values given.
	Replace map[string][]any
	// Add appends values, creating the property when it is absent.
	Add map[string][]any
	// Delete removes the values given from each property (a property left
	// with none is removed); a nil list removes the whole property.
	Delete map[string][]any
	// DeleteProps removes whole properties: the {"delete": ["category"]}
	// form.
	DeleteProps []string
}

// IsZero reports whether the update changes nothing.
func (u Update) IsZero() bool {
	return len(u.Replace) == 0 && len(u.Add) == 0 && len(u.Delete) == 0 && len(u.DeleteProps) == 0
}

// Apply applies the update to p: replace, then add, then delete, each in
// property name order. It is all or nothing: on error, which is an *Error
// naming the property, p is unchanged. The write path calls it under its
// lock, on the post as stored.
func (u Update) Apply(p *content.Post) error {
	q := *p
	q.Properties = maps.Clone(p.Properties)
	for _, name := range slices.Sorted(maps.Keys(u.Replace)) {
		if err := setProp(&q, name, u.Replace[name]); err != nil {
			return inOp("replace", err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(u.Add)) {
		vals := append(slices.Clone(getProp(&q, name)), u.Add[name]...)
		if err := setProp(&q, name, vals); err != nil {
			return inOp("add", err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(u.Delete)) {
		remove := u.Delete[name]
		var kept []any
		if remove != nil {
			for _, v := range getProp(&q, name) {
				if !slices.ContainsFunc(remove, func(r any) bool { return sameJSON(r, v) }) {
					kept = append(kept, v)
				}
			}
		}
		if err := setProp(&q, name, kept); err != nil {
			return inOp("delete", err)
		}
	}
	for _, name := range u.DeleteProps {
		if err := setProp(&q, name, nil); err != nil {
			return inOp("delete", err)
		}
	}
	*p = q
	return nil
}

// check finds the mistakes an update can be refused for before any post
// is loaded: bad names, and replace or add values of the wrong shape.
func (u Update) check() error {
	if u.IsZero() {
		return invalid("the update changes nothing; send replace, add or delete")
	}
	for _, op := range []struct {
		name string
		m    map[string][]any
	}{{"replace", u.Replace}, {"add", u.Add}} {
		for _, name := range slices.Sorted(maps.Keys(op.m)) {
			if err := setProp(&content.Post{}, name, op.m[name]); err != nil {
				return inOp(op.name, err)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(u.Delete)) {
		if err := checkName(name); err != nil {
			return inOp("delete", err)
		}
	}
	for _, name := range u.DeleteProps {
		if err := checkName(name); err != nil {
			return inOp("delete", err)
		}
	}
	return nil
}

// inOp puts the update operation in front of an *Error's description.
func inOp(op string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	c.Description = op + ": " + e.Description
	return &c
}
