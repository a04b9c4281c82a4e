// Command inkstone builds a personal IndieWeb site from Markdown files and
// runs the small daemon that lets a phone post to it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newApp(os.Stdout, os.Stderr, os.Environ()).root().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "inkstone:", err)
		os.Exit(1)
	}
}
