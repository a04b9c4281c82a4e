package main
import "context"
func (a *app) serve(ctx context.Context) error { return nil }
