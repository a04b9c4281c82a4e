// Package themes embeds the default theme so that the binary alone can
// build a site. A site overrides any file by putting its own copy under
// themes/default/ (or picks another theme folder by name).
package themes

import (
	"embed"
	"io/fs"
)

//go:embed default
var embedded embed.FS

// Default returns the embedded default theme, rooted at its folder.
func Default() fs.FS {
	sub, err := fs.Sub(embedded, "default")
	if err != nil {
		// fs.Sub fails only for an invalid path, which "default" is not.
		panic(err)
	}
	return sub
}
