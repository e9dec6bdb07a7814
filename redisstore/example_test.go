package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/redisstore"
	"github.com/seed-699a33a2/session/store"
)

// A store on Redis Cluster; a *redis.Client or a Sentinel failover client
// works the same way.
func ExampleNew() {
	client := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: []string{"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"},
	})
	defer client.Close()
	s := redisstore.New(client, redisstore.Options{Prefix: "myapp:session:"})

	ctx := context.Background()
	id, err := s.Save(ctx, store.Record{
		ID:      store.NewID(),
		Data:    []byte("encoded session"),
		Created: time.Now(),
		Expires: time.Now().Add(2 * time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	r, err := s.Load(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s, expires %v\n", r.Data, r.Expires)
}

// The client as the framework's environment describes it (REDIS_HOST,
// REDIS_CLUSTER_ADDRS, ...) or as SESSION_REDIS_URL names it.
func ExampleNewClientFromEnv() {
	client, err := redisstore.NewClientFromEnv(nil) // nil reads os.Getenv
	if err != nil {
		log.Fatal(err) // e.g. session: redisstore: REDIS_PORT="six": not a TCP port
	}
	defer client.Close()
	_ = redisstore.New(client, redisstore.Options{})
}
