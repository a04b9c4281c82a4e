package main

import "github.com/spf13/cobra"

func (a *app) serveCmd() *cobra.Command {
	return &cobra.Command{Use: "serve", Short: "Build, watch and serve the site with live reload", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serve(cmd.Context()) }}
}
