// Package rawfile reads whole files with plain system calls. An os.File
// registers each file with the runtime's poller and sets it non-blocking,
// which costs more than reading a small file does; a build reads
// thousands.
package rawfile
