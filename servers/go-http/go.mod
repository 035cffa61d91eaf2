module ssebench.local/servers/go-http

go 1.26
