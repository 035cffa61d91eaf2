# The ssebench command (cmd/ssebench).
GO_BINARIES += ./cmd/ssebench
