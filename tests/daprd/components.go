// Slim component registry for the daprd used by the wasmtime-dapr tests.
//
// tests/daprd/build.sh copies this file into a scratch copy of the
// github.com/dapr/dapr module as cmd/daprd/components/components.go, after
// deleting every upstream registration file in that directory. The upstream
// files all carry `//go:build allcomponents || stablecomponents`; this one has
// no build constraint, so a plain `go build ./cmd/daprd` (no -tags) compiles a
// daprd that knows exactly the components below and nothing else.
//
// Each registration uses dapr's public loader registries, the same calls the
// upstream files make. Keep the list in sync with README.md.
package components

import (
	// State stores.
	stateInMemory "github.com/dapr/components-contrib/state/in-memory"
	stateRedis "github.com/dapr/components-contrib/state/redis"
	stateLoader "github.com/dapr/dapr/pkg/components/state"

	// Pub/sub brokers.
	pubsubInMemory "github.com/dapr/components-contrib/pubsub/in-memory"
	pubsubRedis "github.com/dapr/components-contrib/pubsub/redis"
	pubsubLoader "github.com/dapr/dapr/pkg/components/pubsub"

	// Configuration stores.
	configurationRedis "github.com/dapr/components-contrib/configuration/redis"
	configurationLoader "github.com/dapr/dapr/pkg/components/configuration"

	// Distributed lock stores.
	lockRedis "github.com/dapr/components-contrib/lock/redis"
	lockLoader "github.com/dapr/dapr/pkg/components/lock"

	// Secret stores.
	secretEnv "github.com/dapr/components-contrib/secretstores/local/env"
	secretFile "github.com/dapr/components-contrib/secretstores/local/file"
	secretstoresLoader "github.com/dapr/dapr/pkg/components/secretstores"

	// Bindings: localstorage (output) and cron (input).
	bindingCron "github.com/dapr/components-contrib/bindings/cron"
	bindingLocalStorage "github.com/dapr/components-contrib/bindings/localstorage"
	bindingsLoader "github.com/dapr/dapr/pkg/components/bindings"

	// Conversation: echo (answers with its input, as Dapr's test component).
	conversationEcho "github.com/dapr/components-contrib/conversation/echo"
	conversationLoader "github.com/dapr/dapr/pkg/components/conversation"

	// Cryptography: keys in a local folder.
	cryptoLocalStorage "github.com/dapr/components-contrib/crypto/localstorage"
	cryptoLoader "github.com/dapr/dapr/pkg/components/crypto"

	// Name resolution. mdns (daprd's standalone default) is deliberately not
	// registered: select sqlite through a Configuration resource instead.
	nrSqlite "github.com/dapr/components-contrib/nameresolution/sqlite"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
)

func init() {
	stateLoader.DefaultRegistry.RegisterComponent(stateRedis.NewRedisStateStore, "redis")
	stateLoader.DefaultRegistry.RegisterComponent(stateInMemory.NewInMemoryStateStore, "in-memory")

	pubsubLoader.DefaultRegistry.RegisterComponent(pubsubRedis.NewRedisStreams, "redis")
	pubsubLoader.DefaultRegistry.RegisterComponent(pubsubInMemory.New, "in-memory")

	configurationLoader.DefaultRegistry.RegisterComponent(configurationRedis.NewRedisConfigurationStore, "redis")

	lockLoader.DefaultRegistry.RegisterComponent(lockRedis.NewStandaloneRedisLock, "redis")

	secretstoresLoader.DefaultRegistry.RegisterComponent(secretFile.NewLocalSecretStore, "local.file")
	secretstoresLoader.DefaultRegistry.RegisterComponent(secretEnv.NewEnvSecretStore, "local.env")

	bindingsLoader.DefaultRegistry.RegisterOutputBinding(bindingLocalStorage.NewLocalStorage, "localstorage")
	bindingsLoader.DefaultRegistry.RegisterInputBinding(bindingCron.NewCron, "cron")

	conversationLoader.DefaultRegistry.RegisterComponent(conversationEcho.NewEcho, "echo")

	cryptoLoader.DefaultRegistry.RegisterComponent(cryptoLocalStorage.NewLocalStorageCrypto, "dapr.localstorage")

	nrLoader.DefaultRegistry.RegisterComponent(nrSqlite.NewResolver, "sqlite")
}
